/*
 * alarm, setitimer and getitimer: ITIMER_REAL, the one interval timer a
 * program without a shell's job control reaches for (timeouts, watchdogs,
 * periodic work). It is a scheduler timer (sched_timer_arm): SIGALRM is
 * posted to the process from the timer interrupt itself, and the return
 * path of that same interrupt runs the handler on the thread it goes to.
 *
 * ITIMER_VIRTUAL and ITIMER_PROF (CPU time of the process) fail with
 * EINVAL and the one-time unsupported note: the image would have to charge
 * every thread's time to them at each switch and tick, which no port has
 * needed.
 *
 * A periodic timer that falls behind (a handler slower than the interval)
 * skips the expirations it missed rather than queueing them: a pending
 * signal is one bit, as on Linux.
 */
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include "../sched/sched.h"
#include "ksignal.h"
#include "unsupported.h"

#define NS_PER_S 1000000000ULL

static uint64_t interval_ns;
static uint64_t due; /* the expiration armed: periods count from it, not from when it ran */

static void expire(struct sched_timer *tm, uint64_t now)
{
    signal_post_process(SIGALRM, SI_KERNEL);
    if (interval_ns) {
        due += interval_ns;
        if (due <= now)
            due = now + interval_ns; /* fell behind: skip what was missed */
        sched_timer_arm(tm, due);
    }
}

static struct sched_timer real = {.fn = expire};

static uint64_t tv_ns(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * NS_PER_S + (uint64_t)tv->tv_usec * 1000;
}

static struct timeval ns_tv(uint64_t ns)
{
    return (struct timeval){.tv_sec = (time_t)(ns / NS_PER_S),
                            .tv_usec = (suseconds_t)((ns % NS_PER_S) / 1000)};
}

static void current(struct itimerval *v, uint64_t now)
{
    /* a timer due this very nanosecond still reads as 1 us, as Linux's does:
     * zero would mean "disarmed" */
    uint64_t left = real.deadline ? (real.deadline > now ? real.deadline - now : 1000) : 0;
    if (left && left < 1000)
        left = 1000;
    v->it_value = ns_tv(left);
    v->it_interval = ns_tv(interval_ns);
}

/* -1 with EINVAL for a timer other than ITIMER_REAL, noted once */
static int other_timer(int which)
{
    if (which == ITIMER_VIRTUAL)
        return lu_unsupported("ITIMER_VIRTUAL", EINVAL);
    if (which == ITIMER_PROF)
        return lu_unsupported("ITIMER_PROF", EINVAL);
    return errno = EINVAL, -1;
}

int getitimer(int which, struct itimerval *v)
{
    if (which != ITIMER_REAL)
        return other_timer(which);
    unsigned long f = irq_save();
    current(v, lu_plat_now_ns());
    irq_restore(f);
    return 0;
}

static bool tv_valid(const struct timeval *tv)
{
    return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

int setitimer(int which, const struct itimerval *restrict v, struct itimerval *restrict old)
{
    if (which != ITIMER_REAL)
        return other_timer(which);
    if (!v || !tv_valid(&v->it_value) || !tv_valid(&v->it_interval))
        return errno = EINVAL, -1;
    unsigned long f = irq_save();
    uint64_t now = lu_plat_now_ns();
    if (old)
        current(old, now);
    uint64_t value = tv_ns(&v->it_value);
    interval_ns = tv_ns(&v->it_interval);
    due = now + value;
    if (value)
        sched_timer_arm(&real, due);
    else
        sched_timer_cancel(&real);
    irq_restore(f);
    return 0;
}

unsigned alarm(unsigned seconds)
{
    struct itimerval v = {.it_value = {.tv_sec = seconds}}, old;
    setitimer(ITIMER_REAL, &v, &old);
    /* what was left, rounded to the nearest second, but never 0 for a
     * timer that was still armed (glibc's rule) */
    unsigned left = (unsigned)old.it_value.tv_sec + (old.it_value.tv_usec >= 500000);
    if (!left && (old.it_value.tv_sec || old.it_value.tv_usec))
        left = 1;
    return left;
}
