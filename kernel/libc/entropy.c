/*
 * Randomness: getentropy() from RDRAND where the CPU has it (QEMU's -cpu max
 * and most hosts do), otherwise mixed TSC readings, which are weak and said
 * to be so at boot. The stack-protector canary comes from the same source.
 */
#include <errno.h>
#include <string.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include "entropy.h"

static bool have_rdrand;
uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ULL; /* replaced at boot */

static bool rdrand64(uint64_t *v)
{
    for (int i = 0; i < 10; i++) {
        unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

static uint64_t weak_random(void)
{
    /* splitmix64 over the TSC: unpredictable enough for a canary on a CPU
     * without RDRAND, not for keys */
    uint64_t z = lu_plat_cycles() + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t random64(void)
{
    uint64_t v;
    if (have_rdrand && rdrand64(&v))
        return v;
    return weak_random();
}

void entropy_init(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    have_rdrand = (r[2] >> 30) & 1;
    __stack_chk_guard = random64() & ~0xffULL; /* a zero low byte stops string overruns */
}

int getentropy(void *buf, size_t len)
{
    if (len > 256)
        return errno = EIO, -1;
    unsigned char *p = buf;
    while (len) {
        uint64_t v = random64();
        size_t n = len < sizeof v ? len : sizeof v;
        memcpy(p, &v, n);
        p += n;
        len -= n;
    }
    return 0;
}

__attribute__((noreturn)) void __stack_chk_fail(void)
{
    LU_PANIC("stack smashing detected (canary overwritten)");
}
