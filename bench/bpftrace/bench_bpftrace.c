/*
 * bench-bpftrace: what one Lucent tracepoint costs the traced thread, in
 * process (trace/'s rings) and seen from outside through its USDT probe
 * (tools/bpftrace).
 *
 *   bench-bpftrace inproc N   ns/event: empty loop, tracepoint disabled,
 *                             enabled (in-process rings; run with
 *                             LUCENT_TRACE=bench LUCENT_TRACE_FILE=/dev/null),
 *                             and a bare USDT probe with nothing attached
 *   bench-bpftrace probe N    ns/event of the tracepoint with its category
 *                             off, so only its USDT probe can cost anything:
 *                             run.py attaches lucent-bpftrace or bpftrace
 *
 * run.py runs them all and prints one table. ns/event is wall time over the
 * loop, the empty loop subtracted; the cheap rows are the best of 5 runs.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/sdt.h>
#include <lucent/trace.h>

LU_TRACEPOINT(bench_ev, "bench", INSTANT, (uint64_t, a), (uint64_t, b));

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

__attribute__((noinline)) static void loop_empty(long n)
{
    for (long i = 0; i < n; i++)
        __asm__ volatile("" ::"r"(i));
}

__attribute__((noinline)) static void loop_lucent(long n)
{
    for (long i = 0; i < n; i++)
        lu_trace_bench_ev((uint64_t)i, 7);
}

/* a bare probe, outside provider "lucent": lucent-bpftrace never attaches to it */
__attribute__((noinline)) static void loop_usdt(long n)
{
    for (long i = 0; i < n; i++)
        STAP_PROBE2(benchbare, ev, i, 7);
}

static double best(void (*f)(long), long n, int runs)
{
    double b = 1e30;
    for (int r = 0; r < runs; r++) {
        double t = now();
        f(n);
        t = now() - t;
        if (t < b)
            b = t;
    }
    return b / (double)n;
}

/* enabled: batches that fit a ring, flushed (untimed) in between, so the
 * hot path is measured rather than the drop path */
static double enabled(long n)
{
    const long batch = 100000;
    double total = 0;
    long done = 0;
    loop_lucent(batch); /* untimed: the ring's pages are touched first */
    lu_trace_flush();
    while (done < n) {
        long k = n - done < batch ? n - done : batch;
        double t = now();
        loop_lucent(k);
        total += now() - t;
        lu_trace_flush();
        done += k;
    }
    return total / (double)n;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "inproc";
    long n = argc > 2 ? (long)atof(argv[2]) : 1000000;
    double empty = best(loop_empty, n, 5);
    if (strcmp(mode, "probe") == 0) {
        lu_trace_disable("all");
        double t = now();
        loop_lucent(n);
        printf("probe_ns %.1f\n", (now() - t) / (double)n - empty);
        return 0;
    }
    if (strcmp(mode, "inproc") == 0) {
        lu_trace_disable("all");
        printf("disabled_ns %.2f\n", best(loop_lucent, n, 5) - empty);
        printf("usdt_bare_ns %.2f\n", best(loop_usdt, n, 5) - empty);
        if (lu_trace_enable("bench") > 0)
            printf("enabled_ns %.1f\n", enabled(n) - empty);
        printf("dropped %llu\n", (unsigned long long)lu_trace_dropped_total());
        return 0;
    }
    fprintf(stderr, "usage: bench-bpftrace inproc|probe N\n");
    return 2;
}
