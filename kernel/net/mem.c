/*
 * lwIP's heap (received frames and outgoing segments: PBUF_RAM) on the
 * kernel's malloc, with a cap sized from RAM. A fixed MEM_SIZE array in
 * .bss cost 512 KiB whatever the guest's size, an eighth of a 4 MiB guest
 * before a single frame arrived; from malloc an idle stack costs nothing
 * and a busy one grows as far as the cap. The cap keeps a flood of
 * connections from eating the memory thread stacks need: past it
 * mem_malloc fails, lwIP counts heap.err and drops or retries, as it
 * would with its own heap full.
 *
 * Each block carries its size in a 16-byte header (alignment kept), so
 * free() can give the bytes back to the budget.
 *
 * Headroom: the malloc heap grows up and the page allocator (thread
 * stacks) grows down into the same gap. In a small guest a burst of
 * connections lets stacks take the whole gap, and then lwIP cannot get
 * even the buffer for a 503: 55 failed allocations and 10 s of
 * retransmissions in one 24-client burst at 4 MiB. lu_net_mem_headroom()
 * grows the heap once, at start-up, by RAM/128 (16-64 KiB) and frees it:
 * the free space stays in the heap (newlib trims only past 128 KiB), where
 * stacks cannot take it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lwip/opt.h"
#include "lwip/stats.h"
#include "../mm/heap.h"

#define HDR 16

static size_t cap, in_use;

/* An eighth of RAM, at least 256 KiB and at most 2 MiB (the old fixed
 * heap was 512 KiB: reached at 4 MiB of RAM, passed from 8 MiB up). */
size_t lu_net_mem_cap(void)
{
    if (!cap) {
        size_t c = mem_top() / 8;
        cap = c < (256u << 10) ? (256u << 10) : c > (2u << 20) ? (2u << 20) : c;
#if MEM_STATS
        lwip_stats.mem.avail = (mem_size_t)cap;
#endif
    }
    return cap;
}

void *lu_net_mem_malloc(size_t n)
{
    size_t total = n + HDR, limit = lu_net_mem_cap();
    if (__atomic_add_fetch(&in_use, total, __ATOMIC_RELAXED) > limit) {
        __atomic_sub_fetch(&in_use, total, __ATOMIC_RELAXED);
        return NULL;
    }
    uint8_t *p = malloc(total);
    if (!p) {
        __atomic_sub_fetch(&in_use, total, __ATOMIC_RELAXED);
        return NULL;
    }
    *(size_t *)p = total;
    return p + HDR;
}

void *lu_net_mem_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = lu_net_mem_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void lu_net_mem_free(void *ptr)
{
    if (!ptr)
        return;
    uint8_t *p = (uint8_t *)ptr - HDR;
    __atomic_sub_fetch(&in_use, *(size_t *)p, __ATOMIC_RELAXED);
    free(p);
}

void lu_net_mem_headroom(void)
{
    size_t n = mem_top() / 128;
    n = n < (16u << 10) ? (16u << 10) : n > (64u << 10) ? (64u << 10) : n;
    free(malloc(n));
}
