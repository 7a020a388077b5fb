/*
 * Traps (idt.c, isr.S): the state an exception or interrupt saved, the
 * entry every vector goes through, and what the rest of the kernel asks
 * about a trap. Device interrupts continue to irq.h's dispatch.
 */
#ifndef LU_ARCH_TRAP_H
#define LU_ARCH_TRAP_H
#include <stdbool.h>
#include <stdint.h>

/* What the CPU pushed plus what isr.S saved: the state of an interrupted
 * context. gdb's register view and fault reports read it. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

void idt_init(void);
void trap_dispatch(struct trap_frame *tf);
/* POSIX signal a vector corresponds to, as gdb and the exit status see it. */
int trap_signal(uint64_t vector);
const char *trap_name(uint64_t vector);
/* trap_report.c: reports an exception nothing handled (what, where, the
 * registers, a backtrace), runs the panic steps and exits 128 + @signo. */
__attribute__((noreturn)) void kernel_fatal(int signo, struct trap_frame *tf);
/* @hook sees every CPU exception first (the debugger's); it returns true
 * when it handled the exception and the trapped context may resume. */
void trap_set_exception_hook(bool (*hook)(struct trap_frame *tf));

#endif
