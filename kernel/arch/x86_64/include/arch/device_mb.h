/*
 * device_mb(): a full memory barrier between this CPU and the device
 * emulator, for the store-then-load handshakes of shared rings (virtio's
 * "publish my index, then read the other side's event index"), which are
 * Dekker's algorithm and fail without a store-load fence on x86.
 *
 * MFENCE is that fence on hardware and under KVM. Under QEMU's TCG before
 * 8.1 it is not: with one vCPU, TCG translates MFENCE to nothing (upstream
 * commit "tcg: Always emit barriers in system mode" fixed it), although
 * QEMU's I/O threads read and write the rings concurrently. Our store then
 * sits in the host's store buffer while we read a stale index, QEMU reads
 * our stale event index, and both sides wait for each other for good: the
 * network wedge seen under load. What does order us under TCG is a port
 * I/O: QEMU dispatches it under its global lock, whose acquisition is an
 * atomic read-modify-write on the host, a full barrier (port 0x80, the
 * POST port, is the one Linux uses for I/O delays and has no effect).
 *
 * device_mb_init() picks the fence once, from CPUID: MFENCE on hardware
 * (no hypervisor bit) and under KVM, the port otherwise (TCG, or a
 * hypervisor we cannot vouch for: correct everywhere, a few hundred
 * nanoseconds dearer). The kernel option device_mb=mfence|port overrides.
 */
#ifndef LU_ARCH_DEVICE_MB_H
#define LU_ARCH_DEVICE_MB_H
#include <stdbool.h>

extern bool device_mb_port;

static inline void device_mb(void)
{
    if (device_mb_port)
        __asm__ volatile("outb %%al, $0x80" ::"a"(0) : "memory");
    else
        __asm__ volatile("mfence" ::: "memory");
}

/* Chooses the fence; call before any device is set up. */
void device_mb_init(void);
/* "mfence" or "port", for the boot log and metrics. */
const char *device_mb_name(void);

#endif
