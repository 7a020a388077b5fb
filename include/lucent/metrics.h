/*
 * lucent/metrics.h: Prometheus-style metrics, declared where they are used.
 *
 *   LU_COUNTER(rx_packets, "lucent_net_rx_packets_total", "Packets received.");
 *   ...
 *   lu_counter_inc(&rx_packets);
 *
 * Owns: the metric kinds (counter, gauge, histogram), their label sets, the
 * declaration macros and the lock-free update paths. Does not own: rendering
 * (metrics/render.c), the lucent.metrics channel server (metrics/server.c),
 * the built-in metrics (metrics/builtin*.c) or what a subsystem counts.
 *
 * Registration. Every declaration puts a `struct lu_metric` descriptor in
 * the `lu_metrics` linker section; the registry walks
 * __start_lu_metrics..__stop_lu_metrics at the first scrape. There is no
 * central list to edit and no run-time registration call. Declarations
 * define `static` storage: a metric lives in the file that updates it (wrap
 * it in a function to share it).
 *
 * Families. Descriptors with the same name form one family (one HELP/TYPE
 * block); they must agree on type and help, and differ in their labels. A
 * descriptor that breaks the naming rules or disagrees with its family is
 * left out of every scrape and counted in lucent_metrics_invalid_declarations.
 *
 * Values are integers. A family may declare `decimals`: the exported value
 * is v / 10^decimals, so a latency kept in nanoseconds is exported in
 * seconds (LU_DECIMALS_NS) without any floating point. That keeps the API
 * usable from kernel code built with -mgeneral-regs-only, and makes NaN and
 * Inf impossible in the output.
 *
 * Updates are relaxed atomics: a counter increment is one `lock add`. A
 * scrape reads each value once; it sees every update that happened before
 * the request arrived, in no particular order between series.
 */
#ifndef LUCENT_METRICS_H
#define LUCENT_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <lucent/plat.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Slots of a per-CPU counter. CPU ids past this share slots (modulo), which
 * costs contention, never correctness. */
#define LU_METRICS_CPU_SLOTS 8
/* Most label names a dynamic (vec) family may have. */
#define LU_METRICS_MAX_LABELS 4
/* Bytes for one child's label values, NUL-separated. A value set that does
 * not fit goes to the family's overflow series, like one past the cap. */
#define LU_METRICS_LABEL_BYTES 112

/* Fixed-point scales for `decimals`. */
#define LU_DECIMALS_NONE 0
#define LU_DECIMALS_MS 3 /* value in milli-units, exported in base units */
#define LU_DECIMALS_US 6
#define LU_DECIMALS_NS 9

enum lu_metric_type { LU_METRIC_COUNTER = 1, LU_METRIC_GAUGE = 2, LU_METRIC_HISTOGRAM = 3 };

/* How a descriptor's `value` is laid out. */
enum lu_metric_storage {
    LU_STORE_COUNTER = 1, /* struct lu_counter */
    LU_STORE_COUNTER_PERCPU,
    LU_STORE_GAUGE,
    LU_STORE_HISTOGRAM,
    LU_STORE_FN,      /* one value read from `fn` at scrape time */
    LU_STORE_COLLECT, /* any number of series emitted by `collect` */
    LU_STORE_VEC,     /* struct lu_metric_vec: children by dynamic labels */
};

/* ---- values ------------------------------------------------------------------ */

struct lu_counter {
    uint64_t v;
};

/* For counters bumped from many CPUs at once (context switches, IRQs):
 * each CPU adds to its own cache line; a scrape sums the slots. */
struct lu_counter_percpu {
    struct {
        uint64_t v;
    } __attribute__((aligned(64))) slot[LU_METRICS_CPU_SLOTS];
};

struct lu_gauge {
    int64_t v;
};

/* counts[i] holds observations in (bounds[i-1], bounds[i]]; counts[nbounds]
 * those above the last bound. The renderer makes them cumulative, and
 * _count is their total, so the +Inf bucket and _count always agree. */
struct lu_histogram {
    const uint64_t *bounds;
    uint32_t nbounds;
    uint64_t *counts;
    uint64_t sum;
};

static inline void lu_counter_add(struct lu_counter *c, uint64_t n)
{
    __atomic_fetch_add(&c->v, n, __ATOMIC_RELAXED);
}
static inline void lu_counter_inc(struct lu_counter *c) { lu_counter_add(c, 1); }

static inline void lu_counter_percpu_add(struct lu_counter_percpu *c, uint64_t n)
{
    /* A stale CPU id (the thread migrated) only lands in another slot: the
     * add is still atomic. */
    __atomic_fetch_add(&c->slot[lu_plat_cpu_id() % LU_METRICS_CPU_SLOTS].v, n, __ATOMIC_RELAXED);
}
static inline void lu_counter_percpu_inc(struct lu_counter_percpu *c) { lu_counter_percpu_add(c, 1); }

static inline void lu_gauge_set(struct lu_gauge *g, int64_t v)
{
    __atomic_store_n(&g->v, v, __ATOMIC_RELAXED);
}
static inline void lu_gauge_add(struct lu_gauge *g, int64_t d)
{
    __atomic_fetch_add(&g->v, d, __ATOMIC_RELAXED);
}
static inline void lu_gauge_inc(struct lu_gauge *g) { lu_gauge_add(g, 1); }
static inline void lu_gauge_dec(struct lu_gauge *g) { lu_gauge_add(g, -1); }

static inline void lu_histogram_observe(struct lu_histogram *h, uint64_t v)
{
    uint32_t i = 0;
    while (i < h->nbounds && v > h->bounds[i])
        i++;
    __atomic_fetch_add(&h->counts[i], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h->sum, v, __ATOMIC_RELAXED);
}

/* Reads, for code and tests that want the current value. */
uint64_t lu_counter_get(const struct lu_counter *c);
uint64_t lu_counter_percpu_get(const struct lu_counter_percpu *c);
int64_t lu_gauge_get(const struct lu_gauge *g);

/* ---- dynamic labels ---------------------------------------------------------- */

/* One child of a vec. `state` goes EMPTY -> CLAIMED -> READY once; values
 * are written between the two and never change after. */
struct lu_vec_slot {
    uint32_t state;
    uint32_t hash;
    char values[LU_METRICS_LABEL_BYTES];
};

/* A family whose label values are known only at run time (HTTP method and
 * status code, say). It holds at most `cap` children; a value set that
 * arrives when all are taken is folded into one extra child whose labels are
 * all "__overflow__", and counted in lucent_metrics_label_overflow_total, so
 * a sum over the family stays right and memory stays bounded. Lookup is an
 * open-addressing probe over the static slots: no lock, no allocation. */
struct lu_metric_vec {
    uint32_t cap;
    uint32_t nlabels;
    struct lu_vec_slot *slots; /* cap + 1; slots[cap] is the overflow child */
    void *values;              /* cap + 1 children of the family's kind */
    uint32_t value_size;
    uint64_t overflows; /* value sets that found no room */
    /* histograms only: children's bucket rows, (cap + 1) * (nbounds + 1) */
    const uint64_t *bounds;
    uint32_t nbounds;
    uint64_t *counts;
};

struct lu_counter_vec {
    struct lu_metric_vec v;
};
struct lu_gauge_vec {
    struct lu_metric_vec v;
};
struct lu_histogram_vec {
    struct lu_metric_vec v;
};

/* Finds or creates the child for @values (vec->nlabels strings; NULL counts
 * as ""). Never fails: past the cap it returns the overflow child. Cheap
 * enough for a request path (a hash and a compare), but hot loops should
 * keep the pointer it returns: children never move or die. */
void *lu_metric_vec_child(struct lu_metric_vec *vec, const char *const *values);

static inline struct lu_counter *lu_counter_vec_at(struct lu_counter_vec *v, const char *const *values)
{
    return (struct lu_counter *)lu_metric_vec_child(&v->v, values);
}
static inline struct lu_gauge *lu_gauge_vec_at(struct lu_gauge_vec *v, const char *const *values)
{
    return (struct lu_gauge *)lu_metric_vec_child(&v->v, values);
}
static inline struct lu_histogram *lu_histogram_vec_at(struct lu_histogram_vec *v, const char *const *values)
{
    return (struct lu_histogram *)lu_metric_vec_child(&v->v, values);
}
/* LU_VALUES("GET", "200") -> the array the _at functions take. */
#define LU_VALUES(...) ((const char *const[]){__VA_ARGS__})

/* ---- scrape-time values -------------------------------------------------------- */

/* What a collector writes its series into (opaque; see lu_metrics_emit). */
struct lu_metrics_sink;

struct lu_metric;
/* A collector emits any number of series of its family at scrape time:
 * interrupts by vector, CPU seconds per thread. It runs on the server
 * thread, must not block for long, and may not emit the same label values
 * twice. */
typedef void (*lu_metric_collect_fn)(struct lu_metrics_sink *sink, const struct lu_metric *m);

/* Emits one series: @values are the family's label_names' values (NULL for
 * a family without them), @v its value in the family's fixed-point scale. */
void lu_metrics_emit(struct lu_metrics_sink *sink, const char *const *values, int64_t v);

/* ---- descriptors ------------------------------------------------------------------ */

struct lu_metric {
    const char *name;
    const char *help;
    uint8_t type;                   /* enum lu_metric_type */
    uint8_t storage;                /* enum lu_metric_storage */
    uint8_t decimals;               /* exported value = v / 10^decimals */
    const char *const *labels;      /* static pairs: name, value, ..., NULL; or NULL */
    const char *const *label_names; /* vec and collect: dynamic label names, NULL-ended */
    void *value;                    /* storage, by `storage` */
    int64_t (*fn)(const struct lu_metric *m);
    lu_metric_collect_fn collect;
    const void *arg; /* for fn and collect, free to use */
};

/* Static label pairs: LU_LABELS("method", "GET", "code", "200"). */
#define LU_LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})
/* Dynamic label names, for vecs and collectors. */
#define LU_LABEL_NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
/* Histogram bounds, ascending, in the family's unit before scaling. */
#define LU_BUCKETS(...) ((const uint64_t[]){__VA_ARGS__})

#define LU_M__CAT(a, b) a##b
#define LU__SECOND(a, b, ...) b
/* The optional trailing label argument, or NULL. */
#define LU__OPT(...) LU__SECOND(0, ##__VA_ARGS__, NULL, NULL)
#define LU__NARGS(...) (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

#define LU__DESC(var)                                                                                        \
    static const struct lu_metric LU_M__CAT(lu_metric__, var)                                                \
        __attribute__((used, section("lu_metrics"), aligned(8)))

/* LU_COUNTER(var, "name_total", "help" [, LU_LABELS(...)]) */
#define LU_COUNTER(var, mname, mhelp, ...)                                                                   \
    static struct lu_counter var;                                                                            \
    LU__DESC(var) = {.name = mname,                                                                          \
                     .help = mhelp,                                                                          \
                     .type = LU_METRIC_COUNTER,                                                              \
                     .storage = LU_STORE_COUNTER,                                                            \
                     .labels = LU__OPT(__VA_ARGS__),                                                         \
                     .value = &var}

/* A counter with a cache line per CPU slot: for counters updated by every
 * CPU at high rates. Update with lu_counter_percpu_inc/add. */
#define LU_COUNTER_PERCPU(var, mname, mhelp, ...)                                                            \
    static struct lu_counter_percpu var;                                                                     \
    LU__DESC(var) = {.name = mname,                                                                          \
                     .help = mhelp,                                                                          \
                     .type = LU_METRIC_COUNTER,                                                              \
                     .storage = LU_STORE_COUNTER_PERCPU,                                                     \
                     .labels = LU__OPT(__VA_ARGS__),                                                         \
                     .value = &var}

/* LU_GAUGE(var, "name", "help", decimals [, LU_LABELS(...)]) */
#define LU_GAUGE(var, mname, mhelp, dec, ...)                                                                \
    static struct lu_gauge var;                                                                              \
    LU__DESC(var) = {.name = mname,                                                                          \
                     .help = mhelp,                                                                          \
                     .type = LU_METRIC_GAUGE,                                                                \
                     .storage = LU_STORE_GAUGE,                                                              \
                     .decimals = dec,                                                                        \
                     .labels = LU__OPT(__VA_ARGS__),                                                         \
                     .value = &var}

/* A gauge (or counter) computed when scraped: heap bytes, uptime.
 * fn(const struct lu_metric *) returns the value in the family's scale. */
#define LU_GAUGE_FN(var, mname, mhelp, dec, func, ...)                                                       \
    LU__DESC(var) = {.name = mname,                                                                          \
                     .help = mhelp,                                                                          \
                     .type = LU_METRIC_GAUGE,                                                                \
                     .storage = LU_STORE_FN,                                                                 \
                     .decimals = dec,                                                                        \
                     .labels = LU__OPT(__VA_ARGS__),                                                         \
                     .fn = func}
#define LU_COUNTER_FN(var, mname, mhelp, dec, func, ...)                                                     \
    LU__DESC(var) = {.name = mname,                                                                          \
                     .help = mhelp,                                                                          \
                     .type = LU_METRIC_COUNTER,                                                              \
                     .storage = LU_STORE_FN,                                                                 \
                     .decimals = dec,                                                                        \
                     .labels = LU__OPT(__VA_ARGS__),                                                         \
                     .fn = func}

/* A family whose series a function emits at scrape time.
 * LU_COLLECTOR(var, "name", "help", LU_METRIC_COUNTER, decimals,
 *              LU_LABEL_NAMES("vector"), collect_fn) */
#define LU_COLLECTOR(var, mname, mhelp, mtype, dec, names, func)                                             \
    LU__DESC(var) = {.name = mname,                                                                          \
                     .help = mhelp,                                                                          \
                     .type = mtype,                                                                          \
                     .storage = LU_STORE_COLLECT,                                                            \
                     .decimals = dec,                                                                        \
                     .label_names = names,                                                                   \
                     .collect = func}

/* LU_HISTOGRAM(var, "name_seconds", "help", decimals, LU_BUCKETS(...)
 *              [, LU_LABELS(...)]): bounds and observations share a unit. */
#define LU_HISTOGRAM(var, mname, mhelp, dec, buckets, ...)                                                   \
    static uint64_t LU_M__CAT(lu_hcounts__, var)[sizeof(buckets) / sizeof(uint64_t) + 1];                    \
    static struct lu_histogram var = {.bounds = buckets,                                                     \
                                      .nbounds = sizeof(buckets) / sizeof(uint64_t),                         \
                                      .counts = LU_M__CAT(lu_hcounts__, var)};                               \
    LU__DESC(var) = {.name = mname,                                                                          \
                     .help = mhelp,                                                                          \
                     .type = LU_METRIC_HISTOGRAM,                                                            \
                     .storage = LU_STORE_HISTOGRAM,                                                          \
                     .decimals = dec,                                                                        \
                     .labels = LU__OPT(__VA_ARGS__),                                                         \
                     .value = &var}

#define LU__VEC(var, vtype, ctype, mname, mhelp, mtype, dec, maxchildren, names, ...)                        \
    static struct lu_vec_slot LU_M__CAT(lu_vslots__, var)[(maxchildren) + 1];                                \
    static ctype LU_M__CAT(lu_vvals__, var)[(maxchildren) + 1];                                              \
    static vtype var = {{.cap = (maxchildren),                                                               \
                         .nlabels = sizeof(names) / sizeof(const char *) - 1,                                \
                         .slots = LU_M__CAT(lu_vslots__, var),                                               \
                         .values = LU_M__CAT(lu_vvals__, var),                                               \
                         .value_size = sizeof(ctype),                                                        \
                         ##__VA_ARGS__}};                                                                    \
    LU__DESC(var) = {.name = mname,                                                                          \
                     .help = mhelp,                                                                          \
                     .type = mtype,                                                                          \
                     .storage = LU_STORE_VEC,                                                                \
                     .decimals = dec,                                                                        \
                     .label_names = names,                                                                   \
                     .value = &var.v}

/* LU_COUNTER_VEC(var, "name_total", "help", cap, LU_LABEL_NAMES("method", "code")) */
#define LU_COUNTER_VEC(var, mname, mhelp, maxchildren, names)                                                \
    LU__VEC(var, struct lu_counter_vec, struct lu_counter, mname, mhelp, LU_METRIC_COUNTER, 0, maxchildren,  \
            names)
#define LU_GAUGE_VEC(var, mname, mhelp, dec, maxchildren, names)                                             \
    LU__VEC(var, struct lu_gauge_vec, struct lu_gauge, mname, mhelp, LU_METRIC_GAUGE, dec, maxchildren, names)
#define LU_HISTOGRAM_VEC(var, mname, mhelp, dec, buckets, maxchildren, names)                                \
    static uint64_t LU_M__CAT(lu_vcounts__,                                                                  \
                              var)[((maxchildren) + 1) * (sizeof(buckets) / sizeof(uint64_t) + 1)];          \
    LU__VEC(var, struct lu_histogram_vec, struct lu_histogram, mname, mhelp, LU_METRIC_HISTOGRAM, dec,       \
            maxchildren, names, .bounds = buckets, .nbounds = sizeof(buckets) / sizeof(uint64_t),            \
            .counts = LU_M__CAT(lu_vcounts__, var))

/* ---- the registry and exposition -------------------------------------------------- */

enum lu_metrics_format {
    LU_METRICS_PROMETHEUS = 0, /* text exposition 0.0.4 */
    LU_METRICS_OPENMETRICS,    /* OpenMetrics 1.0.0 text */
};

/* Renders every registered metric into a malloc'ed buffer. On success sets
 * *@out (caller frees) and *@len and returns 0; -ENOMEM otherwise. Safe to
 * call from any thread, concurrently with updates. */
int lu_metrics_render(enum lu_metrics_format fmt, char **out, size_t *len);

/* Calls @fn for every valid descriptor, one family after another (sorted by
 * name; one fixed order within a family). Stops at a non-zero return. */
int lu_metrics_foreach(int (*fn)(const struct lu_metric *m, void *arg), void *arg);

/* Declarations left out for breaking the rules (bad name, type clash). */
unsigned lu_metrics_invalid_count(void);

/* ---- the lucent.metrics server ------------------------------------------------------ */

/* Starts the thread that answers requests on the `lucent.metrics` channel
 * (framing: docs/metrics.md). Every program linked with metrics calls this
 * from a constructor, so apps need not; it is idempotent. Returns 0, or
 * -ENODEV when the platform has no such channel, -ENOSYS when it has no
 * threads yet, -ECANCELED when disabled (option metrics=off). */
int lu_metrics_server_start(void);

/* The outcome of the start, as a short phrase: "serving lucent.metrics",
 * "no channel lucent.metrics", ... For logs and test skips. */
const char *lu_metrics_server_status(void);

/* ---- registration points for other subsystems ---------------------------------------- */

/* trace/ defines this (trace/metrics.c; every program links both) to
 * report its per-ring event counts; metrics exports them as
 * lucent_trace_events_total{ring} and lucent_trace_events_dropped_total{ring}.
 * Rings are numbered 0, 1, ... with no gaps: a CPU each in the image, a
 * thread each in the hostbuild. Returns 0, or -ENOENT past the last ring. */
struct lu_metrics_trace_counts {
    uint64_t emitted;
    uint64_t dropped;
};
int lu_metrics_trace_counts(unsigned ring, struct lu_metrics_trace_counts *out);

#ifdef __cplusplus
}
#endif
#endif
