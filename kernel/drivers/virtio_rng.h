/* virtio-rng (virtio_rng.c): the host's random bytes, where QEMU offers
 * the device (the launcher adds one). */
#ifndef LU_KERNEL_VIRTIO_RNG_H
#define LU_KERNEL_VIRTIO_RNG_H
#include <stddef.h>

/* Fills @buf with @n bytes from the device: 0, -ENODEV when there is no
 * device (or it failed to start), -EIO when it stopped answering. */
int virtio_rng_read(void *buf, size_t n);

#endif
