/*
 * Children of a dynamic-label family (lu_metric_vec), found by label values
 * without a lock: open addressing over a static slot array, where a slot is
 * claimed with one compare-and-swap and published with a release store.
 *
 * The one wait: a thread that probes a slot another thread has claimed but
 * not yet published spins until it is published (the owner is copying at
 * most LU_METRICS_LABEL_BYTES). Without the wait both could insert the same
 * values and the family would show a duplicate series.
 */
#include <string.h>
#include "internal.h"

static const char overflow_value[] = "__overflow__";

/* values -> "v1\0v2\0...", or -1 when they do not fit a slot. */
static int encode(const struct lu_metric_vec *v, const char *const *values, char *out)
{
    size_t n = 0;
    for (uint32_t i = 0; i < v->nlabels; i++) {
        const char *s = values[i] ? values[i] : "";
        size_t l = strlen(s) + 1;
        if (n + l > LU_METRICS_LABEL_BYTES)
            return -1;
        memcpy(out + n, s, l);
        n += l;
    }
    return (int)n;
}

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* Readies child @i's value before it is published: histograms need their
 * bounds and their own row of bucket counts. */
static void init_child(struct lu_metric_vec *v, uint32_t i)
{
    if (!v->counts)
        return;
    struct lu_histogram *h = vec_value(v, i);
    h->bounds = v->bounds;
    h->nbounds = v->nbounds;
    h->counts = v->counts + (size_t)i * (v->nbounds + 1);
}

static void *overflow_child(struct lu_metric_vec *v)
{
    struct lu_vec_slot *s = &v->slots[v->cap];
    __atomic_fetch_add(&v->overflows, 1, __ATOMIC_RELAXED);
    uint32_t st = VEC_EMPTY;
    if (__atomic_compare_exchange_n(&s->state, &st, VEC_CLAIMED, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        size_t n = 0;
        for (uint32_t i = 0; i < v->nlabels; i++, n += sizeof overflow_value)
            memcpy(s->values + n, overflow_value, sizeof overflow_value);
        init_child(v, v->cap);
        __atomic_store_n(&s->state, VEC_READY, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != VEC_READY)
            __asm__ volatile("pause");
    }
    return vec_value(v, v->cap);
}

void *lu_metric_vec_child(struct lu_metric_vec *v, const char *const *values)
{
    char enc[LU_METRICS_LABEL_BYTES];
    int n = encode(v, values, enc);
    if (n < 0 || v->cap == 0)
        return overflow_child(v);
    uint32_t h = fnv1a(enc, (size_t)n);
    for (uint32_t probe = 0; probe < v->cap; probe++) {
        uint32_t i = (h + probe) % v->cap;
        struct lu_vec_slot *s = &v->slots[i];
        uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        if (st == VEC_EMPTY) {
            if (__atomic_compare_exchange_n(&s->state, &st, VEC_CLAIMED, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
                s->hash = h;
                memcpy(s->values, enc, (size_t)n);
                init_child(v, i);
                __atomic_store_n(&s->state, VEC_READY, __ATOMIC_RELEASE);
                return vec_value(v, i);
            }
        }
        while (st == VEC_CLAIMED) {
            __asm__ volatile("pause");
            st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
        }
        if (s->hash == h && memcmp(s->values, enc, (size_t)n) == 0)
            return vec_value(v, i);
    }
    return overflow_child(v);
}

void vec_slot_values(const struct lu_metric_vec *v, const struct lu_vec_slot *s, const char **out)
{
    const char *p = s->values;
    for (uint32_t i = 0; i < v->nlabels; i++) {
        out[i] = p;
        p += strlen(p) + 1;
    }
}
