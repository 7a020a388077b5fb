/*
 * Interrupt vectors and device interrupt dispatch (irq.c): how drivers get
 * a vector and a handler. Masking interrupts is cpu.h's, the interrupt
 * controllers apic.h's.
 */
#ifndef LU_ARCH_IRQ_H
#define LU_ARCH_IRQ_H
#include <stdint.h>

struct trap_frame;

enum {
    IRQ_VEC_TIMER = 0x20,     /* local APIC timer */
    IRQ_VEC_ISA = 0x30,       /* ISA line n arrives at IRQ_VEC_ISA + n */
    IRQ_VEC_DYN_FIRST = 0x40, /* MSI/MSI-X vectors handed out by irq_alloc */
    IRQ_VEC_DYN_LAST = 0xDF,
    IRQ_VEC_PIC = 0xE0, /* masked legacy PICs: only spurious ones arrive */
    IRQ_VEC_ERROR = 0xFE,
    IRQ_VEC_SPURIOUS = 0xFF,
};

typedef void (*irq_fn)(void *arg);

/* Registers @fn for ISA line @irq, unmasks it, returns the vector. */
int irq_register_isa(unsigned irq, irq_fn fn, void *arg, const char *name);
/* Allocates a vector for an MSI/MSI-X source; returns it or -ENOSPC. */
int irq_alloc(irq_fn fn, void *arg, const char *name);
/* MSI address/data that deliver @vector to this CPU. */
void irq_msi_message(int vector, uint64_t *addr, uint32_t *data);

/* Interrupts handled per vector since boot (for metrics), and names. */
uint64_t irq_count(unsigned vector);
const char *irq_name(unsigned vector);

/* The dispatch of a device interrupt, from the trap entry (idt.c). */
void irq_dispatch(struct trap_frame *tf);

#endif
