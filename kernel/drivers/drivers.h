/* PCI and the drivers registered with PCI_DRIVER (drivers.c), started from
 * kmain once threads and interrupts are up. */
#ifndef LU_KERNEL_DRIVERS_H
#define LU_KERNEL_DRIVERS_H
#include <stdint.h>

void drivers_init(void);
/* How a driver waits for its device, until @deadline_ns at most: with
 * interrupts on the thread naps in the scheduler so others run; with them
 * off (gdb stub, panic path) it spins. */
void kernel_wait_event(uint64_t deadline_ns);

#endif
