/*
 * libFuzzer target: the guest's side of lucent.metrics (metrics/protocol.c),
 * the one parser in metrics that reads bytes from outside the program.
 *
 * Input: byte 0 seeds the chunk sizes, the rest is what a host peer sends.
 * The bytes go through lu_metrics_conn_feed in pieces, as a stream delivers
 * them, with the real renderer behind "metrics"/"openmetrics". Beyond
 * crashes and sanitizer reports, it checks what the framing promises:
 *  - every reply is "ok SEQ LEN\n" or "err 0 LEN\n" followed by exactly
 *    LEN body bytes (the bridge trusts LEN);
 *  - one reply per complete line and one per overlong line, no more;
 *  - a session ack is SOH "session" SP TOKEN LF, with a token as the
 *    grammar allows;
 *  - whatever came before, a session opener gets its ack and the request
 *    after it its own answer: no byte of an earlier peer reaches them;
 *  - the connection's state stays within one line;
 *  - lu_metrics_parse_request agrees with a reference reading of the
 *    grammar in docs/metrics.md on every line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Something to render, with the label values promtool is strictest on. */
LU_COUNTER(fz_plain, "fuzz_plain_total", "A counter.");
LU_COUNTER(fz_esc, "fuzz_escaped_total", "Help with a \\ and a\nnewline.",
           LU_LABELS("v", "quote \" backslash \\ newline \n end"));
LU_HISTOGRAM(fz_hist, "fuzz_latency_seconds", "A histogram.", LU_DECIMALS_NS, LU_BUCKETS(1000, 1000000));
LU_COUNTER_VEC(fz_vec, "fuzz_vec_total", "A vec.", 2, LU_LABEL_NAMES("k"));

#define FAIL(...)                                                                                            \
    do {                                                                                                     \
        fprintf(stderr, "fuzz_protocol: " __VA_ARGS__);                                                      \
        fputc('\n', stderr);                                                                                 \
        abort();                                                                                             \
    } while (0)

struct seen {
    size_t replies;
    char last[64]; /* the latest reply, when it is this short */
    size_t last_len;
};

static void check_ack(const char *hdr, size_t hlen, size_t blen)
{
    static const char word[] = "\x01session ";
    size_t w = sizeof word - 1;
    if (blen || hlen < w + 2 || hlen > w + LU_METRICS_TOKEN_MAX + 1 || memcmp(hdr, word, w) != 0 ||
        hdr[hlen - 1] != '\n')
        FAIL("bad session ack (%zu bytes)", hlen);
    for (size_t i = w; i < hlen - 1; i++)
        if (!strchr("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", hdr[i]) || !hdr[i])
            FAIL("bad byte 0x%02x in a session token", (unsigned char)hdr[i]);
}

static int check_reply(void *ctx, const char *hdr, size_t hlen, const char *body, size_t blen)
{
    struct seen *s = ctx;
    s->replies++;
    s->last_len = 0;
    if (hlen + blen <= sizeof s->last) {
        memcpy(s->last, hdr, hlen);
        memcpy(s->last + hlen, body, blen);
        s->last_len = hlen + blen;
    }
    if (hlen && hdr[0] == LU_METRICS_SOH) {
        check_ack(hdr, hlen, blen);
        return 0;
    }
    if (hlen < 7 || hlen > 47 || hdr[hlen - 1] != '\n')
        FAIL("bad header length %zu", hlen);
    bool ok = memcmp(hdr, "ok ", 3) == 0;
    if (!ok && memcmp(hdr, "err ", 4) != 0)
        FAIL("bad status");
    const char *p = hdr + (ok ? 3 : 4), *end = hdr + hlen - 1;
    unsigned long long seq = 0, len = 0;
    const char *q = p;
    while (q < end && *q >= '0' && *q <= '9')
        seq = seq * 10 + (unsigned long long)(*q++ - '0');
    if (q == p || q == end || *q != ' ')
        FAIL("bad seq field");
    p = ++q;
    while (q < end && *q >= '0' && *q <= '9')
        len = len * 10 + (unsigned long long)(*q++ - '0');
    if (q == p || q != end)
        FAIL("bad length field");
    if (len != blen)
        FAIL("header says %llu bytes, body has %zu", len, blen);
    if (seq > UINT32_MAX)
        FAIL("seq %llu", seq);
    if (blen && body[blen - 1] != '\n')
        FAIL("body does not end in LF");
    if (!ok && seq != 0 && !(blen == 14 && memcmp(body, "out of memory\n", 14) == 0))
        FAIL("an error reply to garbage carries seq %llu", seq);
    return 0;
}

/* The grammar of docs/metrics.md, read independently of protocol.c. */
static int reference_parse(const char *line, size_t len, struct lu_metrics_req *r)
{
    static const char *const verbs[] = {NULL, "metrics", "openmetrics", "ping"};
    if (len && line[len - 1] == '\r')
        len--;
    const char *sp = memchr(line, ' ', len);
    size_t w = sp ? (size_t)(sp - line) : len;
    r->verb = 0;
    r->seq = 0;
    for (int v = 1; v <= 3; v++)
        if (strlen(verbs[v]) == w && memcmp(verbs[v], line, w) == 0)
            r->verb = v;
    if (!r->verb)
        return -EINVAL;
    if (!sp)
        return 0;
    size_t nd = len - w - 1;
    if (nd < 1 || nd > 10)
        return -EINVAL;
    char digits[11];
    memcpy(digits, sp + 1, nd);
    digits[nd] = '\0';
    if (strspn(digits, "0123456789") != nd)
        return -EINVAL;
    unsigned long long v = strtoull(digits, NULL, 10);
    if (v > UINT32_MAX)
        return -EINVAL;
    r->seq = (uint32_t)v;
    return 0;
}

static void check_parser(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        size_t len = (size_t)((const char *)data + i - line);
        if (len < LU_METRICS_REQ_MAX) {
            struct lu_metrics_req a, b;
            const char *why = NULL;
            int ra = lu_metrics_parse_request(line, len, &a, &why), rb = reference_parse(line, len, &b);
            if (ra != rb || (ra == 0 && (a.verb != b.verb || a.seq != b.seq)))
                FAIL("parser says %d (verb %d seq %u), the grammar %d (verb %d seq %u) for %.*s", ra,
                     (int)a.verb, a.seq, rb, (int)b.verb, b.seq, (int)len, line);
            if (ra && !why)
                FAIL("an error without a reason");
        }
        line = (const char *)data + i + 1;
    }
}

/* The linker-section walk must survive the sanitizers' instrumentation of
 * globals (redzones would break it): every declared family renders, with
 * its label value escaped as the text format requires. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *out;
    size_t len;
    if (lu_metrics_render(LU_METRICS_PROMETHEUS, &out, &len))
        FAIL("render failed");
    if (!strstr(out, "fuzz_escaped_total{v=\"quote \\\" backslash \\\\ newline \\n end\"} 0\n") ||
        !strstr(out, "fuzz_latency_seconds_bucket{le=\"+Inf\"} 0\n") || lu_metrics_invalid_count())
        FAIL("the registry lost a declaration:\n%s", out);
    free(out);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned seed = data[0];
    data++;
    size--;
    check_parser(data, size);

    /* Upper bound on replies: one per LF, plus one per run of 127 bytes
     * without one (an overlong line). */
    size_t lfs = 0, run = 0, overlong = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n') {
            lfs++;
            run = 0;
        } else if (data[i] == LU_METRICS_SOH) {
            run = 0; /* a new line starts after it */
        } else if (++run == LU_METRICS_REQ_MAX - 1) {
            overlong++;
            run = 0;
        }
    }
    lu_counter_inc(&fz_plain);
    lu_counter_inc(&fz_esc);
    lu_histogram_observe(&fz_hist, size * 1000);
    lu_counter_inc(lu_counter_vec_at(&fz_vec, LU_VALUES(size & 1 ? "odd" : size & 2 ? "two" : "x\"\\\n")));

    struct lu_metrics_conn conn = {0};
    struct seen s = {0};
    size_t at = 0;
    while (at < size) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % 97;
        if (n > size - at)
            n = size - at;
        if (lu_metrics_conn_feed(&conn, (const char *)data + at, n, check_reply, &s))
            FAIL("feed failed while every reply succeeded");
        if (conn.len >= LU_METRICS_REQ_MAX)
            FAIL("line state past its bound: %zu", conn.len);
        at += n;
    }
    if (s.replies > lfs + overlong)
        FAIL("%zu replies for %zu lines and %zu overlong runs", s.replies, lfs, overlong);
    if (conn.requests != s.replies)
        FAIL("conn counted %llu requests, %zu replies went out", (unsigned long long)conn.requests,
             s.replies);

    /* The next peer opens a session: whatever the input left behind (a half
     * line, an overlong one, a half opener), it gets exactly its ack, then
     * exactly the answer to its own request. */
    static const char opener[] = "\x01session nExt9\n", ping[] = "ping 4242\n", pong[] = "ok 4242 5\npong\n";
    size_t before = s.replies;
    if (lu_metrics_conn_feed(&conn, opener, sizeof opener - 1, check_reply, &s))
        FAIL("feed failed while every reply succeeded");
    if (s.replies != before + 1 || s.last_len != sizeof opener - 1 || memcmp(s.last, opener, s.last_len))
        FAIL("the opener after the input got %zu replies, not its ack", s.replies - before);
    if (lu_metrics_conn_feed(&conn, ping, sizeof ping - 1, check_reply, &s))
        FAIL("feed failed while every reply succeeded");
    if (s.replies != before + 2 || s.last_len != sizeof pong - 1 || memcmp(s.last, pong, s.last_len))
        FAIL("the request after the opener was not answered on its own");
    return 0;
}
