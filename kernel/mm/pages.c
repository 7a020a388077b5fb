/*
 * Whole-page allocation for stacks and device memory, from the top of RAM
 * downwards (the heap grows up from the image to meet it). Freed runs go on
 * a first-fit free list that keeps the run length in the first page.
 */
#include <errno.h>
#include <stddef.h>
#include "../kernel.h"
#include "heap.h"
#include "pages.h"

struct free_run {
    struct free_run *next;
    size_t pages;
};

static uintptr_t low_mark; /* lowest page handed out so far */
static struct free_run *free_list;
static size_t pages_in_use;

uintptr_t pages_low_mark(void) { return low_mark ? low_mark : mem_top(); }

void *pages_alloc(size_t n)
{
    for (struct free_run **pp = &free_list; *pp; pp = &(*pp)->next) {
        struct free_run *r = *pp;
        if (r->pages < n)
            continue;
        if (r->pages == n) {
            *pp = r->next;
        } else {
            struct free_run *rest = (void *)((uintptr_t)r + n * PAGE_SIZE);
            rest->next = r->next;
            rest->pages = r->pages - n;
            *pp = rest;
        }
        pages_in_use += n;
        return r;
    }
    uintptr_t lo = pages_low_mark() - n * PAGE_SIZE;
    if (lo < ALIGN_UP(heap_break(), PAGE_SIZE) || lo > pages_low_mark())
        return NULL;
    low_mark = lo;
    pages_in_use += n;
    return (void *)lo;
}

void pages_free(void *p, size_t n)
{
    struct free_run *r = p;
    r->pages = n;
    r->next = free_list;
    free_list = r;
    pages_in_use -= n;
}

size_t pages_used_bytes(void) { return pages_in_use * PAGE_SIZE; }
