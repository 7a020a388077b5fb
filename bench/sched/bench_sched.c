/*
 * bench-sched: context-switch and thread create/join costs, the same source
 * in both builds (Linux pthreads in the hostbuild, the kernel's in the
 * image). Prints one "name value unit" line per figure for
 * bench/sched/run.py to put side by side.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <lucent/plat.h>

static int rounds = 20000;

/* Two threads hand a token back and forth through a mutex and two condition
 * variables: every hand-off is a block, a wake-up and a switch. */
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv[2] = {PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER};
static int turn;

static void *pingpong(void *arg)
{
    int me = (int)(intptr_t)arg;
    pthread_mutex_lock(&m);
    for (int i = 0; i < rounds; i++) {
        while (turn != me)
            pthread_cond_wait(&cv[me], &m);
        turn = !me;
        pthread_cond_signal(&cv[!me]);
    }
    pthread_mutex_unlock(&m);
    return NULL;
}

static volatile int stop_yield;
static void *yielder(void *arg)
{
    long *n = arg;
    while (!stop_yield) {
        sched_yield();
        (*n)++;
    }
    return NULL;
}

static void *nothing(void *arg) { return arg; }

int main(int argc, char **argv)
{
    if (argc > 1)
        rounds = atoi(argv[1]);
    pthread_t a, b;
    uint64_t t0 = lu_plat_now_ns();
    pthread_create(&a, NULL, pingpong, (void *)0);
    pthread_create(&b, NULL, pingpong, (void *)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    uint64_t t1 = lu_plat_now_ns();
    printf("condvar_handoff_ns %.1f ns\n", (double)(t1 - t0) / (2.0 * rounds));

    /* sched_yield between two threads: a bare switch when both are ready. */
    long n1 = 0, n2 = 0;
    stop_yield = 0;
    pthread_create(&a, NULL, yielder, &n1);
    pthread_create(&b, NULL, yielder, &n2);
    uint64_t y0 = lu_plat_now_ns();
    while (lu_plat_now_ns() - y0 < 200000000ULL) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    stop_yield = 1;
    uint64_t y1 = lu_plat_now_ns();
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("yield_switch_ns %.1f ns\n", (double)(y1 - y0) / (double)(n1 + n2));

    int creates = rounds / 10;
    uint64_t c0 = lu_plat_now_ns();
    for (int i = 0; i < creates; i++) {
        pthread_t t;
        pthread_create(&t, NULL, nothing, NULL);
        pthread_join(t, NULL);
    }
    uint64_t c1 = lu_plat_now_ns();
    printf("create_join_ns %.1f ns\n", (double)(c1 - c0) / creates);
    return 0;
}
