/*
 * What the system is: uname, sysconf, getpagesize and the resource limits,
 * each from the kernel's own figures (RAM from the PVH memory map, the
 * page size, CPUs, the boot stack, the descriptor ranges) rather than
 * constants a program could outgrow.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <lwipopts.h>
#include <lucent/plat.h>
#include <arch/sections.h>
#include "../kernel.h"
#include "../mm/heap.h"
#include "../mm/pages.h"
#include "../net/net.h"

/* Descriptors: the table below sockets, then one per lwIP connection. */
#define OPEN_MAX_FDS (LU_NET_FD_BASE + MEMP_NUM_NETCONN)

int uname(struct utsname *u)
{
    memset(u, 0, sizeof *u);
    strcpy(u->sysname, "Lucent");
    strcpy(u->nodename, "lucent");
    strcpy(u->release, LU_VERSION);
    strcpy(u->version, "unikernel " __DATE__);
    strcpy(u->machine, LU_MACHINE);
    return 0;
}

int getpagesize(void) { return PAGE_SIZE; }

long sysconf(int name)
{
    switch (name) {
    case _SC_PAGESIZE: return PAGE_SIZE;
    case _SC_NPROCESSORS_CONF:
    case _SC_NPROCESSORS_ONLN: return (long)lu_plat_cpu_count();
    case _SC_CLK_TCK: return CLOCKS_PER_SEC; /* times()'s unit */
    case _SC_OPEN_MAX: return OPEN_MAX_FDS;
    case _SC_PHYS_PAGES: return (long)(lu_plat_ram_bytes() / PAGE_SIZE);
    case _SC_AVPHYS_PAGES: return (long)((pages_low_mark() - ALIGN_UP(heap_break(), PAGE_SIZE)) / PAGE_SIZE);
    case _SC_CHILD_MAX: return 1; /* this process: no children (process.c) */
    case _SC_ARG_MAX: return 65536;
    case _SC_HOST_NAME_MAX: return _UTSNAME_LENGTH - 1;
    case _SC_LINE_MAX: return 2048;
    case _SC_THREAD_STACK_MIN: return PTHREAD_STACK_MIN;
    default: return errno = EINVAL, -1;
    }
}

/* Limits start at what the machine has; a program may lower its soft
 * limit and its hard one, and raise the soft one back up to the hard one,
 * as on Linux. Nothing enforces them beyond the machine itself. */
static struct rlimit limits[RLIMIT_NLIMITS];
static bool limits_set;

static void limits_init(void)
{
    for (int i = 0; i < RLIMIT_NLIMITS; i++)
        limits[i] = (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
    rlim_t stack = (rlim_t)(boot_stack_top - boot_stack_bottom);
    limits[RLIMIT_STACK] = (struct rlimit){stack, stack};
    rlim_t ram = (rlim_t)lu_plat_ram_bytes();
    limits[RLIMIT_AS] = limits[RLIMIT_DATA] = limits[RLIMIT_RSS] = (struct rlimit){ram, ram};
    limits[RLIMIT_NOFILE] = (struct rlimit){OPEN_MAX_FDS, OPEN_MAX_FDS};
    limits[RLIMIT_NPROC] = (struct rlimit){1, 1};
    limits[RLIMIT_CORE] = (struct rlimit){0, 0}; /* no core files: no filesystem */
    limits_set = true;
}

int getrlimit(int resource, struct rlimit *rlim)
{
    if (resource < 0 || resource >= RLIMIT_NLIMITS)
        return errno = EINVAL, -1;
    if (!limits_set)
        limits_init();
    *rlim = limits[resource];
    return 0;
}

int setrlimit(int resource, const struct rlimit *rlim)
{
    if (resource < 0 || resource >= RLIMIT_NLIMITS || rlim->rlim_cur > rlim->rlim_max)
        return errno = EINVAL, -1;
    if (!limits_set)
        limits_init();
    if (rlim->rlim_max > limits[resource].rlim_max)
        return errno = EPERM, -1;
    limits[resource] = *rlim;
    return 0;
}
