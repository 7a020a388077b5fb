/*
 * The exposition: Prometheus text format 0.0.4, and OpenMetrics 1.0.0 text.
 *
 * One pass over the sorted registry; each family is a HELP/TYPE block and
 * its series. Values are read once each with relaxed loads, so a scrape
 * never blocks an update. A histogram's buckets are cumulated here, and its
 * _count is the sum of its buckets, so +Inf and _count agree even while
 * observations land mid-scrape.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

struct lu_metrics_sink {
    struct mbuf *b;
    const struct lu_metric *m;
    enum lu_metrics_format fmt;
};

/* OpenMetrics names a counter family without its _total suffix. */
static void put_family_name(struct mbuf *b, const struct lu_metric *m, enum lu_metrics_format fmt)
{
    size_t n = strlen(m->name);
    if (fmt == LU_METRICS_OPENMETRICS && m->type == LU_METRIC_COUNTER && n > 6 &&
        strcmp(m->name + n - 6, "_total") == 0)
        n -= 6;
    mbuf_put(b, m->name, n);
}

static void put_header(struct mbuf *b, const struct lu_metric *m, enum lu_metrics_format fmt)
{
    static const char *const types[] = {"", "counter", "gauge", "histogram"};
    mbuf_puts(b, "# HELP ");
    put_family_name(b, m, fmt);
    mbuf_putc(b, ' ');
    mbuf_put_help(b, m->help, fmt == LU_METRICS_OPENMETRICS);
    mbuf_puts(b, "\n# TYPE ");
    put_family_name(b, m, fmt);
    mbuf_putc(b, ' ');
    mbuf_puts(b, types[m->type]);
    mbuf_putc(b, '\n');
}

static void put_label(struct mbuf *b, bool *first, const char *name, const char *value)
{
    mbuf_putc(b, *first ? '{' : ',');
    *first = false;
    mbuf_puts(b, name);
    mbuf_puts(b, "=\"");
    mbuf_put_label_value(b, value);
    mbuf_putc(b, '"');
}

/* name[suffix]{static labels, dynamic labels[, le]} */
static void put_series_name(struct mbuf *b, const struct lu_metric *m, const char *suffix,
                            const char *const *dyn, const char *le)
{
    mbuf_puts(b, m->name);
    if (suffix)
        mbuf_puts(b, suffix);
    bool first = true;
    for (const char *const *l = m->labels; l && *l; l += 2)
        put_label(b, &first, l[0], l[1]);
    for (size_t i = 0; dyn && m->label_names && m->label_names[i]; i++)
        put_label(b, &first, m->label_names[i], dyn[i]);
    if (le)
        put_label(b, &first, "le", le);
    if (!first)
        mbuf_putc(b, '}');
    mbuf_putc(b, ' ');
}

static void put_unsigned(struct mbuf *b, const struct lu_metric *m, uint64_t v)
{
    mbuf_put_fixed(b, v, false, m->decimals);
    mbuf_putc(b, '\n');
}

static void put_signed(struct mbuf *b, const struct lu_metric *m, int64_t v)
{
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    mbuf_put_fixed(b, mag, v < 0, m->decimals);
    mbuf_putc(b, '\n');
}

static void put_histogram(struct mbuf *b, const struct lu_metric *m, const char *const *dyn,
                          const struct lu_histogram *h)
{
    uint64_t cum = 0;
    char le[48];
    for (uint32_t i = 0; i <= h->nbounds; i++) {
        cum += __atomic_load_n(&h->counts[i], __ATOMIC_RELAXED);
        const char *bound = "+Inf";
        if (i < h->nbounds) {
            le[fmt_fixed(le, h->bounds[i], false, m->decimals)] = '\0';
            bound = le;
        }
        put_series_name(b, m, "_bucket", dyn, bound);
        mbuf_put_u64(b, cum);
        mbuf_putc(b, '\n');
    }
    put_series_name(b, m, "_sum", dyn, NULL);
    put_unsigned(b, m, __atomic_load_n(&h->sum, __ATOMIC_RELAXED));
    put_series_name(b, m, "_count", dyn, NULL);
    mbuf_put_u64(b, cum);
    mbuf_putc(b, '\n');
}

/* One series of a plain (non-histogram) value. */
static void put_value_series(struct mbuf *b, const struct lu_metric *m, const char *const *dyn,
                             const void *val, enum lu_metrics_format fmt)
{
    const char *suffix = NULL;
    size_t n = strlen(m->name);
    /* OpenMetrics counters must end in _total; the family name omits it. */
    if (fmt == LU_METRICS_OPENMETRICS && m->type == LU_METRIC_COUNTER &&
        !(n > 6 && strcmp(m->name + n - 6, "_total") == 0))
        suffix = "_total";
    put_series_name(b, m, suffix, dyn, NULL);
    if (m->type == LU_METRIC_COUNTER)
        put_unsigned(b, m, lu_counter_get(val));
    else
        put_signed(b, m, lu_gauge_get(val));
}

static void put_vec(struct mbuf *b, const struct lu_metric *m, enum lu_metrics_format fmt)
{
    const struct lu_metric_vec *v = m->value;
    const char *dyn[LU_METRICS_MAX_LABELS];
    for (uint32_t i = 0; i <= v->cap; i++) {
        const struct lu_vec_slot *s = &v->slots[i];
        if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != VEC_READY)
            continue;
        vec_slot_values(v, s, dyn);
        if (m->type == LU_METRIC_HISTOGRAM)
            put_histogram(b, m, dyn, vec_value(v, i));
        else
            put_value_series(b, m, dyn, vec_value(v, i), fmt);
    }
}

void lu_metrics_emit(struct lu_metrics_sink *sink, const char *const *values, int64_t v)
{
    const struct lu_metric *m = sink->m;
    const char *suffix = NULL;
    size_t n = strlen(m->name);
    if (sink->fmt == LU_METRICS_OPENMETRICS && m->type == LU_METRIC_COUNTER &&
        !(n > 6 && strcmp(m->name + n - 6, "_total") == 0))
        suffix = "_total";
    put_series_name(sink->b, m, suffix, values, NULL);
    if (m->type == LU_METRIC_COUNTER && v < 0)
        v = 0; /* a counter is never negative; a buggy collector must not make it so */
    put_signed(sink->b, m, v);
}

static void put_metric(struct mbuf *b, const struct lu_metric *m, enum lu_metrics_format fmt)
{
    switch (m->storage) {
    case LU_STORE_COUNTER:
    case LU_STORE_GAUGE: put_value_series(b, m, NULL, m->value, fmt); break;
    case LU_STORE_COUNTER_PERCPU: {
        struct lu_counter sum = {lu_counter_percpu_get(m->value)};
        put_value_series(b, m, NULL, &sum, fmt);
        break;
    }
    case LU_STORE_HISTOGRAM: put_histogram(b, m, NULL, m->value); break;
    case LU_STORE_FN: {
        struct lu_metrics_sink sink = {b, m, fmt};
        lu_metrics_emit(&sink, NULL, m->fn(m));
        break;
    }
    case LU_STORE_COLLECT: {
        struct lu_metrics_sink sink = {b, m, fmt};
        m->collect(&sink, m);
        break;
    }
    case LU_STORE_VEC: put_vec(b, m, fmt); break;
    }
}

int lu_metrics_render(enum lu_metrics_format fmt, char **out, size_t *len)
{
    const struct lu_metric *const *list;
    size_t n;
    int r = registry_get(&list, &n);
    if (r)
        return r;
    struct mbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(list[i]->name, list[i - 1]->name) != 0)
            put_header(&b, list[i], fmt);
        put_metric(&b, list[i], fmt);
    }
    if (fmt == LU_METRICS_OPENMETRICS)
        mbuf_puts(&b, "# EOF\n");
    mbuf_putc(&b, '\0'); /* callers may treat it as a string */
    if (b.err) {
        free(b.p);
        return b.err;
    }
    *out = b.p;
    *len = b.len - 1;
    return 0;
}
