/* The TSC's frequency (tsc.c), measured once at boot. */
#ifndef LU_ARCH_TSC_H
#define LU_ARCH_TSC_H
#include <stdint.h>

void tsc_init(void);
uint64_t tsc_hz(void);

#endif
