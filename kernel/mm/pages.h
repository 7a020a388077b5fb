/* Whole pages (pages.c), from the top of RAM down towards the heap. */
#ifndef LU_KERNEL_PAGES_H
#define LU_KERNEL_PAGES_H
#include <stddef.h>
#include <stdint.h>

void *pages_alloc(size_t n);
void pages_free(void *p, size_t n);
/* The lowest address handed out so far (mem_top() before the first); the
 * heap may grow up to it. */
uintptr_t pages_low_mark(void);
size_t pages_used_bytes(void);

#endif
