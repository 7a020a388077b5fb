/* RAM and newlib's heap (heap.c): sbrk grows from the image's end up to
 * the lowest page pages.c handed out. */
#ifndef LU_KERNEL_HEAP_H
#define LU_KERNEL_HEAP_H
#include <stddef.h>
#include <stdint.h>

void heap_init(void);
uintptr_t mem_top(void); /* the end of RAM, from the PVH memory map */
size_t heap_used(void);
size_t heap_free(void);
uintptr_t heap_break(void);

#endif
