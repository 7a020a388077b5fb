/* Chooses device_mb()'s fence (device_mb.h says why there are two). */
#include <string.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include <arch/device_mb.h>
#include "../../lib/klog.h"

bool device_mb_port = true; /* the safe choice until device_mb_init has looked */

static bool under_kvm_or_hardware(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 31))) /* no hypervisor: a real CPU's MFENCE */
        return true;
    cpuid(0x40000000, 0, r);
    char sig[13];
    memcpy(sig, &r[1], 4);
    memcpy(sig + 4, &r[2], 4);
    memcpy(sig + 8, &r[3], 4);
    sig[12] = 0;
    return strcmp(sig, "KVMKVMKVM") == 0;
}

void device_mb_init(void)
{
    const char *opt = lu_plat_getopt("device_mb");
    if (opt && strcmp(opt, "mfence") == 0)
        device_mb_port = false;
    else if (opt && strcmp(opt, "port") == 0)
        device_mb_port = true;
    else
        device_mb_port = !under_kvm_or_hardware();
    klog_debug("device_mb: %s\n", device_mb_name());
}

const char *device_mb_name(void) { return device_mb_port ? "port" : "mfence"; }
