/*
 * The report of a fatal trap: what faulted, where, in which thread, the
 * registers and a backtrace, then the panic steps (lucent/panic.h) and the
 * exit with 128 + the signal, as a shell reports a process killed by one.
 * idt.c sends here every exception that no hook (the gdb stub) claimed.
 */
#include <lucent/panic.h>
#include <arch/backtrace.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include "../../exit.h"
#include "../../kernel.h"
#include "../../lib/kprintf.h"
#include "../../lib/symbols.h"
#include "../../sched/sched.h"

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
    panic_begin(128 + signo);
    struct lu_panic_info why = {signo, tf};
    LU_PANIC_RUN(LU_PANIC_STOP, &why);
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
    LU_PANIC_RUN(LU_PANIC_FLUSH, &why);
    kernel_exit(128 + signo);
}
