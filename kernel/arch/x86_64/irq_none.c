/* Until the interrupt controller code exists (issue B), any device
 * interrupt is unexpected and reported. */
#include "../../kernel.h"

void irq_dispatch(struct trap_frame *tf)
{
    kprintf("lucent: unexpected interrupt %lu\n", (unsigned long)tf->vector);
}
