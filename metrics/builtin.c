/*
 * Built-in metrics every program gets from portable code: uptime, boot
 * time, build identity, threads, trace counts, and the registry's own
 * health. Kernel subsystems (heap, pages, IRQs, virtio, lwIP) declare theirs
 * next to the code they count, with the macros in lucent/metrics.h.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "internal.h"

static int64_t uptime_ns(const struct lu_metric *m) { return (int64_t)lu_plat_now_ns(); }
LU_GAUGE_FN(uptime, "lucent_uptime_seconds", "Time since boot (image) or process start (hostbuild).",
            LU_DECIMALS_NS, uptime_ns);

/* Wall-clock time of boot, fixed at the first scrape so it does not jitter
 * by the time between the two clock reads. */
static int64_t boot_time_ns(const struct lu_metric *m)
{
    static int64_t boot;
    int64_t b = __atomic_load_n(&boot, __ATOMIC_RELAXED);
    if (!b) {
        struct timespec ts;
        if (clock_gettime(CLOCK_REALTIME, &ts))
            return 0;
        b = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - (int64_t)lu_plat_now_ns();
        __atomic_store_n(&boot, b, __ATOMIC_RELAXED);
    }
    return b;
}
LU_GAUGE_FN(boot_time, "lucent_boot_time_seconds", "Unix time at boot (image) or process start (hostbuild).",
            LU_DECIMALS_NS, boot_time_ns);

static void build_info_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    lu_metrics_emit(s, LU_VALUES(lu_plat_build_name(), lu_plat_program_name()), 1);
}
LU_COLLECTOR(build_info, "lucent_build_info", "Which build and program this is; the value is always 1.",
             LU_METRIC_GAUGE, 0, LU_LABEL_NAMES("build", "program"), build_info_collect);

static int64_t cpus(const struct lu_metric *m) { return lu_plat_cpu_count(); }
LU_GAUGE_FN(cpu_count, "lucent_cpus", "CPUs the platform reports.", 0, cpus);

/* ---- threads ------------------------------------------------------------------ */

/* States always exported, so a series does not vanish when its count is 0;
 * a platform's other states are added as they appear. */
static const char *const known_states[] = {"running", "ready", "blocked", "sleeping", "stopped"};
#define MAX_STATES 12

struct state_count {
    const char *names[MAX_STATES];
    char other[MAX_STATES][12];
    int64_t count[MAX_STATES];
    unsigned n;
};

static int count_state(const struct lu_plat_thread_info *t, void *arg)
{
    struct state_count *sc = arg;
    const char *st = t->state[0] ? t->state : "unknown";
    for (unsigned i = 0; i < sc->n; i++)
        if (strcmp(sc->names[i], st) == 0) {
            sc->count[i]++;
            return 0;
        }
    if (sc->n == MAX_STATES)
        return 0;
    memcpy(sc->other[sc->n], st, sizeof sc->other[0]);
    sc->other[sc->n][sizeof sc->other[0] - 1] = '\0';
    sc->names[sc->n] = sc->other[sc->n];
    sc->count[sc->n++] = 1;
    return 0;
}

static void threads_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    struct state_count sc = {.n = 0};
    for (unsigned i = 0; i < sizeof known_states / sizeof known_states[0]; i++)
        sc.names[sc.n++] = known_states[i];
    lu_plat_thread_foreach(count_state, &sc);
    for (unsigned i = 0; i < sc.n; i++)
        lu_metrics_emit(s, LU_VALUES(sc.names[i]), sc.count[i]);
}
LU_COLLECTOR(threads, "lucent_threads", "Threads by scheduler state.", LU_METRIC_GAUGE, 0,
             LU_LABEL_NAMES("state"), threads_collect);

struct thread_emit {
    struct lu_metrics_sink *sink;
    bool switches;
};

static int emit_thread(const struct lu_plat_thread_info *t, void *arg)
{
    struct thread_emit *e = arg;
    char tid[12];
    tid[fmt_fixed(tid, t->tid, false, 0)] = '\0';
    if (!e->switches)
        lu_metrics_emit(e->sink, LU_VALUES(tid, t->name), (int64_t)t->cpu_ns);
    else if (t->switches)
        lu_metrics_emit(e->sink, LU_VALUES(tid, t->name), (int64_t)t->switches);
    return 0;
}

static void cpu_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    struct thread_emit e = {s, false};
    lu_plat_thread_foreach(emit_thread, &e);
}
LU_COLLECTOR(thread_cpu, "lucent_thread_cpu_seconds_total", "CPU time consumed, per thread.",
             LU_METRIC_COUNTER, LU_DECIMALS_NS, LU_LABEL_NAMES("tid", "name"), cpu_collect);

/* Only threads whose platform counts switches (the image scheduler does;
 * the hostbuild does not) appear here. */
static void switches_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    struct thread_emit e = {s, true};
    lu_plat_thread_foreach(emit_thread, &e);
}
LU_COLLECTOR(thread_switches, "lucent_thread_switches_total", "Times each thread was switched in.",
             LU_METRIC_COUNTER, 0, LU_LABEL_NAMES("tid", "name"), switches_collect);

/* ---- trace ---------------------------------------------------------------------- */

/* trace/ reports its counts through lu_metrics_trace_counts (trace/metrics.c). */

/* Rings are numbered from 0 with no gaps (a CPU each in the image, a thread
 * each in the hostbuild): the first -ENOENT ends them. */
static void trace_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    bool dropped = m->arg != NULL;
    struct lu_metrics_trace_counts c;
    for (unsigned ring = 0; ring < 4096 && lu_metrics_trace_counts(ring, &c) == 0; ring++) {
        char id[12];
        id[fmt_fixed(id, ring, false, 0)] = '\0';
        lu_metrics_emit(s, LU_VALUES(id), (int64_t)(dropped ? c.dropped : c.emitted));
    }
}
LU__DESC(trace_events) = {
    .name = "lucent_trace_events_total",
    .help = "Trace events recorded, per ring (a CPU in the image, a thread in the hostbuild).",
    .type = LU_METRIC_COUNTER,
    .storage = LU_STORE_COLLECT,
    .label_names = LU_LABEL_NAMES("ring"),
    .collect = trace_collect};
LU__DESC(trace_dropped) = {.name = "lucent_trace_events_dropped_total",
                           .help = "Trace events lost (ring full or no collector), per ring.",
                           .type = LU_METRIC_COUNTER,
                           .storage = LU_STORE_COLLECT,
                           .label_names = LU_LABEL_NAMES("ring"),
                           .collect = trace_collect,
                           .arg = ""};

/* ---- the registry's own health ---------------------------------------------------- */

static int emit_overflow(const struct lu_metric *m, void *arg)
{
    if (m->storage == LU_STORE_VEC)
        lu_metrics_emit(
            arg, LU_VALUES(m->name),
            (int64_t)__atomic_load_n(&((struct lu_metric_vec *)m->value)->overflows, __ATOMIC_RELAXED));
    return 0;
}

static void overflow_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    lu_metrics_foreach(emit_overflow, s);
}
LU_COLLECTOR(label_overflow, "lucent_metrics_label_overflow_total",
             "Updates to a dynamic-label family that found it full (or values too long), by family.",
             LU_METRIC_COUNTER, 0, LU_LABEL_NAMES("metric"), overflow_collect);

static int64_t invalid(const struct lu_metric *m) { return lu_metrics_invalid_count(); }
LU_GAUGE_FN(invalid_decls, "lucent_metrics_invalid_declarations",
            "Metric declarations left out of scrapes for a bad name or a clash with their family.", 0,
            invalid);
