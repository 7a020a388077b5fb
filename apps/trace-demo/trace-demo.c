/*
 * trace-demo: emits known tracepoints, for the tracing tests and as an
 * example of the API.
 *
 *   trace-demo slices N     two threads "worker-1" and "worker-2", each doing N
 *                           "work" slices (args i, who) with a nested "inner"
 *                           slice, a "tick" instant and a "queue_depth" counter
 *   trace-demo flood N      N "flood" instants from one thread as fast as
 *                           possible, then prints emitted/dropped counts
 *   trace-demo stream SECS  instants and counters at a steady pace for SECS
 *                           seconds (the collector may come and go meanwhile)
 *   trace-demo rate K       K thousand "flood" instants a second for 2 s, paced,
 *                           then prints emitted/dropped (sustained stream rate)
 *   trace-demo panic N      N "tick" instants, then a panic: the flight recorder
 *                           flushes them on the way down
 *
 * Categories: "demo" (all of the above) and "flood". Run with LUCENT_TRACE=demo
 * (hostbuild) or trace=demo (image), or switch them on from the collector.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lucent/plat.h>
#include <lucent/trace.h>

LU_TRACE_SLICE(work, "demo", (uint64_t, i), (const char *, who));
LU_TRACE_SLICE(inner, "demo", (int, depth));
LU_TRACEPOINT(tick, "demo", INSTANT, (double, progress), (bool, even));
LU_TRACEPOINT(queue_depth, "demo", COUNTER, (int64_t, depth));
LU_TRACEPOINT(flood, "flood", INSTANT, (uint64_t, n));

static long iterations;
/* The workers are a pool that stays up until the main thread has flushed
 * the trace, so their names can still be read when their records are
 * encoded (a platform that calls lu_trace_thread_named makes this moot). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int done, released;

static void *worker(void *arg)
{
    const char *who = arg;
    pthread_setname_np(pthread_self(), who);
    for (long i = 0; i < iterations; i++) {
        lu_trace_work_begin((uint64_t)i, who);
        {
            LU_TRACE_SCOPED(inner, 1);
            lu_trace_tick((double)i / (double)iterations, i % 2 == 0);
        }
        lu_trace_queue_depth((int64_t)(i % 7));
        lu_trace_work_end();
    }
    pthread_mutex_lock(&lock);
    done++;
    pthread_cond_broadcast(&cond);
    while (!released)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static int slices(long n)
{
    iterations = n;
    pthread_t t[2];
    static char names[2][16] = {"worker-1", "worker-2"};
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, names[i]);
    pthread_mutex_lock(&lock);
    while (done < 2)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    lu_trace_flush();
    pthread_mutex_lock(&lock);
    released = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("trace-demo: %ld slices per thread\n", n);
    return 0;
}

static int flood(long n)
{
    for (long i = 0; i < n; i++)
        lu_trace_flood((uint64_t)i);
    lu_trace_flush();
    printf("trace-demo: emitted=%ld dropped=%llu\n", n, (unsigned long long)lu_trace_dropped_total());
    return 0;
}

/* K thousand "flood" events per second for 2 s, in bursts of 100 with a
 * busy-wait pace (a sleep's wake-up costs more than the burst): the
 * sustained rate a stream carries, if dropped stays 0. */
static int rate(long k)
{
    uint64_t t0 = lu_plat_now_ns(), ns = 2000000000ULL, sent = 0;
    for (uint64_t now = t0; now - t0 < ns; now = lu_plat_now_ns()) {
        uint64_t due = (now - t0) * (uint64_t)k / 1000000;
        for (; sent < due; sent++)
            lu_trace_flood(sent);
    }
    lu_trace_flush();
    printf("trace-demo: rate %ld k/s: emitted=%llu in %.2f s, dropped=%llu\n", k, (unsigned long long)sent,
           (double)ns / 1e9, (unsigned long long)lu_trace_dropped_total());
    return 0;
}

static int stream(long secs)
{
    uint64_t end = lu_plat_now_ns() + (uint64_t)secs * 1000000000ULL;
    long i = 0;
    while (lu_plat_now_ns() < end) {
        lu_trace_tick((double)i, i % 2 == 0);
        lu_trace_queue_depth(i % 5);
        struct timespec ts = {0, 200000}; /* 5 k events/s */
        nanosleep(&ts, NULL);
        i++;
    }
    printf("trace-demo: streamed %ld ticks, still running\n", i);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "slices";
    long n = argc > 2 ? strtol(argv[2], NULL, 0) : 10;
    if (strcmp(mode, "slices") == 0)
        return slices(n);
    if (strcmp(mode, "flood") == 0)
        return flood(n);
    if (strcmp(mode, "stream") == 0)
        return stream(n);
    if (strcmp(mode, "rate") == 0)
        return rate(n);
    if (strcmp(mode, "panic") == 0) {
        for (long i = 0; i < n; i++)
            lu_trace_tick((double)i, true);
        LU_PANIC("trace-demo panics on purpose after %ld ticks", n);
    }
    fprintf(stderr, "usage: trace-demo slices|flood|stream|rate|panic N\n");
    return 2;
}
