/*
 * Device interrupt dispatch: a handler per vector, a count per vector, and
 * the hand-off to the scheduler when an interrupt made a thread runnable or
 * ended a time slice. Handlers run with interrupts off and must not block.
 */
#include <errno.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/trap.h>
#include "../../sched/sched.h"

struct slot {
    irq_fn fn;
    void *arg;
    const char *name;
};

static struct slot slots[256];
static uint64_t counts[256];
static int next_dyn = IRQ_VEC_DYN_FIRST;

void trace_irq_hook(unsigned vector, int enter); /* weak: tracing */
__attribute__((weak)) void trace_irq_hook(unsigned vector, int enter) {}

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
    trace_irq_hook(v, 1);
    if (v == IRQ_VEC_TIMER)
        sched_timer_interrupt();
    else if (slots[v].fn)
        slots[v].fn(slots[v].arg);
    lapic_eoi();
    trace_irq_hook(v, 0);
    sched_irq_exit();
}
