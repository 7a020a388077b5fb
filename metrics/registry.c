/*
 * The registry: every descriptor in the `lu_metrics` linker section,
 * validated and sorted by family name once, at first use.
 *
 * Sorting is what lets descriptors of one family live in different files
 * (static label sets) and still render as one HELP/TYPE block, which the
 * text format requires. Ties are broken by address, so series keep one
 * order from scrape to scrape (compilers emit a file's objects in no
 * promised order, so that is not declaration order).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* Weak: a program with no metric at all has no section and no symbols. */
extern const struct lu_metric __start_lu_metrics[] __attribute__((weak));
extern const struct lu_metric __stop_lu_metrics[] __attribute__((weak));

enum { REG_NONE, REG_BUSY, REG_READY, REG_FAILED };
static int reg_state;
static const struct lu_metric **reg_list;
static size_t reg_n;
static unsigned reg_invalid;

static bool name_char(char c, bool first, bool colon)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return true;
    if (c == ':' && colon)
        return true;
    return !first && c >= '0' && c <= '9';
}

/* Prometheus names: [a-zA-Z_:][a-zA-Z0-9_:]*. Colons are for recording
 * rules, and promtool's lint rejects them in exposed metrics. */
bool metric_name_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!name_char(*p, p == s, false))
            return false;
    return true;
}

/* Label names: [a-zA-Z_][a-zA-Z0-9_]*, and the __ prefix is reserved. */
bool label_name_ok(const char *s)
{
    if (!s || !*s || (s[0] == '_' && s[1] == '_'))
        return false;
    for (const char *p = s; *p; p++)
        if (!name_char(*p, p == s, false))
            return false;
    return true;
}

static bool label_list_ok(const struct lu_metric *m, const char *const *names, size_t stride, size_t *count)
{
    size_t n = 0;
    for (const char *const *l = names; l && *l; l += stride, n++) {
        if (!label_name_ok(*l))
            return false;
        if (m->type == LU_METRIC_HISTOGRAM && strcmp(*l, "le") == 0)
            return false;
        if (stride == 2 && !l[1])
            return false; /* a label name without a value */
    }
    *count = n;
    return true;
}

static bool descriptor_ok(const struct lu_metric *m)
{
    if (!metric_name_ok(m->name) || !m->help || m->decimals > 18)
        return false;
    if (m->type < LU_METRIC_COUNTER || m->type > LU_METRIC_HISTOGRAM)
        return false;
    size_t nstatic = 0, ndyn = 0;
    if (!label_list_ok(m, m->labels, 2, &nstatic) || !label_list_ok(m, m->label_names, 1, &ndyn))
        return false;
    switch (m->storage) {
    case LU_STORE_COUNTER:
    case LU_STORE_COUNTER_PERCPU: return m->value && m->type == LU_METRIC_COUNTER;
    case LU_STORE_GAUGE: return m->value && m->type == LU_METRIC_GAUGE;
    case LU_STORE_HISTOGRAM: return m->value && m->type == LU_METRIC_HISTOGRAM;
    case LU_STORE_FN: return m->fn && m->type != LU_METRIC_HISTOGRAM;
    case LU_STORE_COLLECT: return m->collect && m->type != LU_METRIC_HISTOGRAM;
    case LU_STORE_VEC: {
        const struct lu_metric_vec *v = m->value;
        return v && v->cap > 0 && ndyn == v->nlabels && ndyn > 0 && ndyn <= LU_METRICS_MAX_LABELS;
    }
    default: return false;
    }
}

static int by_name(const void *a, const void *b)
{
    const struct lu_metric *x = *(const struct lu_metric *const *)a, *y = *(const struct lu_metric *const *)b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x < y ? -1 : x > y;
}

static int build(void)
{
    size_t total = (size_t)(__stop_lu_metrics - __start_lu_metrics);
    if (!__start_lu_metrics)
        total = 0;
    reg_list = malloc((total ? total : 1) * sizeof *reg_list);
    if (!reg_list)
        return -ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < total; i++) {
        if (descriptor_ok(&__start_lu_metrics[i]))
            reg_list[n++] = &__start_lu_metrics[i];
        else
            reg_invalid++;
    }
    qsort(reg_list, n, sizeof *reg_list, by_name);
    /* A family is one type and one help text: its first member (by
     * address) sets them, and a member that disagrees is dropped rather
     * than render an exposition Prometheus would reject. */
    size_t out = 0, first = 0;
    for (size_t i = 0; i < n; i++) {
        if (out == 0 || strcmp(reg_list[first]->name, reg_list[i]->name) != 0) {
            first = out;
            reg_list[out++] = reg_list[i];
        } else if (reg_list[i]->type == reg_list[first]->type &&
                   strcmp(reg_list[i]->help, reg_list[first]->help) == 0 &&
                   reg_list[i]->decimals == reg_list[first]->decimals) {
            reg_list[out++] = reg_list[i];
        } else {
            reg_invalid++;
        }
    }
    reg_n = out;
    return 0;
}

int registry_get(const struct lu_metric *const **list, size_t *n)
{
    int st = __atomic_load_n(&reg_state, __ATOMIC_ACQUIRE);
    while (st != REG_READY) {
        if (st == REG_FAILED)
            return -ENOMEM;
        int none = REG_NONE;
        if (st == REG_NONE && __atomic_compare_exchange_n(&reg_state, &none, REG_BUSY, false,
                                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            st = build() ? REG_FAILED : REG_READY;
            __atomic_store_n(&reg_state, st, __ATOMIC_RELEASE);
            continue;
        }
        /* another thread is building: it takes microseconds */
        __asm__ volatile("pause");
        st = __atomic_load_n(&reg_state, __ATOMIC_ACQUIRE);
    }
    *list = reg_list;
    *n = reg_n;
    return 0;
}

int lu_metrics_foreach(int (*fn)(const struct lu_metric *m, void *arg), void *arg)
{
    const struct lu_metric *const *list;
    size_t n;
    int r = registry_get(&list, &n);
    for (size_t i = 0; !r && i < n; i++)
        r = fn(list[i], arg);
    return r;
}

unsigned lu_metrics_invalid_count(void)
{
    const struct lu_metric *const *list;
    size_t n;
    registry_get(&list, &n);
    return reg_invalid;
}

uint64_t lu_counter_get(const struct lu_counter *c) { return __atomic_load_n(&c->v, __ATOMIC_RELAXED); }
int64_t lu_gauge_get(const struct lu_gauge *g) { return __atomic_load_n(&g->v, __ATOMIC_RELAXED); }

uint64_t lu_counter_percpu_get(const struct lu_counter_percpu *c)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < LU_METRICS_CPU_SLOTS; i++)
        sum += __atomic_load_n(&c->slot[i].v, __ATOMIC_RELAXED);
    return sum;
}
