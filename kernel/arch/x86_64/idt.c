/*
 * The IDT and the first-level dispatch of every vector: CPU exceptions go
 * to the fault reporter (or to whoever claimed them, like the gdb stub),
 * device interrupts to the handlers registered with irq_register().
 */
#include <errno.h>
#include <lucent/trace.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/signal.h>
#include <arch/trap.h>
#include "../../libc/ksignal.h"

struct __attribute__((packed)) idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
};

static struct idt_gate idt[256];
extern const uint64_t isr_table[256];

static void set_gate(int vec, uint64_t fn, int ist)
{
    idt[vec] = (struct idt_gate){
        .off_lo = fn & 0xffff,
        .sel = 0x08,
        .ist = (uint8_t)ist,
        .type = 0x8E, /* present, ring 0, interrupt gate (IF cleared) */
        .off_mid = (fn >> 16) & 0xffff,
        .off_hi = (uint32_t)(fn >> 32),
    };
}

void idt_init(void)
{
    for (int v = 0; v < 256; v++)
        set_gate(v, isr_table[v], 0);
    set_gate(8, isr_table[8], 1); /* #DF on IST1: the faulting stack may be gone */
    set_gate(2, isr_table[2], 2); /* NMI on IST2 */
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } ptr = {sizeof idt - 1, (uintptr_t)idt};
    __asm__ volatile("lidt %0" ::"m"(ptr));
}

/* Exception hooks: the gdb stub claims #BP/#DB and, when attached, every
 * fault. A hook returns true when it handled the trap. */
static bool (*exception_hook)(struct trap_frame *tf);

void trap_set_exception_hook(bool (*hook)(struct trap_frame *tf)) { exception_hook = hook; }

static const char *const exc_names[32] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 FP error",
    "alignment check",
    "machine check",
    "SIMD FP error",
    "virtualization",
    "control protection",
};

/* POSIX signal a vector corresponds to, as gdb and the exit status see it. */
int trap_signal(uint64_t vector)
{
    switch (vector) {
    case 0:
    case 16:
    case 19: return 8; /* SIGFPE */
    case 1:
    case 3: return 5;   /* SIGTRAP */
    case 6: return 4;   /* SIGILL */
    case 2: return 2;   /* SIGINT (NMI: used as "stop") */
    default: return 11; /* SIGSEGV */
    }
}

const char *trap_name(uint64_t vector)
{
    if (vector < 32 && exc_names[vector])
        return exc_names[vector];
    return vector < 32 ? "reserved exception" : "interrupt";
}

/* Every CPU exception, before the debugger or the fatal path sees it (the
 * panic path then flushes the trace, so the last event is the fault). */
LU_TRACEPOINT(exception, "irq", INSTANT, (uint64_t, vector), (uint64_t, error), (void *, rip),
              (uint64_t, cr2));

void trap_dispatch(struct trap_frame *tf)
{
    if (tf->vector == TRAP_VEC_SIGNAL) {
        signal_trap(tf); /* a thread redirected into its handlers (sigframe.c) */
        return;
    }
    if (tf->vector >= 32) {
        irq_dispatch(tf);
        return;
    }
    lu_trace_exception(tf->vector, tf->error, (void *)tf->rip, tf->vector == 14 ? read_cr2() : 0);
    if (exception_hook && exception_hook(tf))
        return;
    kernel_fatal(trap_signal(tf->vector), tf);
}
