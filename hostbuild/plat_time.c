/* Clocks for the hostbuild: CLOCK_MONOTONIC through the vDSO (no system
 * call), and the TSC calibrated against it. */
#include <time.h>
#include <unistd.h>
#include <lucent/plat.h>

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t ns0, tsc0, hz;

__attribute__((constructor)) static void time_init(void)
{
    ns0 = mono_ns();
    tsc0 = lu_plat_cycles();
}

uint64_t lu_plat_now_ns(void) { return mono_ns() - ns0; }

/* Measured lazily over at least 20 ms since start-up, so programs that never
 * convert cycles never wait. */
uint64_t lu_plat_cycles_per_sec(void)
{
    uint64_t h = __atomic_load_n(&hz, __ATOMIC_RELAXED);
    if (h)
        return h;
    uint64_t ns = lu_plat_now_ns();
    if (ns < 20000000ULL) {
        usleep((useconds_t)((20000000ULL - ns) / 1000));
        ns = lu_plat_now_ns();
    }
    uint64_t c = lu_plat_cycles() - tsc0;
    h = (uint64_t)((unsigned __int128)c * 1000000000ULL / ns);
    __atomic_store_n(&hz, h, __ATOMIC_RELAXED);
    return h;
}

uint64_t lu_plat_cycles_to_ns(uint64_t cycles)
{
    uint64_t h = lu_plat_cycles_per_sec();
    return (uint64_t)((unsigned __int128)(cycles - tsc0) * 1000000000ULL / h);
}
