/* Interrupt vectors and the interrupt API for drivers. */
#ifndef LU_KERNEL_IRQ_H
#define LU_KERNEL_IRQ_H
#include <stdbool.h>
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

/* Nested-safe disable/enable: irq_save returns the previous state. */
static inline unsigned long irq_save(void)
{
    unsigned long f;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
    return f;
}
static inline void irq_restore(unsigned long f)
{
    if (f & (1UL << 9))
        __asm__ volatile("sti" ::: "memory");
}
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline bool irq_enabled(void)
{
    unsigned long f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f & (1UL << 9);
}

/* apic.c */
void apic_init(void);
void apic_timer_arm(uint64_t deadline_ns);
void lapic_eoi(void);
unsigned lapic_id(void);
void lapic_self_nmi(void);
void ioapic_route(unsigned irq, unsigned vector, bool masked);
bool apic_timer_is_tsc_deadline(void);

#endif
