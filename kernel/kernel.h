/*
 * Definitions every part of the kernel uses. Each subsystem's functions
 * are declared in the header beside the file that defines them (mm/pages.h,
 * sched/sched.h, <arch/trap.h> ...), so a file's includes say what it
 * depends on. Nothing here is visible to apps: their contract is
 * include/lucent/plat.h plus POSIX through newlib.
 */
#ifndef LU_KERNEL_H
#define LU_KERNEL_H
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096UL
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uintptr_t)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((uintptr_t)(a)-1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
