/*
 * Random bytes for /dev/random and /dev/urandom: the virtio-rng device
 * where QEMU offers one (drivers/virtio_rng.c, which gives the host's
 * /dev/urandom), else getentropy's source (entropy.c: RDRAND, or weak TSC
 * mixing on a CPU without it), 256 bytes at a time as getentropy allows.
 */
#include <errno.h>
#include <unistd.h>
#include "../drivers/virtio_rng.h"
#include "random.h"

int random_fill(void *buf, size_t n)
{
    if (virtio_rng_read(buf, n) == 0)
        return 0;
    unsigned char *p = buf;
    while (n) {
        size_t k = n < 256 ? n : 256;
        if (getentropy(p, k) < 0)
            return -errno;
        p += k;
        n -= k;
    }
    return 0;
}
