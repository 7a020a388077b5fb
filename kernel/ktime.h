/*
 * The kernel's clocks as the kernel sees them (time.c); the portable side
 * is lu_plat_now_ns and friends in plat.h. Not "time.h": meson puts this
 * folder on the include path of its own targets, where it would hide
 * newlib's <time.h>.
 */
#ifndef LU_KERNEL_KTIME_H
#define LU_KERNEL_KTIME_H
#include <stdint.h>

void time_init(void);
uint64_t time_boot_epoch_ns(void);
uint64_t time_cycles_to_ns(uint64_t cycles); /* lu_plat_cycles_to_ns (plat.c) */

#endif
