/*
 * The virtio 1.0 PCI transport ("modern"), found through vendor-specific
 * PCI capabilities that point into the device's BARs. Transitional devices
 * (1af4:1000-103f) also offer the legacy I/O-port interface; it is ignored
 * here. Owns reset, feature negotiation, status and queue registration;
 * ring memory belongs to virtqueue.c. Every queue and the config change
 * start at VIRTIO_MSI_NO_VECTOR; a driver that wants interrupts points them
 * at an MSI-X entry with virtio_pci_set_msix (the entry's vector is msix.c's
 * business).
 */
#include <errno.h>
#include <string.h>
#include <lucent/plat.h>
#include "virtio.h"

struct virtio_pci_common_cfg {
    uint32_t device_feature_select, device_feature;
    uint32_t driver_feature_select, driver_feature;
    uint16_t msix_config, num_queues;
    uint8_t device_status, config_generation;
    uint16_t queue_select, queue_size, queue_msix_vector, queue_enable, queue_notify_off;
    uint32_t queue_desc_lo, queue_desc_hi;
    uint32_t queue_avail_lo, queue_avail_hi;
    uint32_t queue_used_lo, queue_used_hi;
};
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 56, "virtio 1.0, 4.1.4.3");

enum { CAP_COMMON = 1, CAP_NOTIFY = 2, CAP_ISR = 3, CAP_DEVICE = 4 };
#define VIRTIO_MSI_NO_VECTOR 0xFFFF

/* The BAR region a capability points at, or NULL if it lies outside an
 * assigned memory BAR. */
static volatile uint8_t *cap_region(struct pci_dev *pci, unsigned cap)
{
    uint8_t bar = pci_read8(pci, cap + 4);
    uint32_t off = pci_read32(pci, cap + 8), len = pci_read32(pci, cap + 12);
    if (bar >= PCI_MAX_BARS)
        return NULL;
    const struct pci_bar *b = &pci->bar[bar];
    if (!b->addr || b->io || (uint64_t)off + len > b->size)
        return NULL;
    return (volatile uint8_t *)(uintptr_t)(b->addr + off);
}

static void set_status(struct virtio_dev *v, uint8_t bits)
{
    v->common->device_status = v->common->device_status | bits;
}

int virtio_pci_init(struct virtio_dev *v, struct pci_dev *pci, uint64_t wanted)
{
    *v = (struct virtio_dev){.pci = pci};
    for (unsigned cap = pci_find_cap(pci, PCI_CAP_VENDOR, 0); cap;
         cap = pci_find_cap(pci, PCI_CAP_VENDOR, cap)) {
        uint8_t type = pci_read8(pci, cap + 3);
        volatile uint8_t *r = cap_region(pci, cap);
        /* The first capability of each type is the preferred one (4.1.4). */
        if (type == CAP_COMMON && !v->common)
            v->common = (volatile void *)r;
        else if (type == CAP_NOTIFY && !v->notify_base && r) {
            v->notify_base = r;
            v->notify_mult = pci_read32(pci, cap + 16);
        } else if (type == CAP_ISR && !v->isr)
            v->isr = r;
        else if (type == CAP_DEVICE && !v->device_cfg)
            v->device_cfg = r;
    }
    if (!v->common || !v->notify_base)
        return -ENODEV; /* legacy-only device */

    volatile struct virtio_pci_common_cfg *c = v->common;
    c->device_status = 0; /* reset; done when it reads back 0 */
    for (int spin = 0; c->device_status != 0; spin++)
        if (spin > 1000000)
            return -EIO;
    set_status(v, VIRTIO_STATUS_ACK);
    set_status(v, VIRTIO_STATUS_DRIVER);

    c->device_feature_select = 0;
    uint64_t dev = c->device_feature;
    c->device_feature_select = 1;
    dev |= (uint64_t)c->device_feature << 32;
    /* virtio_event_idx=off: the flag-based notifies, for comparison. */
    const char *ei = lu_plat_getopt("virtio_event_idx");
    if (!ei || strcmp(ei, "off") != 0)
        wanted |= 1ULL << VIRTIO_F_EVENT_IDX;
    v->features = dev & wanted;
    if (!virtio_has(v, VIRTIO_F_VERSION_1)) {
        virtio_pci_fail(v);
        return -ENOTSUP;
    }
    c->driver_feature_select = 0;
    c->driver_feature = (uint32_t)v->features;
    c->driver_feature_select = 1;
    c->driver_feature = (uint32_t)(v->features >> 32);
    set_status(v, VIRTIO_STATUS_FEATURES_OK);
    if (!(c->device_status & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_pci_fail(v);
        return -ENOTSUP;
    }
    c->msix_config = VIRTIO_MSI_NO_VECTOR;
    v->num_queues = c->num_queues;
    return 0;
}

void virtio_pci_ready(struct virtio_dev *v) { set_status(v, VIRTIO_STATUS_DRIVER_OK); }
void virtio_pci_fail(struct virtio_dev *v) { set_status(v, VIRTIO_STATUS_FAILED); }

uint16_t virtio_pci_queue_max(struct virtio_dev *v, uint16_t index)
{
    if (index >= v->num_queues)
        return 0;
    v->common->queue_select = index;
    return v->common->queue_size;
}

volatile uint16_t *virtio_pci_queue_enable(struct virtio_dev *v, uint16_t index, uint16_t size,
                                           uintptr_t desc, uintptr_t avail, uintptr_t used)
{
    volatile struct virtio_pci_common_cfg *c = v->common;
    c->queue_select = index;
    c->queue_size = size;
    c->queue_msix_vector = VIRTIO_MSI_NO_VECTOR;
    c->queue_desc_lo = (uint32_t)desc;
    c->queue_desc_hi = (uint32_t)((uint64_t)desc >> 32);
    c->queue_avail_lo = (uint32_t)avail;
    c->queue_avail_hi = (uint32_t)((uint64_t)avail >> 32);
    c->queue_used_lo = (uint32_t)used;
    c->queue_used_hi = (uint32_t)((uint64_t)used >> 32);
    uint16_t off = c->queue_notify_off;
    c->queue_enable = 1;
    return (volatile uint16_t *)(v->notify_base + (uintptr_t)off * v->notify_mult);
}

int virtio_pci_set_msix(struct virtio_dev *v, uint16_t index, uint16_t entry)
{
    volatile struct virtio_pci_common_cfg *c = v->common;
    if (index == VIRTIO_PCI_CONFIG) {
        c->msix_config = entry;
        return c->msix_config == entry ? 0 : -EIO;
    }
    c->queue_select = index;
    c->queue_msix_vector = entry;
    return c->queue_msix_vector == entry ? 0 : -EIO;
}
