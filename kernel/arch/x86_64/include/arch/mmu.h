/* Page tables (mmu.c): the kernel's identity map and page protections. */
#ifndef LU_ARCH_MMU_H
#define LU_ARCH_MMU_H
#include <stddef.h>
#include <stdint.h>

void mmu_init(void);
/* Changes the protection of [va, va+len) (page-aligned). */
#define MMU_W (1u << 0)
#define MMU_X (1u << 1)
#define MMU_NONE (1u << 2) /* unmapped */
int mmu_protect(uintptr_t va, size_t len, unsigned prot);
/* Where the page at va is mapped and how; -EFAULT when it is not. */
int mmu_query(uintptr_t va, unsigned *prot);

#endif
