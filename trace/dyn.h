/*
 * trace/dyn.h: records with dynamic arguments (strings and byte arrays
 * copied at the call, lucent/trace.h). Internal to trace/: the writers
 * (emit_*.c) size and fill them, the readers (drain.c) find their length.
 *
 * Layout: the record's usual 64-byte slot, then the arguments' bytes, one
 * after the other, in as many further slots as they need. A record never
 * wraps around the ring's end: a writer that would wrap fills the end with
 * a padding record (LU_TRACE_PAD_ID) first, so readers and the Perfetto
 * encoder see the bytes in one piece right after the record.
 */
#ifndef LUCENT_TRACE_DYN_H
#define LUCENT_TRACE_DYN_H

#include <string.h>
#include <lucent/trace.h>

/* The bytes a dynamic argument keeps: at most its bound; a NUL-terminated
 * string (len SIZE_MAX) is read no further than the bound plus one, to see
 * whether it was cut. Returns the kept length | LU_TRACE_DTRUNC if cut. */
static inline uint32_t dyn_len(const void *p, size_t len, unsigned max)
{
    if (!p)
        return 0;
    if (len == (size_t)-1) {
        const char *s = (const char *)p;
        size_t n = 0;
        while (n <= max && s[n])
            n++;
        len = n;
    }
    return len > max ? max | LU_TRACE_DTRUNC : (uint32_t)len;
}

static inline unsigned dyn_max(const struct lu_tracepoint *tp, int i)
{
    unsigned m = tp->arg_max[i];
    return m == 0 ? LU_TRACE_DEFAULT_MAX : m > LU_TRACE_MAX_MAX ? LU_TRACE_MAX_MAX : m;
}

static inline bool dyn_type(uint8_t t) { return t == LU_TRACE_DSTR || t == LU_TRACE_DBYTES; }

/* Slots a record takes for @bytes of dynamic arguments. */
static inline uint64_t dyn_slots(uint64_t bytes)
{
    return 1 + (bytes + sizeof(struct lu_trace_rec) - 1) / sizeof(struct lu_trace_rec);
}

/* How many slots the committed record @rec takes (1 for a fixed one);
 * @tp: its tracepoint (NULL if unknown). */
static inline uint64_t dyn_span(const struct lu_trace_rec *rec, const struct lu_tracepoint *tp)
{
    if (rec->id == LU_TRACE_PAD_ID)
        return 1 + rec->args[0];
    if (!tp || !tp->dyn)
        return 1;
    uint64_t bytes = 0;
    for (int i = 0; i < tp->nargs && i < LU_TRACE_MAX_ARGS; i++)
        if (dyn_type(tp->arg_types[i]))
            bytes += LU_TRACE_DLEN(rec->args[i]);
    return dyn_slots(bytes);
}

/* Copies @n bytes into a record's data: 16 bytes at a time, the last
 * chunk overlapping the one before rather than a byte loop; never reads
 * past p[n - 1] (the string may end at a page's end). Inline: a call to
 * memcpy costs more than a short string's copy. */
static inline void dyn_copy(void *dst, const void *src, size_t n)
{
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *p = (const uint8_t *)src;
    if (__builtin_expect(n > 32, 0)) {
        for (size_t i = 0; i + 16 < n; i += 16) {
            __builtin_memcpy(d + i, p + i, 16);
            __asm__("" ::: "memory"); /* a loop, not a call to memcpy */
        }
        __builtin_memcpy(d + n - 16, p + n - 16, 16);
    } else if (n >= 16) { /* the common short string: two chunks, no loop */
        __builtin_memcpy(d, p, 16);
        __builtin_memcpy(d + n - 16, p + n - 16, 16);
    } else if (n >= 8) {
        __builtin_memcpy(d, p, 8);
        __builtin_memcpy(d + n - 8, p + n - 8, 8);
    } else if (n >= 4) {
        __builtin_memcpy(d, p, 4);
        __builtin_memcpy(d + n - 4, p + n - 4, 4);
    } else if (n) { /* 1 to 3 bytes: first, middle, last */
        d[0] = p[0];
        d[n / 2] = p[n / 2];
        d[n - 1] = p[n - 1];
    }
}

/* Fills args[] and the bytes after @s from the call's arguments; @lens:
 * from dyn_len for the dynamic ones. */
static inline void dyn_fill(struct lu_trace_rec *s, const struct lu_tracepoint *tp,
                            const struct lu_trace__arg *a, const uint32_t *lens)
{
    uint8_t *d = (uint8_t *)(s + 1);
    for (int i = 0; i < tp->nargs; i++) {
        if (dyn_type(tp->arg_types[i])) {
            uint32_t n = LU_TRACE_DLEN(lens[i]);
            dyn_copy(d, a[i].p, n);
            d += n;
            s->args[i] = lens[i];
        } else {
            s->args[i] = a[i].v;
        }
    }
}

#endif
