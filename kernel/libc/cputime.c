/*
 * CPU time: times(), which newlib's clock() reads, and getrusage(), from
 * the scheduler's accounting (sched_cpu_time: every thread but idle,
 * switched-out time excluded). The image has no user/kernel split, so all
 * CPU time is user time and system time is 0; there are no children.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <time.h>
#include <lucent/plat.h>
#include "../sched/sched.h"

/* times() counts in the units newlib's clock() divides by: CLOCKS_PER_SEC
 * (sysconf(_SC_CLK_TCK) says the same). */
#define NS_PER_TICK (1000000000ULL / CLOCKS_PER_SEC)

clock_t times(struct tms *buf)
{
    uint64_t proc, thread;
    sched_cpu_time(&proc, &thread);
    *buf = (struct tms){.tms_utime = (clock_t)(proc / NS_PER_TICK)};
    return (clock_t)(lu_plat_now_ns() / NS_PER_TICK);
}

static struct timeval tv_of(uint64_t ns)
{
    return (struct timeval){.tv_sec = (time_t)(ns / 1000000000ULL),
                            .tv_usec = (suseconds_t)(ns % 1000000000ULL / 1000)};
}

int getrusage(int who, struct rusage *ru)
{
    uint64_t proc, thread;
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
        return errno = EINVAL, -1;
    sched_cpu_time(&proc, &thread);
    memset(ru, 0, sizeof *ru);
    if (who != RUSAGE_CHILDREN)
        ru->ru_utime = tv_of(who == RUSAGE_SELF ? proc : thread);
    return 0;
}
