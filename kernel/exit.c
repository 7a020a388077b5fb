/*
 * Leaving the VM. The status reaches the launcher two ways: a line
 * "exit=N" on the isa-debugcon port (0xe9), which carries the full value,
 * and isa-debug-exit (0xf4), which makes QEMU exit with (N << 1) | 1. The
 * launcher trusts the debugcon line, because QEMU's own errors also exit 1
 * and a triple fault under -no-reboot exits 0.
 */
#include <stdio.h>
#include <lucent/plat.h>
#include <arch/backtrace.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include "exit.h"
#include "kernel.h"
#include "lib/kprintf.h"
#include "lib/symbols.h"
#include "sched/sched.h"

static void debugcon(const char *s)
{
    while (*s)
        outb(0xe9, (uint8_t)*s++);
}

/* Channels (drivers/chan_virtio.c) hook in here: bytes a writer queued
 * must reach the host before the VM stops. */
__attribute__((weak)) void exit_drain_hook(void) {}

__attribute__((noreturn)) void kernel_exit(int status)
{
    exit_drain_hook();
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

/* The flight recorder and the gdb stub hook in here (weak defaults). */
__attribute__((weak)) void panic_flush_hook(void) {}
__attribute__((weak)) bool panic_debugger_hook(int signo, struct trap_frame *tf) { return false; }

static int dying; /* a fault while reporting a fault goes straight out */

static void regs(const struct trap_frame *tf)
{
    kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    kprintf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->rsp);
    kprintf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", tf->r8, tf->r9, tf->r10, tf->r11);
    kprintf("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", tf->r12, tf->r13, tf->r14, tf->r15);
    kprintf("  rip %016lx rflags %08lx cs %lx ss %lx\n", tf->rip, tf->rflags, tf->cs, tf->ss);
}

__attribute__((noreturn)) void kernel_fatal(int signo, struct trap_frame *tf)
{
    if (dying++)
        kernel_exit(128 + signo);
    if (panic_debugger_hook(signo, tf)) {
        dying = 0;
        /* the debugger resumed us: not reached for now, kept for clarity */
    }
    const char *fn = "?";
    uintptr_t off = 0;
    sym_lookup(tf->rip, &fn, &off);
    kprintf("\nlucent: fatal: %s (vector %lu, error 0x%lx) in thread '%s' at %s+0x%lx\n",
            trap_name(tf->vector), tf->vector, tf->error, kernel_current_thread_name(), fn, off);
    if (tf->vector == 14) {
        uint64_t cr2 = read_cr2();
        kprintf("  address 0x%lx: %s %s%s\n", cr2,
                tf->error & 1 ? "protection violation on" : "unmapped page on",
                tf->error & 16 ? "instruction fetch" : (tf->error & 2 ? "write" : "read"),
                cr2 < PAGE_SIZE ? " (NULL pointer dereference)" : "");
    }
    struct lu_thread *victim = (tf->vector == 14 || tf->vector == 8) ? thread_guard_owner(read_cr2()) : NULL;
    if (victim)
        kprintf("  stack overflow in thread '%s' (tid %u): hit the guard page at 0x%lx\n", victim->name,
                victim->tid, (unsigned long)read_cr2());
    else if (tf->vector == 8)
        kprintf("  (a double fault is most often a stack overflow into a guard page)\n");
    regs(tf);
    backtrace_print_trap(tf);
    panic_flush_hook();
    kernel_exit(128 + signo);
}

__attribute__((noreturn)) void lu_plat_panic(const char *file, int line, const char *fmt, ...)
{
    if (dying++)
        kernel_exit(134);
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kprintf("\nlucent: panic: %s\n  at %s:%d in thread '%s'\n", msg, file, line,
            kernel_current_thread_name());
    panic_debugger_hook(6, NULL); /* gdb attached or --gdb-on-panic: stop here first (kernel/gdb.c) */
    backtrace_print((uintptr_t)__builtin_return_address(0),
                    (uintptr_t) * (uintptr_t **)__builtin_frame_address(0));
    panic_flush_hook();
    kernel_exit(134); /* as SIGABRT */
}
