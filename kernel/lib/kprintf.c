/*
 * A small printf for the kernel. It never allocates and takes no locks
 * beyond the console's, so fault handlers and the panic path can use it
 * when newlib's stdio state may be the thing that is broken.
 * Supports %d %i %u %x %X %p %s %c %% with l, ll, z flags, width and '0'.
 */
#include <stdbool.h>
#include <stdint.h>
#include "../drivers/console.h"
#include "kprintf.h"

struct out {
    char *buf;
    size_t n, len;
};

static void emit(struct out *o, char c)
{
    if (o->len + 1 < o->n)
        o->buf[o->len] = c;
    o->len++;
}

static void emit_num(struct out *o, unsigned long long v, unsigned base, bool upper, int width, char pad,
                     bool neg)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int i = 0;
    do {
        tmp[i++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg)
        width--;
    if (neg && pad == '0')
        emit(o, '-');
    for (int w = i; w < width; w++)
        emit(o, pad);
    if (neg && pad != '0')
        emit(o, '-');
    while (i)
        emit(o, tmp[--i]);
}

int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct out o = {buf, n, 0};
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(&o, *fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0;
        bool left = false;
        if (*fmt == '-') {
            left = true;
            fmt++;
        }
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
            emit_num(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, false, width, pad,
                     v < 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            emit_num(&o, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', width, pad, false);
            break;
        }
        case 'p':
            emit(&o, '0');
            emit(&o, 'x');
            emit_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, 16, '0', false);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = 0;
            while (s[len])
                len++;
            if (!left)
                for (int w = len; w < width; w++)
                    emit(&o, ' ');
            for (int i = 0; i < len; i++)
                emit(&o, s[i]);
            if (left)
                for (int w = len; w < width; w++)
                    emit(&o, ' ');
            break;
        }
        case 'c': emit(&o, (char)va_arg(ap, int)); break;
        case '%': emit(&o, '%'); break;
        case '\0': fmt--; break;
        default: emit(&o, '%'); emit(&o, *fmt);
        }
    }
    if (n)
        buf[o.len < n ? o.len : n - 1] = '\0';
    return (int)o.len;
}

int ksnprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = kvsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int r = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, (size_t)r < sizeof buf ? (size_t)r : sizeof buf - 1);
}
