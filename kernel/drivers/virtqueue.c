/*
 * Split virtqueues (virtio 1.0, 2.4), driver side.
 *
 * One allocation of whole pages holds the descriptor table and the
 * available ring, then (page-aligned) the used ring, then our bookkeeping:
 * the cookie of each in-flight request, indexed by its head descriptor, and
 * its chain length. Identity mapping makes every pointer a DMA address.
 *
 * Nothing here sleeps or needs interrupts: virtq_get is a few memory reads,
 * which is what the gdb stub and the panic path rely on. virtq_wait is the
 * one place that waits, through kernel_wait_event(), so an interrupt-driven
 * scheduler changes how it waits without touching the ring logic.
 *
 * Not thread-safe: each queue has one owner (its driver), which serializes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/plat.h>
#include <arch/device_mb.h>
#include "../kernel.h"
#include "../mm/pages.h"
#include "drivers.h"
#include "virtio.h"

#define barrier() __asm__ volatile("" ::: "memory")

/* Tracing (category "virtio"): each kick (and whether the device asked for
 * the notify) and each used buffer taken back, per queue. */
#include <lucent/trace.h>
LU_TRACEPOINT(virtq_kick, "virtio", INSTANT, (uint32_t, queue), (uint32_t, avail_idx), (bool, notify));
LU_TRACEPOINT(virtq_used, "virtio", INSTANT, (uint32_t, queue), (uint32_t, id), (uint32_t, len));

/* virtio_torture=NS: spin that long between publishing an index and
 * reading the other side's, so that a device update lands in the window
 * far more often than it would by chance; a lost wake-up then shows in
 * seconds instead of one boot in several (tests/integration). */
static uint64_t torture_ns;

static void torture_delay(void)
{
    if (!torture_ns)
        return;
    uint64_t end = lu_plat_now_ns() + torture_ns;
    while (lu_plat_now_ns() < end)
        __asm__ volatile("pause");
}

/* virtio_drop_notify=N: skip every Nth notify the device asked for, the
 * bug the stall detector exists to catch (its test injects it). */
static unsigned drop_every, kicks_needed;

static struct virtq *registry[VIRTQ_REGISTRY_MAX];
static unsigned nregistered;

struct virtq *virtq_registered(unsigned i)
{
    return i < __atomic_load_n(&nregistered, __ATOMIC_ACQUIRE) ? registry[i] : NULL;
}

static void remember(struct virtq *q)
{
    for (unsigned i = 0; i < nregistered; i++)
        if (registry[i] == q)
            return;
    if (nregistered < VIRTQ_REGISTRY_MAX) {
        registry[nregistered] = q;
        __atomic_store_n(&nregistered, nregistered + 1, __ATOMIC_RELEASE);
    }
}

int virtq_setup(struct virtq *q, struct virtio_dev *v, uint16_t index, uint16_t max_size)
{
    uint16_t dev_max = virtio_pci_queue_max(v, index);
    if (!dev_max)
        return -ENOENT;
    uint16_t n = dev_max < max_size ? dev_max : max_size;
    while (n & (n - 1))
        n &= n - 1; /* a power of two keeps index arithmetic a mask */

    size_t ring_bytes = 16u * n + 6 + 2u * n;
    size_t used_off = ALIGN_UP(ring_bytes, PAGE_SIZE);
    size_t book_off = used_off + ALIGN_UP(6 + 8u * n, 8);
    size_t total = book_off + sizeof(void *) * n + sizeof(uint16_t) * n;
    size_t npages = ALIGN_UP(total, PAGE_SIZE) / PAGE_SIZE;
    uint8_t *mem = pages_alloc(npages);
    if (!mem)
        return -ENOMEM;
    memset(mem, 0, npages * PAGE_SIZE);

    *q = (struct virtq){.dev = v, .index = index, .size = n, .pages = mem, .npages = npages};
    q->desc = (struct virtq_desc *)mem;
    q->avail = (struct virtq_avail *)(mem + 16u * n);
    q->used = (volatile struct virtq_used *)(mem + used_off);
    q->cookie = (void **)(mem + book_off);
    q->chain_len = (uint16_t *)(mem + book_off + sizeof(void *) * n);
    for (uint16_t i = 0; i < n; i++)
        q->desc[i].next = (uint16_t)(i + 1);
    q->num_free = n;
    q->event_idx = virtio_has(v, VIRTIO_F_EVENT_IDX);
    const char *t = lu_plat_getopt("virtio_torture");
    torture_ns = t ? strtoull(t, NULL, 10) : 0;
    const char *d = lu_plat_getopt("virtio_drop_notify");
    drop_every = d ? (unsigned)strtoul(d, NULL, 10) : 0;
    q->notify =
        virtio_pci_queue_enable(v, index, n, (uintptr_t)q->desc, (uintptr_t)q->avail, (uintptr_t)q->used);
    remember(q);
    return 0;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *cookie)
{
    LU_ASSERT(cookie != NULL && n > 0);
    if (n > q->num_free)
        return -ENOSPC;
    uint16_t head = q->free_head, i = head, last = head;
    for (unsigned k = 0; k < n; k++) {
        struct virtq_desc *d = &q->desc[i];
        d->addr = (uintptr_t)bufs[k].addr;
        d->len = bufs[k].len;
        d->flags = (uint16_t)((bufs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
                              (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        last = i;
        i = d->next;
    }
    q->free_head = q->desc[last].next;
    q->num_free = (uint16_t)(q->num_free - n);
    q->cookie[head] = cookie;
    q->chain_len[head] = (uint16_t)n;
    q->avail->ring[q->avail->idx & (q->size - 1)] = head;
    barrier(); /* the ring entry before the index that publishes it (x86: stores stay ordered) */
    q->avail->idx++;
    q->n_add++;
    return 0;
}

/* The event fields sit just past each ring (virtio 1.0, 2.4.7 and 2.4.8):
 * used_event after the available ring (the used index at which the driver
 * wants an interrupt), avail_event after the used ring (the available
 * index at which the device wants a notify). virtq_setup left room. */
static volatile uint16_t *used_event(struct virtq *q) { return &q->avail->ring[q->size]; }
static volatile uint16_t *avail_event(struct virtq *q)
{
    return (volatile uint16_t *)&q->used->ring[q->size];
}

/* Whether moving an index from @old to @new crossed @event (the spec's
 * vring_need_event): the other side asked to hear of entry @event. */
static bool crossed(uint16_t event, uint16_t new, uint16_t old)
{
    return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

void virtq_notify(struct virtq *q)
{
    *q->notify = q->index;
    q->n_notify++;
}

/*
 * Why EVENT_IDX: without it the device's only choice is "notify me or
 * not", and QEMU always says yes, so a receive buffer given back costs an
 * exit and a wake-up of QEMU's main loop although QEMU still holds 15
 * others. With it QEMU says where it has got to (avail_event = the next
 * entry it will take), and a refill it has not reached yet needs no
 * notify: it will see it when it gets there. That is half the exits of a
 * gdb round trip over virtio-serial (bench/gdb).
 */
void virtq_kick(struct virtq *q)
{
    /* Our idx store must be visible before we read the device's event
     * field or flag, or we could skip a notify the device needs: a
     * store-load fence that the device emulator honours (device_mb.h). */
    device_mb();
    torture_delay();
    uint16_t new = q->avail->idx, old = q->kicked_idx;
    bool notify =
        q->event_idx ? crossed(*avail_event(q), new, old) : !(q->used->flags & VIRTQ_USED_F_NO_NOTIFY);
    q->kicked_idx = new;
    if (notify && drop_every && ++kicks_needed % drop_every == 0)
        notify = false;
    lu_trace_virtq_kick(q->index, new, notify);
    if (notify)
        virtq_notify(q);
}

bool virtq_pending(const struct virtq *q) { return q->used->idx != q->last_used; }

/* With VIRTIO_F_EVENT_IDX: asks for an interrupt at the next completion
 * after those taken, then looks again. Either we see a completion the
 * device made before it read our request, or the device sees the request
 * and interrupts: both sides fence between their store and their load
 * (the device in QEMU's virtio_should_notify, we in device_mb). Returns
 * whether a completion is waiting. */
static bool arm_and_recheck(struct virtq *q)
{
    if (q->event_idx) {
        *used_event(q) = q->last_used;
        device_mb();
        torture_delay();
    }
    return virtq_pending(q);
}

void *virtq_get(struct virtq *q, uint32_t *len)
{
    /* Only an empty ring needs the interrupt armed (and the fence that
     * costs): while completions are waiting, we take them. */
    if (!virtq_pending(q) && !arm_and_recheck(q))
        return NULL;
    barrier(); /* read the element after the index that published it */
    volatile struct virtq_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
    uint32_t id = e->id, n = e->len;
    if (id >= q->size || !q->cookie[id])
        LU_PANIC("virtio: device %04x:%04x queue %u returned descriptor id %u, %s (ring size %u)",
                 q->dev->pci->vendor, q->dev->pci->device, q->index, id,
                 id >= q->size ? "out of range" : "not in flight", q->size);
    q->last_used++;
    q->n_used++;
    lu_trace_virtq_used(q->index, id, n);
    void *cookie = q->cookie[id];
    q->cookie[id] = NULL;
    /* Return the chain to the free list. */
    uint16_t last = (uint16_t)id;
    for (uint16_t k = 1; k < q->chain_len[id]; k++)
        last = q->desc[last].next;
    q->desc[last].next = q->free_head;
    q->free_head = (uint16_t)id;
    q->num_free = (uint16_t)(q->num_free + q->chain_len[id]);
    if (len)
        *len = n;
    return cookie;
}

int virtq_wait(struct virtq *q, uint64_t deadline_ns)
{
    while (!arm_and_recheck(q)) {
        if (lu_plat_now_ns() >= deadline_ns)
            return -ETIMEDOUT;
        kernel_wait_event(deadline_ns);
    }
    return 0;
}
