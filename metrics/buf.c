/* The exposition's output buffer and its number and string formatting.
 * Integer-only by design: values are fixed point (see `decimals` in
 * lucent/metrics.h), so the output never holds NaN, Inf or a rounding
 * artefact such as 0.30000000000000004. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static bool grow(struct mbuf *b, size_t more)
{
    if (b->err)
        return false;
    if (b->len + more <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->err = -ENOMEM;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void mbuf_put(struct mbuf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

void mbuf_puts(struct mbuf *b, const char *s) { mbuf_put(b, s, strlen(s)); }

void mbuf_putc(struct mbuf *b, char c)
{
    if (grow(b, 1))
        b->p[b->len++] = c;
}

void mbuf_put_u64(struct mbuf *b, uint64_t v)
{
    char tmp[20];
    int i = 20;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    mbuf_put(b, tmp + i, (size_t)(20 - i));
}

size_t fmt_fixed(char *out, uint64_t mag, bool negative, unsigned decimals)
{
    char tmp[24];
    size_t n = 0, i = 0;
    if (decimals > 19)
        decimals = 19;
    if (negative && mag)
        out[n++] = '-';
    /* digits, least significant first, with at least decimals+1 of them */
    do {
        tmp[i++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag || i <= decimals);
    unsigned trim = 0; /* trailing fractional zeros to drop */
    while (trim < decimals && tmp[trim] == '0')
        trim++;
    for (size_t k = i; k-- > decimals;)
        out[n++] = tmp[k];
    if (trim < decimals) {
        out[n++] = '.';
        for (size_t k = decimals; k-- > trim;)
            out[n++] = tmp[k];
    }
    return n;
}

void mbuf_put_fixed(struct mbuf *b, uint64_t mag, bool negative, unsigned decimals)
{
    char tmp[48];
    mbuf_put(b, tmp, fmt_fixed(tmp, mag, negative, decimals));
}

static void put_escaped(struct mbuf *b, const char *s, bool quote)
{
    const char *run = s;
    for (; *s; s++) {
        const char *esc = NULL;
        if (*s == '\\')
            esc = "\\\\";
        else if (*s == '\n')
            esc = "\\n";
        else if (*s == '"' && quote)
            esc = "\\\"";
        if (!esc)
            continue;
        mbuf_put(b, run, (size_t)(s - run));
        mbuf_put(b, esc, 2);
        run = s + 1;
    }
    mbuf_put(b, run, (size_t)(s - run));
}

void mbuf_put_label_value(struct mbuf *b, const char *s) { put_escaped(b, s ? s : "", true); }
void mbuf_put_help(struct mbuf *b, const char *s, bool escape_quote)
{
    put_escaped(b, s ? s : "", escape_quote);
}
