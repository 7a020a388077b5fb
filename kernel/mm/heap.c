/*
 * The heap newlib's malloc grows through sbrk(): the RAM from the end of
 * the image up to the top of the largest RAM range in the PVH memory map.
 * Thread stacks and DMA pages come from mm/pages.c, which takes whole pages
 * from the top of the same range downwards; the two meet in the middle.
 */
#include <errno.h>
#include <lucent/trace.h>
#include <arch/pvh.h>
#include <arch/sections.h>
#include "../boot/boot.h"
#include "../kernel.h"
#include "heap.h"
#include "pages.h"

static uintptr_t heap_start, heap_brk, ram_top;

/* The end of the RAM range that holds the image. */
uintptr_t mem_top(void)
{
    if (ram_top)
        return ram_top;
    struct hvm_memmap_entry *e = (void *)(uintptr_t)boot_info->memmap_paddr;
    uintptr_t img = (uintptr_t)__image_start;
    for (uint32_t i = 0; i < boot_info->memmap_entries; i++)
        if (e[i].type == E820_RAM && e[i].addr <= img && img < e[i].addr + e[i].size)
            ram_top = ALIGN_DOWN(e[i].addr + e[i].size, PAGE_SIZE);
    if (!ram_top)
        ram_top = 32UL << 20; /* no usable map: assume QEMU's smallest sane size */
    return ram_top;
}

void heap_init(void)
{
    heap_start = heap_brk = ALIGN_UP((uintptr_t)__image_end, PAGE_SIZE);
    mem_top();
}

/* The heap's size after each sbrk, as a counter track "sbrk" (bytes). */
LU_TRACEPOINT(sbrk, "syscall", COUNTER, (uint64_t, heap_bytes));

void *sbrk(ptrdiff_t incr)
{
    uintptr_t old = heap_brk, limit = pages_low_mark();
    if (incr > 0 && (uintptr_t)incr > limit - heap_brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    if (incr < 0 && (uintptr_t)-incr > heap_brk - heap_start) {
        errno = EINVAL;
        return (void *)-1;
    }
    heap_brk += incr;
    lu_trace_sbrk(heap_brk - heap_start);
    return (void *)old;
}

size_t heap_used(void) { return heap_brk - heap_start; }
size_t heap_free(void) { return pages_low_mark() - heap_brk; }
uintptr_t heap_break(void) { return heap_brk; }
