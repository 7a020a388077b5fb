/*
 * Device start-up, and the one hook through which drivers wait.
 *
 * drivers_init() runs from kmain once threads and interrupts are up, so
 * irq_alloc can hand out vectors to any driver that asks.
 * Drivers themselves register with PCI_DRIVER (pci.h); nothing here lists
 * them.
 */
#include <lucent/plat.h>
#include <arch/cpu.h>
#include <arch/device_mb.h>
#include "../lib/klog.h"
#include "../sched/sched.h"
#include "drivers.h"
#include "pci.h"
#include "virtio.h"

void drivers_init(void)
{
    uint64_t t0 = lu_plat_now_ns();
    device_mb_init();
    int n = pci_init();
    virtq_watch_start();
    klog_debug("drivers: %d pci functions, %lu us\n", n, (unsigned long)((lu_plat_now_ns() - t0) / 1000));
}

/* How drivers wait when their device cannot interrupt them. With
 * interrupts on, the thread sleeps in short naps (the timer wakes it), so
 * other threads run and, under emulation, the host thread that feeds the
 * device gets the CPU; with interrupts off (gdb stub, panic path) nothing
 * would end a nap, so it spins. */
#define NAP_NS 50000
void kernel_wait_event(uint64_t deadline_ns)
{
    if (!irq_enabled()) {
        cpu_relax();
        return;
    }
    uint64_t until = lu_plat_now_ns() + NAP_NS;
    unsigned long f = irq_save();
    sched_block(NULL, until < deadline_ns ? until : deadline_ns);
    irq_restore(f);
}
