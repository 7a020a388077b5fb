/*
 * Device start-up, and the one hook through which drivers wait.
 *
 * drivers_init() runs from kmain once threads and interrupts are up, so the
 * interrupt code (issue B) is up before any driver could ask for a vector.
 * Drivers themselves register with PCI_DRIVER (pci.h); nothing here lists
 * them.
 */
#include "../arch/x86_64/cpu.h"
#include "../kernel.h"
#include "pci.h"

void drivers_init(void) { pci_init(); }

/* Spinning is the only waiting there is before the scheduler: with
 * interrupts off nothing would end a hlt. The scheduler overrides this to
 * block until an interrupt or @deadline_ns; its version must still spin
 * when interrupts are off (gdb stub, panic path). */
__attribute__((weak)) void kernel_wait_event(uint64_t deadline_ns) { cpu_relax(); }
