/*
 * The local APIC (timer, EOI, self-NMI) and the I/O APIC's routing of ISA
 * lines (apic.c). Vectors are irq.h's.
 */
#ifndef LU_ARCH_APIC_H
#define LU_ARCH_APIC_H
#include <stdbool.h>
#include <stdint.h>

void apic_init(void);
void apic_timer_arm(uint64_t deadline_ns);
void lapic_eoi(void);
unsigned lapic_id(void);
void lapic_self_nmi(void);
void ioapic_route(unsigned irq, unsigned vector, bool masked);
bool apic_timer_is_tsc_deadline(void);

#endif
