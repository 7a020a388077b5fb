/*
 * virtio 1.0 for drivers: the modern PCI transport (virtio_pci.c) and split
 * virtqueues (virtqueue.c). A device driver (virtio_console.c) probes through
 * PCI_DRIVER, calls virtio_pci_init to negotiate features, sets up its queues
 * with virtq_setup, then virtio_pci_ready.
 *
 * Completion: virtq_get never waits; virtq_wait waits through
 * kernel_wait_event (drivers.c), which naps in the scheduler with interrupts
 * on and spins with them off. Callers that run with interrupts off (gdb
 * stub, panic) may loop on virtq_get, which needs nothing but memory reads.
 */
#ifndef LU_KERNEL_VIRTIO_H
#define LU_KERNEL_VIRTIO_H
#include <stdbool.h>
#include <stdint.h>
#include "pci.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_F_VERSION_1 32
/* Ring feature, negotiated for every device by virtio_pci_init and used by
 * virtqueue.c alone: notifications in either direction name a ring index
 * (used_event, avail_event) instead of an on/off flag. */
#define VIRTIO_F_EVENT_IDX 29

#define VIRTIO_STATUS_ACK 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED 128

struct virtio_pci_common_cfg; /* virtio_pci.c */

struct virtio_dev {
    struct pci_dev *pci;
    volatile struct virtio_pci_common_cfg *common;
    volatile uint8_t *notify_base;
    uint32_t notify_mult;
    volatile uint8_t *isr;
    volatile uint8_t *device_cfg; /* the device-specific configuration */
    uint64_t features;            /* negotiated */
    uint16_t num_queues;
};

/* Finds the vendor capabilities, resets the device, and negotiates:
 * the result is (device features & @wanted), which must include
 * VIRTIO_F_VERSION_1, plus VIRTIO_F_EVENT_IDX where the device offers it. Leaves the device at FEATURES_OK.
 */
int virtio_pci_init(struct virtio_dev *v, struct pci_dev *pci, uint64_t wanted);
/* DRIVER_OK: queues set up, the device may start using them. */
void virtio_pci_ready(struct virtio_dev *v);
/* FAILED, after which the device is left alone. */
void virtio_pci_fail(struct virtio_dev *v);
/* Transport side of virtq_setup: the device's size limit for queue @index
 * (0: no such queue), and enabling it at the given ring addresses. */
uint16_t virtio_pci_queue_max(struct virtio_dev *v, uint16_t index);
volatile uint16_t *virtio_pci_queue_enable(struct virtio_dev *v, uint16_t index, uint16_t size,
                                           uintptr_t desc, uintptr_t avail, uintptr_t used);
/* Routes interrupts of queue @index (VIRTIO_PCI_CONFIG: configuration
 * changes) to MSI-X table entry @entry (set up with pci_msix_route, msix.h).
 * Returns 0, or -EIO when the device refuses the entry. */
#define VIRTIO_PCI_CONFIG 0xFFFF
int virtio_pci_set_msix(struct virtio_dev *v, uint16_t index, uint16_t entry);
static inline bool virtio_has(const struct virtio_dev *v, unsigned bit) { return (v->features >> bit) & 1; }

/* The split ring (virtio 1.0, 2.4), laid out by virtq_setup. */
struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
struct virtq_avail {
    uint16_t flags, idx, ring[];
};
struct virtq_used_elem {
    uint32_t id, len;
};
struct virtq_used {
    uint16_t flags, idx;
    struct virtq_used_elem ring[];
};
#define VIRTQ_USED_F_NO_NOTIFY 1

/* The stall detector's view of one queue (virtq_watch.c owns it). */
struct virtq_watch {
    void (*handler)(void *); /* what the queue's interrupt runs, if the driver takes completions on it */
    void *arg;
    uint16_t used_seen, last_used_seen; /* the indices at the last look */
    uint64_t still_since;               /* when they last moved (ns) */
    bool logged;                        /* a stall of this queue was logged already */
    uint64_t stalls_irq, stalls_notify; /* lucent_virtio_queue_stalls_total */
};

struct virtq {
    struct virtio_dev *dev;
    uint16_t index, size;
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    volatile struct virtq_used *used;
    volatile uint16_t *notify;
    uint16_t free_head, num_free, last_used;
    bool event_idx;      /* VIRTIO_F_EVENT_IDX: avail_event/used_event, not flags */
    uint16_t kicked_idx; /* avail->idx at the last kick, for avail_event */
    void **cookie;       /* per head descriptor: what virtq_get hands back */
    uint16_t *chain_len; /* per head descriptor: descriptors in its chain */
    void *pages;
    size_t npages;
    /* operations, for lucent_virtio_queue_operations_total (kernel/metrics.c) */
    uint64_t n_add, n_notify, n_used;
    struct virtq_watch watch; /* virtq_watch.c's stall detector */
};

/* Every queue set up so far, for metrics; at most VIRTQ_REGISTRY_MAX. */
#define VIRTQ_REGISTRY_MAX 64
struct virtq *virtq_registered(unsigned i);

/* One buffer of a request: device-readable (out) or device-writable (in). */
struct virtq_buf {
    void *addr;
    uint32_t len;
    bool device_writes;
};

/* Allocates and enables queue @index with at most @max_size entries
 * (rounded down to the device's limit and to a power of two). */
int virtq_setup(struct virtq *q, struct virtio_dev *v, uint16_t index, uint16_t max_size);

/* Makes @n buffers one request; @cookie comes back from virtq_get when the
 * device is done with it. Returns 0 or -ENOSPC. Does not notify. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *cookie);

/* Tells the device about requests added since the last kick, unless it
 * does not need to know: with VIRTIO_F_EVENT_IDX, unless it is still busy
 * with earlier ones (it will find these when it gets to them). */
void virtq_kick(struct virtq *q);

/* Takes one completed request: returns its cookie and the bytes the device
 * wrote in *len, or NULL when none is ready. Never waits. With
 * VIRTIO_F_EVENT_IDX the device interrupts only for a completion after
 * the last one taken, so a driver that waits for an interrupt must first
 * take everything (call until NULL), as every driver here does. A used id outside
 * the ring, or one that is not in flight, panics: the device is broken and
 * trusting it would corrupt memory. */
void *virtq_get(struct virtq *q, uint32_t *len);

/* True when virtq_get would return a request. */
bool virtq_pending(const struct virtq *q);

/* The stall detector (virtq_watch.c). A queue whose driver takes
 * completions when its interrupt fires names that interrupt's handler:
 * completions left untaken for the stall time (virtio_stall_ms, 2000 by
 * default) mean a lost interrupt, and the detector counts it, logs it once
 * and runs the handler. Every queue is also checked for a lost notify:
 * buffers the device has not taken while nothing moved get one probing
 * notify, and progress right after it counts as a stall. */
void virtq_watch_irq(struct virtq *q, void (*handler)(void *), void *arg);
/* Sends the device a notify for queue @q now (the detector's probe). */
void virtq_notify(struct virtq *q);
/* Starts the detector's thread, after the drivers have set up their queues. */
void virtq_watch_start(void);

/* Waits until a request completes or lu_plat_now_ns() passes @deadline_ns
 * (UINT64_MAX: forever). Returns 0 or -ETIMEDOUT. */
int virtq_wait(struct virtq *q, uint64_t deadline_ns);

#endif
