/*
 * Page tables. The image is identity mapped: virtual == physical, which
 * keeps drivers simple (DMA addresses are pointers) and costs nothing in a
 * single-address-space unikernel. What paging buys us is protection:
 *   - page 0 is unmapped, so NULL dereferences fault;
 *   - kernel and app text is read-only and executable;
 *   - rodata, data, bss, heap and stacks are non-executable (NX);
 *   - guard pages below stacks are unmapped.
 * RAM is mapped with 2 MiB pages; a 2 MiB page is split into 4 KiB pages
 * the first time part of it needs different rights.
 */
#include <errno.h>
#include <string.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/sections.h>
#include "../../kernel.h"
#include "../../mm/heap.h"
#include "../../mm/pages.h"

#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

/* Page-table pages for boot: the PML4, the PDPT, a PD per GiB mapped and
 * the first few 2 MiB splits. Zero because the loader zero-fills .bss. Kept
 * small (the image must fit in 4 MiB of RAM): once our tables are live,
 * later splits (a guard page per thread stack) take pages from
 * mm/pages.c, which the boot tables (first GiB only) could not reach. */
#define POOL_PAGES 24
static uint64_t pool[POOL_PAGES][512] __attribute__((aligned(4096)));
static int pool_used;
static uint64_t *pml4;
static bool switched; /* write_cr3(pml4) done: all RAM is mapped */

static uint64_t *table_alloc(void)
{
    if (pool_used < POOL_PAGES)
        return pool[pool_used++];
    uint64_t *t = NULL;
    if (switched) {
        unsigned long f = irq_save(); /* pages_alloc's lists are guarded by interrupts off */
        t = pages_alloc(1);
        irq_restore(f);
    }
    if (!t)
        LU_PANIC("mmu: out of page-table pages (%d static, %s)", POOL_PAGES,
                 switched ? "RAM full" : "at boot");
    memset(t, 0, PAGE_SIZE);
    return t;
}

static uint64_t *table_at(uint64_t e) { return (uint64_t *)(uintptr_t)(e & PTE_ADDR); }

/* The PD entry covering va, or NULL beyond what is mapped. */
static uint64_t *pde_of(uintptr_t va)
{
    uint64_t e4 = pml4[(va >> 39) & 511];
    if (!(e4 & PTE_P))
        return NULL;
    uint64_t e3 = table_at(e4)[(va >> 30) & 511];
    if (!(e3 & PTE_P))
        return NULL;
    return &table_at(e3)[(va >> 21) & 511];
}

/* The 4 KiB PTE for va, splitting its 2 MiB page first if needed. */
static uint64_t *pte_of(uintptr_t va)
{
    uint64_t *pde = pde_of(va);
    if (!pde || !(*pde & (PTE_P | PTE_ADDR)))
        return NULL;
    if (*pde & PTE_PS) {
        uint64_t *pt = table_alloc();
        uint64_t base = *pde & PTE_ADDR & ~0x1fffffULL, flags = *pde & ~PTE_ADDR & ~PTE_PS;
        for (int i = 0; i < 512; i++)
            pt[i] = (base + ((uint64_t)i << 12)) | flags;
        *pde = (uintptr_t)pt | PTE_P | PTE_W;
        invlpg(va); /* whole 2 MiB range: reload CR3 below for safety */
        write_cr3(read_cr3());
    }
    return &table_at(*pde)[(va >> 12) & 511];
}

static uint64_t prot_bits(unsigned prot)
{
    if (prot & MMU_NONE)
        return 0;
    return PTE_P | ((prot & MMU_W) ? PTE_W : 0) | ((prot & MMU_X) ? 0 : PTE_NX);
}

int mmu_protect(uintptr_t va, size_t len, unsigned prot)
{
    for (uintptr_t p = ALIGN_DOWN(va, PAGE_SIZE); p < va + len; p += PAGE_SIZE) {
        uint64_t *pte = pte_of(p);
        if (!pte)
            return -EFAULT;
        /* Unmapped entries keep their address (identity map) for reference. */
        if (prot & MMU_NONE)
            *pte = p & PTE_ADDR;
        else
            *pte = (p & PTE_ADDR) | prot_bits(prot) | (*pte & (PTE_PCD | PTE_PWT));
        invlpg(p);
    }
    return 0;
}

int mmu_query(uintptr_t va, unsigned *prot)
{
    if (!pml4)
        return va < (1ULL << 30) ? 0 : -EFAULT; /* boot tables: first GiB */
    uint64_t *pde = pde_of(va);
    if (!pde || !(*pde & PTE_P))
        return -EFAULT;
    uint64_t e = *pde;
    if (!(e & PTE_PS)) {
        e = table_at(e)[(va >> 12) & 511];
        if (!(e & PTE_P))
            return -EFAULT;
    }
    if (prot)
        *prot = ((e & PTE_W) ? MMU_W : 0) | ((e & PTE_NX) ? 0 : MMU_X);
    return 0;
}

void mmu_init(void)
{
    uint64_t top = mem_top();
    uint64_t gigs = (top + (1ULL << 30) - 1) >> 30;
    if (gigs < 4)
        gigs = 4; /* the 32-bit PCI hole holds device registers */
    if (gigs > 512)
        gigs = 512;

    pml4 = table_alloc();
    uint64_t *pdpt = table_alloc();
    pml4[0] = (uintptr_t)pdpt | PTE_P | PTE_W;
    for (uint64_t g = 0; g < gigs; g++) {
        uint64_t *pd = table_alloc();
        pdpt[g] = (uintptr_t)pd | PTE_P | PTE_W;
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t pa = (g << 30) | (i << 21);
            uint64_t f = PTE_P | PTE_W | PTE_PS | PTE_NX;
            if (pa >= 0xC0000000ULL && pa < 0x100000000ULL)
                f |= PTE_PCD | PTE_PWT; /* device registers: uncached */
            pd[i] = pa | f;
        }
    }
    /* Refine, then switch: until the switch the boot tables (1 GiB,
     * identity, executable) still map everything these edits touch. */
    mmu_protect(0, PAGE_SIZE, MMU_NONE);
    mmu_protect((uintptr_t)__text_start, __text_end - __text_start, MMU_X);
    mmu_protect((uintptr_t)__rodata_start, __rodata_end - __rodata_start, 0);
    mmu_protect((uintptr_t)__syms_start,
                ALIGN_UP((uintptr_t)__image_end, PAGE_SIZE) - (uintptr_t)__syms_start, 0);
    mmu_protect((uintptr_t)boot_stack_guard, PAGE_SIZE, MMU_NONE);
    write_cr3((uintptr_t)pml4);
    switched = true;
}
