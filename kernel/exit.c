/*
 * Leaving the VM. The status reaches the launcher two ways: a line
 * "exit=N" on the isa-debugcon port (0xe9), which carries the full value,
 * and isa-debug-exit (0xf4), which makes QEMU exit with (N << 1) | 1. The
 * launcher trusts the debugcon line, because QEMU's own errors also exit 1
 * and a triple fault under -no-reboot exits 0.
 *
 * Also the panic path (lu_plat_panic); the report of a fatal trap lives with
 * the traps (arch/x86_64/trap_report.c). Both run the steps that subsystems
 * register (lucent/panic.h), and kernel_exit runs the last stage.
 */
#include <stdio.h>
#include <lucent/panic.h>
#include <lucent/plat.h>
#include <arch/backtrace.h>
#include <arch/cpu.h>
#include "exit.h"
#include "kernel.h"
#include "lib/kprintf.h"
#include "sched/sched.h"

static void debugcon(const char *s)
{
    while (*s)
        outb(0xe9, (uint8_t)*s++);
}

static int dying; /* a fault while reporting a fault goes straight out */

__attribute__((noreturn)) void kernel_exit(int status)
{
    const struct lu_panic_info why = {0, NULL};
    LU_PANIC_RUN(LU_PANIC_EXIT, &why);
    char line[32];
    ksnprintf(line, sizeof line, "exit=%d\n", status);
    debugcon(line);
    outl(0xf4, (uint32_t)status & 0x7f);
    /* No debug-exit device: stop the CPU for good (a triple fault resets
     * or, under -no-reboot, ends the VM). */
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } none = {0, 0};
    __asm__ volatile("lidt %0; int3" ::"m"(none));
    for (;;)
        cpu_halt();
}

void panic_begin(int status)
{
    if (dying++)
        kernel_exit(status);
}

__attribute__((noreturn)) void lu_plat_panic(const char *file, int line, const char *fmt, ...)
{
    panic_begin(134);
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kprintf("\nlucent: panic: %s\n  at %s:%d in thread '%s'\n", msg, file, line,
            kernel_current_thread_name());
    struct lu_panic_info why = {6 /* SIGABRT */, NULL};
    LU_PANIC_RUN(LU_PANIC_STOP, &why); /* gdb attached or --gdb-on-panic: stop here first (kernel/gdb.c) */
    backtrace_print((uintptr_t)__builtin_return_address(0),
                    (uintptr_t) * (uintptr_t **)__builtin_frame_address(0));
    LU_PANIC_RUN(LU_PANIC_FLUSH, &why);
    kernel_exit(134); /* as SIGABRT */
}
