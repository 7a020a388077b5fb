/*
 * Device interrupt dispatch: a handler per vector, a count per vector, and
 * the hand-off to the scheduler when an interrupt made a thread runnable or
 * ended a time slice. Handlers run with interrupts off and must not block.
 */
#include <errno.h>
#include <lucent/trace.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/trap.h>
#include "../../libc/ksignal.h"
#include "../../sched/sched.h"

struct slot {
    irq_fn fn;
    void *arg;
    const char *name;
};

static struct slot slots[256];
static uint64_t counts[256];
static int next_dyn = IRQ_VEC_DYN_FIRST;

/* A slice on the CPU's "irq" track around each handler, with the vector
 * and its owner. */
LU__TRACEPOINT(irq_enter, "irq", "irq", IRQ_BEGIN, (uint32_t, vector), (const char *, handler));
LU__TRACEPOINT(irq_exit, "irq", "irq", IRQ_END);

int irq_register_isa(unsigned irq, irq_fn fn, void *arg, const char *name)
{
    if (irq >= 16)
        return -EINVAL;
    int v = IRQ_VEC_ISA + (int)irq;
    slots[v] = (struct slot){fn, arg, name};
    ioapic_route(irq, (unsigned)v, false);
    return v;
}

int irq_alloc(irq_fn fn, void *arg, const char *name)
{
    unsigned long f = irq_save();
    if (next_dyn > IRQ_VEC_DYN_LAST) {
        irq_restore(f);
        return -ENOSPC;
    }
    int v = next_dyn++;
    slots[v] = (struct slot){fn, arg, name};
    irq_restore(f);
    return v;
}

void irq_msi_message(int vector, uint64_t *addr, uint32_t *data)
{
    *addr = 0xFEE00000ULL | ((uint64_t)lapic_id() << 12);
    *data = (uint32_t)vector; /* fixed delivery, edge */
}

uint64_t irq_count(unsigned vector) { return vector < 256 ? counts[vector] : 0; }

const char *irq_name(unsigned vector)
{
    if (vector == IRQ_VEC_TIMER)
        return "timer";
    return vector < 256 ? slots[vector].name : NULL;
}

void irq_dispatch(struct trap_frame *tf)
{
    unsigned v = (unsigned)tf->vector;
    counts[v]++;
    if (v == IRQ_VEC_SPURIOUS || (v >= IRQ_VEC_PIC && v < IRQ_VEC_PIC + 16))
        return; /* spurious: no EOI */
    if (lu_trace_irq_enter_enabled()) {
        const char *name = irq_name(v);
        lu_trace_irq_enter(v, name ? name : "?");
    }
    if (v == IRQ_VEC_TIMER)
        sched_timer_interrupt();
    else if (slots[v].fn)
        slots[v].fn(slots[v].arg);
    lapic_eoi();
    lu_trace_irq_exit();
    sched_irq_exit();
    signal_irq_return(tf); /* on the thread that resumes: its handlers first */
}
