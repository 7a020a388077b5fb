/*
 * bench/metrics: the program bench/metrics/run.py drives, in both builds.
 *
 *   bench-metrics inc N        ns per update: lu_counter_inc, the per-CPU
 *                              counter, a histogram observation, next to a
 *                              plain relaxed atomic add (best of 5)
 *   bench-metrics loop KIND N  one loop only, for `valgrind --tool=callgrind`
 *                              (KIND: atomic counter percpu histogram)
 *   bench-metrics serve N      declares N series (a counter vec), prints
 *                              "ready", and waits while the metrics server
 *                              answers scrapes
 *
 * The loops are noinline functions named loop_*, so callgrind's
 * --toggle-collect can count each one's instructions alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lucent/metrics.h>

LU_COUNTER(bench_counter, "bench_counter_total", "The counter the increment benchmark bumps.");
LU_COUNTER_PERCPU(bench_percpu, "bench_percpu_total", "The per-CPU counter the benchmark bumps.");
LU_HISTOGRAM(bench_hist, "bench_observed_seconds", "The histogram the benchmark observes.", LU_DECIMALS_NS,
             LU_BUCKETS(1000, 10000, 100000, 1000000, 10000000));
/* The scrape benchmark's series: up to 1000 children with one label. */
LU_COUNTER_VEC(bench_series, "bench_series_total", "One of many series, for the scrape benchmark.", 1000,
               LU_LABEL_NAMES("id"));

static uint64_t plain;

__attribute__((noinline)) void loop_atomic(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        __atomic_fetch_add(&plain, 1, __ATOMIC_RELAXED);
}
__attribute__((noinline)) void loop_counter(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        lu_counter_inc(&bench_counter);
}
__attribute__((noinline)) void loop_percpu(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        lu_counter_percpu_inc(&bench_percpu);
}
__attribute__((noinline)) void loop_histogram(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        lu_histogram_observe(&bench_hist, i & 0xfffff);
}

static const struct {
    const char *name;
    void (*fn)(uint64_t);
} loops[] = {{"atomic", loop_atomic},
             {"counter", loop_counter},
             {"percpu", loop_percpu},
             {"histogram", loop_histogram}};

static double best_ns(void (*fn)(uint64_t), uint64_t n)
{
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        uint64_t t0 = lu_plat_now_ns();
        fn(n);
        double ns = (double)(lu_plat_now_ns() - t0) / (double)n;
        if (ns < best)
            best = ns;
    }
    return best;
}

static int serve(unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "%u", i);
        lu_counter_add(lu_counter_vec_at(&bench_series, LU_VALUES(id)), i);
    }
    printf("bench-metrics: %u series declared; metrics server: %s\nready\n", n, lu_metrics_server_status());
    fflush(stdout);
    struct timespec ts = {1, 0};
    while (nanosleep(&ts, NULL) == 0 || 1)
        ts.tv_sec = 1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "inc";
    if (strcmp(mode, "serve") == 0)
        return serve(argc > 2 ? (unsigned)atoi(argv[2]) : 1000);
    if (strcmp(mode, "loop") == 0 && argc > 3) {
        for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++)
            if (strcmp(loops[i].name, argv[2]) == 0) {
                loops[i].fn(strtoull(argv[3], NULL, 0));
                return 0;
            }
        fprintf(stderr, "bench-metrics: unknown loop %s\n", argv[2]);
        return 2;
    }
    uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 0) : 10000000;
    for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++)
        printf("%-10s %8.2f ns/op\n", loops[i].name, best_ns(loops[i].fn, n));
    return 0;
}
