/* The kernel's random bytes (random.c), behind /dev/random and
 * /dev/urandom. */
#ifndef LU_KERNEL_RANDOM_H
#define LU_KERNEL_RANDOM_H
#include <stddef.h>

/* Fills @buf with @n random bytes: 0, or -errno (-EIO from a failed
 * device). */
int random_fill(void *buf, size_t n);

#endif
