/*
 * The drain gets its CPU time from a thread of its own, started on first
 * need (a sink exists or a category was switched on) and stopped at exit
 * after a last flush. It sleeps 1 ms whenever a pass found little, so an
 * idle program pays a wake-up per millisecond and nothing per event.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "internal.h"

static pthread_t thread;
static int started, stop;

/* force_align_arg_pointer: the encoder's locals may be spilled with SSE
 * stores, and the image's thread entry (as of 89b0437) does not give new
 * threads the 16-byte stack alignment the ABI promises. */
__attribute__((force_align_arg_pointer)) static void *drain_main(void *arg)
{
    pthread_setname_np(pthread_self(), "lucent-trace");
    /* the app's signals are for the app's threads to take, not this helper */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    /* Sleep after a pass that found little, not only nothing: with the
     * kernel's own tracepoints on, the drain's writes (virtio kicks, its own
     * switches and wake-ups) are events too, and "sleep only when empty"
     * would keep it spinning on its own trickle. */
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
        if (lu_trace__drain_pass(false) < 32)
            usleep(1000);
    return NULL;
}

static void at_exit(void)
{
    lu_trace__drain_stop(true);
    lu_trace_flush();
}

void lu_trace__drain_start(void)
{
    bool any_on = false;
    for (unsigned i = 0; i < lu_trace_ntps && !any_on; i++)
        any_on = lu_trace_tps[i].on;
    if (!lu_trace__drain_has_sink() && !any_on)
        return;
    if (__atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL))
        return;
    if (pthread_create(&thread, NULL, drain_main, NULL) != 0) {
        started = 0;
        return;
    }
    atexit(at_exit);
}

/* Stops the thread; with @join, waits for it unless called from it. The
 * panic path does not join: the world is stopped (in the image, interrupts
 * are off) and a thread that never runs again needs no waiting for. */
void lu_trace__drain_stop(bool join)
{
    if (__atomic_exchange_n(&stop, 1, __ATOMIC_ACQ_REL) || !started)
        return;
    if (join && !pthread_equal(pthread_self(), thread))
        pthread_join(thread, NULL);
}
