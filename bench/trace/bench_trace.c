/*
 * bench-trace: the cost of a tracepoint, next to its peers, in one process.
 *
 *   bench-trace all N        ns/event of every variant below, N events each
 *   bench-trace usdt N       only the bare USDT loop (run.py attaches bpftrace)
 *   bench-trace lttng N      only the LTTng loop (run.py makes a session)
 *   bench-trace stream SECS  sustained events/s through the drain, with drops
 *
 * Each variant is one noinline loop_* function so that callgrind
 * (run.py) can count its instructions; ns/event is the best of 5 runs,
 * minus the empty loop. Enabled loops write batches of half a ring and
 * flush between batches (not timed), so they measure the hot path into a
 * ring with room, not the drop path.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <lucent/plat.h>
#include <lucent/trace.h>

LU_TRACEPOINT(bench_ev, "bench", INSTANT, (uint64_t, a), (uint64_t, b));
LU_TRACEPOINT(stream_ev, "stream", INSTANT, (uint64_t, a), (uint64_t, b));
/* one integer argument against one dynamic string (32 bytes copied) */
LU_TRACEPOINT(bench_int, "bench", INSTANT, (uint64_t, a));
LU_TRACEPOINT(bench_str, "bench", INSTANT, (lu_trace_str, path));
static const char path32[] = "/static/css/app.0123456789ab.css"; /* 32 bytes */

extern int bench_have_lttng;
void loop_lttng(long n);

/* The floor: the same 64-byte record, written with rdtsc into a plain ring. */
struct floor_rec {
    uint64_t seq, ts;
    uint32_t id, tid;
    uint64_t args[5];
};
static struct floor_rec floor_ring[8192] __attribute__((aligned(64)));
static uint64_t floor_head;

__attribute__((noinline)) void loop_empty(long n)
{
    for (long i = 0; i < n; i++)
        __asm__ volatile("" ::"r"(i));
}

__attribute__((noinline)) void loop_floor(long n)
{
    for (long i = 0; i < n; i++) {
        uint64_t h = floor_head;
        struct floor_rec *r = &floor_ring[h & 8191];
        r->ts = lu_plat_cycles();
        r->id = 1;
        r->tid = 2;
        r->args[0] = (uint64_t)i;
        r->args[1] = 7;
        __atomic_store_n(&r->seq, h + 1, __ATOMIC_RELEASE);
        __atomic_store_n(&floor_head, h + 1, __ATOMIC_RELEASE);
    }
}

__attribute__((noinline)) void loop_lucent(long n)
{
    for (long i = 0; i < n; i++)
        lu_trace_bench_ev((uint64_t)i, 7);
}

/* The same loop again, so callgrind counts the enabled case apart. */
__attribute__((noinline)) void loop_lucent_on(long n)
{
    for (long i = 0; i < n; i++)
        lu_trace_bench_ev((uint64_t)i, 7);
}

__attribute__((noinline)) void loop_int_on(long n)
{
    for (long i = 0; i < n; i++)
        lu_trace_bench_int((uint64_t)i);
}

__attribute__((noinline)) void loop_str_on(long n)
{
    for (long i = 0; i < n; i++)
        lu_trace_bench_str(lu_trace_strn(path32, sizeof path32 - 1));
}

__attribute__((noinline)) void loop_usdt(long n)
{
    for (long i = 0; i < n; i++)
        STAP_PROBE2(bench, bare, i, 7);
}

static double now_s(void) { return (double)lu_plat_now_ns() / 1e9; }

/* Best of 5 of @fn over n events, in ns per event; enabled loops batch. */
static double time_loop(void (*fn)(long), long n, long batch)
{
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double t = 0;
        for (long done = 0; done < n; done += batch) {
            long k = n - done < batch ? n - done : batch;
            double t0 = now_s();
            fn(k);
            t += now_s() - t0;
            if (batch < n)
                lu_trace_flush();
        }
        if (t / (double)n * 1e9 < best)
            best = t / (double)n * 1e9;
    }
    return best;
}

static void row(const char *name, double ns, double empty)
{
    printf("%-44s %8.2f ns/event\n", name, ns - empty > 0 ? ns - empty : 0);
}

static int all(long n)
{
    long half = 8192; /* half the default ring */
    lu_trace_set("");
    double empty = time_loop(loop_empty, n, n);
    printf("%-44s %8.2f ns/iteration (subtracted below)\n", "empty loop", empty);
    row("rdtsc ring write (the floor)", time_loop(loop_floor, n, n), empty);
    row("lucent tracepoint, disabled", time_loop(loop_lucent, n, n), empty);
    lu_trace_set("bench");
    uint64_t d0 = lu_trace_dropped_total();
    row("lucent tracepoint, enabled", time_loop(loop_lucent, n, half), empty);
    row("lucent tracepoint, enabled, 1 integer", time_loop(loop_int_on, n, half), empty);
    row("lucent tracepoint, enabled, 32-byte string", time_loop(loop_str_on, n, half / 2), empty);
    printf("%-44s %8llu\n", "  (dropped while enabled)", (unsigned long long)(lu_trace_dropped_total() - d0));
    lu_trace_set("");
    row("USDT probe (no tracer attached)", time_loop(loop_usdt, n, n), empty);
    if (bench_have_lttng)
        row("LTTng-UST tracepoint (no session)", time_loop(loop_lttng, n, n), empty);
    else
        printf("%-44s %s\n", "LTTng-UST tracepoint", "not built (liblttng-ust-dev missing)");
    return 0;
}

static int one(void (*fn)(long), const char *name, long n)
{
    double empty = time_loop(loop_empty, n, n);
    row(name, time_loop(fn, n, n), empty);
    return 0;
}

/* Sustained streaming: emit as fast as the drain keeps up without drops,
 * pacing in steps of 1000 events; report the rate and the drop count. */
static int stream(double secs, double rate)
{
    lu_trace_set("stream");
    uint64_t d0 = lu_trace_dropped_total();
    double t0 = now_s(), end = t0 + secs;
    uint64_t sent = 0;
    while (now_s() < end) {
        double due = t0 + (double)sent / rate;
        while (now_s() < due)
            ;
        for (int i = 0; i < 1000; i++)
            lu_trace_stream_ev(sent + i, 7);
        sent += 1000;
    }
    double t = now_s() - t0;
    lu_trace_flush();
    uint64_t dropped = lu_trace_dropped_total() - d0;
    printf("stream: %llu events in %.2f s = %.2f M events/s, dropped %llu\n", (unsigned long long)sent, t,
           (double)sent / t / 1e6, (unsigned long long)dropped);
    return dropped ? 3 : 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "all";
    double n = argc > 2 ? atof(argv[2]) : 2e6;
    lu_trace_init();
    if (strcmp(mode, "all") == 0)
        return all((long)n);
    if (strcmp(mode, "usdt") == 0)
        return one(loop_usdt, "USDT probe", (long)n);
    if (strcmp(mode, "lttng") == 0)
        return one(loop_lttng, "LTTng-UST tracepoint", (long)n);
    if (strcmp(mode, "stream") == 0)
        return stream(n, argc > 3 ? atof(argv[3]) * 1e6 : 5e6);
    if (strcmp(mode, "callgrind") == 0) {
        long k = 100000;
        loop_empty(k);
        loop_floor(k);
        loop_lucent(k); /* disabled */
        lu_trace_set("bench");
        lu_trace_bench_ev(0, 0); /* the thread's first event makes its ring: not counted */
        lu_trace_flush();
        loop_lucent_on(8192); /* enabled, into a ring with room */
        lu_trace_flush();
        loop_int_on(8192);
        lu_trace_flush();
        loop_str_on(4096); /* 2 slots each */
        lu_trace_set("");
        loop_usdt(k);
        loop_lttng(k);
        return 0;
    }
    fprintf(stderr, "usage: bench-trace all|usdt|lttng N | stream SECS [MEVENTS_PER_S] | callgrind\n");
    return 2;
}
