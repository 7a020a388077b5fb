/*
 * virtio-rng (virtio 1.0, 5.4): one request queue; the driver posts a
 * device-writable buffer and the device fills it with the host's random
 * bytes (QEMU's default backend reads the host's getrandom). /dev/random
 * and /dev/urandom read it (libc/random.c) when it is there.
 *
 * Started on the first read, not at boot, as the console is: an image that
 * never asks for randomness pays only the PCI scan for it. One request at
 * a time under a mutex; completions are polled through virtq_wait (no
 * interrupt), which naps between looks, since QEMU answers a request
 * within the notify under TCG.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <lucent/plat.h>
#include "../lib/kprintf.h"
#include "pci.h"
#include "virtio.h"
#include "virtio_rng.h"

#define RNG_CHUNK 256
#define RNG_TIMEOUT_NS 1000000000ULL

static struct {
    struct pci_dev *pci;
    bool started, failed;
    struct virtio_dev v;
    struct virtq q;
    unsigned char buf[RNG_CHUNK]; /* identity mapped: the device writes here */
    pthread_mutex_t lock;
} rng = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int rng_probe(struct pci_dev *pci)
{
    if (rng.pci)
        return -EBUSY; /* one source is enough */
    rng.pci = pci;
    return 0;
}

static int rng_start(void)
{
    int rc = virtio_pci_init(&rng.v, rng.pci, 1ULL << VIRTIO_F_VERSION_1);
    if (rc == 0 && (rc = virtq_setup(&rng.q, &rng.v, 0, 4)) != 0)
        virtio_pci_fail(&rng.v);
    if (rc == 0)
        virtio_pci_ready(&rng.v);
    return rc;
}

/* One request for up to RNG_CHUNK bytes: how many the device gave, or
 * -errno. */
static int rng_request(size_t want)
{
    struct virtq_buf b = {rng.buf, (uint32_t)want, true};
    uint32_t len = 0;
    if (virtq_add(&rng.q, &b, 1, rng.buf) != 0)
        return -EIO;
    virtq_kick(&rng.q);
    if (virtq_wait(&rng.q, lu_plat_now_ns() + RNG_TIMEOUT_NS) != 0)
        return -EIO; /* the buffer stays with the device: no more requests */
    while (virtq_get(&rng.q, &len))
        ;
    return (int)(len < want ? len : want);
}

int virtio_rng_read(void *buf, size_t n)
{
    int rc = 0;
    unsigned char *p = buf;
    pthread_mutex_lock(&rng.lock);
    if (!rng.pci || rng.failed)
        rc = -ENODEV;
    else if (!rng.started && (rc = rng_start()) != 0)
        rng.failed = true;
    else
        rng.started = true;
    while (rc == 0 && n) {
        int got = rng_request(n < RNG_CHUNK ? n : RNG_CHUNK);
        if (got <= 0) {
            kprintf("virtio-rng: the device stopped answering; using the CPU's source\n");
            rng.failed = true;
            rc = -ENODEV;
            break;
        }
        memcpy(p, rng.buf, (size_t)got);
        p += got;
        n -= (size_t)got;
    }
    pthread_mutex_unlock(&rng.lock);
    return rc;
}

// clang-format off
PCI_DRIVER(virtio_rng_driver, {
    .name = "virtio-rng",
    .vendor = VIRTIO_VENDOR,
    .ids = {0x1005, 0x1044}, /* transitional, modern */
    .probe = rng_probe,
});
// clang-format on
