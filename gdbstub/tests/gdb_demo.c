/*
 * gdb-demo: the program the real-gdb tests and bench/gdb debug. Small,
 * deterministic functions with globals and locals to print, a loop to
 * interrupt, and a NULL dereference on a line the test looks up.
 *
 *   gdb-demo run       call the functions a few times, exit 0
 *   gdb-demo loop      keep calling them until killed (attach, ^C, detach)
 *   gdb-demo crash     dereference NULL in demo_crash()
 *   gdb-demo panic     LU_PANIC in demo_panic()
 *   gdb-demo threads   like loop, with two named worker threads
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/plat.h>

/* Weak, so gdb-demo links on a platform without threads: its 'threads'
 * mode then exits 77 instead. */
#pragma weak pthread_create
int pthread_setname_np(pthread_t t, const char *name) __attribute__((weak));

volatile int demo_counter;          /* bumped by demo_step: watchpoint target */
volatile long demo_worker_iters[2]; /* each worker's loop count: are they scheduled? */
volatile long demo_total;           /* what demo_add accumulates */
const char demo_greeting[] = "hello from gdb-demo";

__attribute__((noinline)) int demo_add(int a, int b)
{
    volatile int sum = a + b; /* a local for `print sum` (volatile: kept in memory at -O2) */
    demo_total += sum;        /* DEMO_TOTAL_LINE */
    return sum;
}

__attribute__((noinline)) void demo_step(int i)
{
    int doubled = demo_add(i, i);
    demo_counter = doubled; /* DEMO_WATCH_LINE */
}

__attribute__((noinline)) void demo_crash(volatile int *p) { *p = 1; /* DEMO_NULL_LINE */ }

__attribute__((noinline)) void demo_panic(int code)
{
    LU_PANIC("gdb-demo panics with %d", code); /* DEMO_PANIC_LINE */
}

static void *worker(void *arg)
{
    for (volatile long i = 0;; i++) {
        demo_add((int)(long)arg, (int)i & 0xff);
        demo_worker_iters[(long)arg - 1]++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "run";
    printf("%s: mode %s\n", demo_greeting, mode);
    fflush(stdout);
    if (strcmp(mode, "crash") == 0)
        demo_crash(NULL);
    if (strcmp(mode, "panic") == 0)
        demo_panic(42);
    if (strcmp(mode, "threads") == 0) {
        if (!pthread_create) {
            printf("gdb-demo: no threads in this build\n");
            return 77;
        }
        static const char *const names[] = {"worker-1", "worker-2"};
        for (long i = 0; i < 2; i++) {
            pthread_t t;
            if (pthread_create(&t, NULL, worker, (void *)(i + 1)) == 0 && pthread_setname_np)
                pthread_setname_np(t, names[i]);
        }
    }
    bool forever = strcmp(mode, "loop") == 0 || strcmp(mode, "threads") == 0;
    for (int i = 0; forever || i < 5; i++)
        demo_step(i & 0xffff);
    printf("gdb-demo: done, counter %d\n", demo_counter);
    return 0;
}
