/*
 * The platform contract (include/lucent/plat.h) for the image, in the
 * header's order: every function of it is defined here, as hostbuild's
 * plat_*.c and chan_unix.c define it for a Linux process, except the
 * channels and the panic (below). Each is a line or two over the kernel
 * subsystem that owns the state; that subsystem keeps the work:
 *
 *   time       now_ns, cycles_to_ns    time.c (the boot TSC and its scale)
 *              cycles_per_sec          arch/x86_64/tsc.c (its calibration)
 *   CPUs       cpu_id, cpu_count       here: the image runs on one CPU
 *              ram_bytes               mm/heap.c (mem_top: RAM starts at 0)
 *   threads    thread_id               sched/ (the current thread)
 *              thread_name, _foreach   sched/thread.c (the thread table)
 *   identity   process_id, build_name  here
 *              program_name            lu_image_name, set by the image's link
 *              getopt                  boot/main.c (the parsed command line)
 *   failure    symbolize               lib/symbols.c (the image's symbol table)
 *              lu_plat_panic           exit.c, not forwarded from here: a
 *                                      frame of ours would come first in its
 *                                      backtrace and in gdb's stop
 *   channels   lu_chan_*               drivers/chan_virtio.c, over
 *                                      virtio-console ports (as hostbuild's
 *                                      chan_unix.c over UNIX sockets)
 */
#include <lucent/plat.h>
#include <arch/tsc.h>
#include "boot/boot.h"
#include "ktime.h"
#include "lib/kprintf.h"
#include "lib/symbols.h"
#include "mm/heap.h"
#include "sched/sched.h"

/* ---- time ---------------------------------------------------------------- */

uint64_t lu_plat_now_ns(void) { return time_cycles_to_ns(lu_plat_cycles()); }
uint64_t lu_plat_cycles_to_ns(uint64_t cycles) { return time_cycles_to_ns(cycles); }
uint64_t lu_plat_cycles_per_sec(void) { return tsc_hz(); }

/* ---- CPUs and threads ------------------------------------------------------ */

unsigned lu_plat_cpu_id(void) { return 0; }
unsigned lu_plat_cpu_count(void) { return 1; }
uint64_t lu_plat_ram_bytes(void) { return mem_top(); }

uint32_t lu_plat_thread_id(void)
{
    struct lu_thread *t = cpu_self()->current;
    return t ? t->tid : 1; /* 1: the boot flow, before sched_init */
}

uint32_t lu_plat_process_id(void) { return 1; }

int lu_plat_thread_name(uint32_t tid, char *buf, size_t len) { return thread_copy_name(tid, buf, len); }

int lu_plat_thread_foreach(int (*fn)(const struct lu_plat_thread_info *, void *), void *arg)
{
    return thread_foreach_info(fn, arg);
}

/* ---- identity and environment --------------------------------------------- */

const char *lu_plat_program_name(void) { return lu_image_name; }
const char *lu_plat_build_name(void) { return "image"; }
const char *lu_plat_getopt(const char *key) { return boot_getopt(key); }

/* ---- failure --------------------------------------------------------------- */

int lu_plat_symbolize(uintptr_t addr, char *buf, size_t len, uintptr_t *off)
{
    const char *name;
    int r = sym_lookup(addr, &name, off);
    if (r)
        return r;
    ksnprintf(buf, len, "%s", name);
    return 0;
}
