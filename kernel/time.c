/*
 * Clocks: monotonic time is the TSC scaled to ns from boot; wall time is
 * the CMOS RTC reading at boot plus monotonic time since. nanosleep blocks
 * the thread in the scheduler until its deadline (kernel_sleep_until,
 * sched/sched.c), so other threads run meanwhile.
 */
#include <errno.h>
#include <sys/time.h>
#include <time.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include <arch/rtc.h>
#include <arch/tsc.h>
#include "ktime.h"
#include "libc/ksignal.h"
#include "sched/sched.h"

static uint64_t tsc0, boot_epoch_ns, mult; /* ns = (cycles * mult) >> 32 */

void time_init(void)
{
    tsc0 = lu_plat_cycles();
    boot_epoch_ns = rtc_read_epoch() * 1000000000ULL;
    mult = (1000000000ULL << 32) / tsc_hz();
}

uint64_t time_cycles_to_ns(uint64_t c)
{
    c -= tsc0;
    /* 128-bit product: the TSC may be large and mult is 32.32 fixed point */
    return (uint64_t)(((unsigned __int128)c * mult) >> 32);
}

uint64_t time_boot_epoch_ns(void) { return boot_epoch_ns; }

int clock_gettime(clockid_t id, struct timespec *ts)
{
    uint64_t ns = lu_plat_now_ns();
    if (id == CLOCK_REALTIME)
        ns += boot_epoch_ns;
    else if (id != CLOCK_MONOTONIC)
        return errno = EINVAL, -1;
    ts->tv_sec = (time_t)(ns / 1000000000ULL);
    ts->tv_nsec = (long)(ns % 1000000000ULL);
    return 0;
}

int clock_getres(clockid_t id, struct timespec *ts)
{
    if (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC)
        return errno = EINVAL, -1;
    if (ts)
        *ts = (struct timespec){0, 1};
    return 0;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    uint64_t ns = lu_plat_now_ns() + boot_epoch_ns;
    if (tv) {
        tv->tv_sec = (time_t)(ns / 1000000000ULL);
        tv->tv_usec = (suseconds_t)((ns / 1000) % 1000000);
    }
    return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L || req->tv_sec < 0)
        return errno = EINVAL, -1;
    uint64_t deadline = lu_plat_now_ns() + (uint64_t)req->tv_sec * 1000000000ULL + (uint64_t)req->tv_nsec;
    if (kernel_sleep_until(deadline) == -EINTR) {
        /* a signal cut it short: what was left, then its handler (POSIX:
         * the handler has run when nanosleep returns EINTR) */
        uint64_t now = lu_plat_now_ns(), left = deadline > now ? deadline - now : 0;
        if (rem)
            *rem = (struct timespec){(time_t)(left / 1000000000ULL), (long)(left % 1000000000ULL)};
        signal_deliver_pending();
        return errno = EINTR, -1;
    }
    if (rem)
        *rem = (struct timespec){0, 0};
    return 0;
}

int usleep(useconds_t us)
{
    struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
    return nanosleep(&ts, NULL);
}

unsigned sleep(unsigned s)
{
    struct timespec ts = {s, 0}, rem = {0, 0};
    if (nanosleep(&ts, &rem) < 0)
        return (unsigned)rem.tv_sec + (rem.tv_nsec > 0); /* seconds not slept, rounded up */
    return 0;
}
