/*
 * The virtio-net device (virtio 1.0, 5.1): one receive and one transmit
 * queue, interrupt-driven receive through MSI-X, MAC address and link status
 * from the device's configuration space.
 *
 * Receive: the ring is kept full of driver-owned 2 KiB buffers. The MSI-X
 * handler only wakes the receive thread; that thread copies each frame into
 * a pbuf of exactly its size from lwIP's heap (PBUF_RAM), hands it to lwIP
 * (tcpip_input) and reposts the buffer. A copy per frame costs far less
 * than a trip through the emulated device, keeps lwIP the only owner of
 * pbufs (so its stats show leaks), and sizes memory to the traffic: 200
 * clients' small requests waiting to be read take 200 small pbufs, not 200
 * 1.5 KiB pool buffers (a fixed pool ran out at that load and dropped).
 *
 * Transmit: linkoutput copies the frame behind a zeroed virtio-net header
 * into a free transmit buffer; finished buffers are reclaimed on the next
 * send (no transmit interrupt is needed). lwIP calls linkoutput with the
 * core lock held, so the transmit queue has one user at a time.
 *
 * Offloads: none are negotiated. Checksum offload (VIRTIO_NET_F_CSUM and
 * GUEST_CSUM) would let the device fill or skip checksums, but lwIP would
 * then need per-packet "checksum partial" handling it does not have; QEMU's
 * user network computes checksums in software either way. lwIP generates
 * and verifies every checksum itself (lwipopts.h), and no mergeable buffers
 * or TSO: every frame fits one 1526-byte buffer.
 */
#include <errno.h>
#include <string.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/snmp.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"
#include "../kernel.h"
#include "../lib/klog.h"
#include "../lib/kprintf.h"
#include "../mm/heap.h"
#include "../mm/pages.h"
#include "../sched/sched.h"
#include "msix.h"
#include "virtio.h"
#include "virtio_net.h"

#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1

/* virtio 1.0's header (num_buffers is always there with VERSION_1). */
struct vnet_hdr {
    uint8_t flags, gso_type;
    uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
};
_Static_assert(sizeof(struct vnet_hdr) == 12, "virtio 1.0, 5.1.6");

struct vnet_cfg {
    uint8_t mac[6];
    uint16_t status;
};

#define QSIZE 256 /* the most buffers per queue */
#define QSIZE_MIN 32
#define BUF_SIZE 2048 /* header + a 1514-byte frame, rounded for alignment */
#define TX_WAIT_NS 1000000000ull

static struct vnet {
    struct virtio_dev v;
    struct virtq rx, tx;
    uint8_t *rx_mem, *tx_mem;
    void *tx_free[QSIZE];
    int tx_nfree;
    bool has_status;
    uint16_t link;
    struct netif *nif;
    struct lu_waitq rx_wait;
    volatile uint64_t irqs;
    struct virtio_net_stats stats;
} dev;
static bool present;

bool virtio_net_present(void) { return present; }

void virtio_net_get_stats(struct virtio_net_stats *out)
{
    *out = dev.stats;
    out->interrupts = dev.irqs;
}

static volatile struct vnet_cfg *cfg(void) { return (volatile struct vnet_cfg *)dev.v.device_cfg; }

static uint16_t link_status(void)
{
    return dev.has_status ? (cfg()->status & VIRTIO_NET_S_LINK_UP) : VIRTIO_NET_S_LINK_UP;
}

/* Runs with interrupts off: wake the receive thread, nothing else. Both
 * used-ring updates and configuration changes (link) arrive here. */
static void vnet_irq(void *arg)
{
    dev.irqs++;
    sched_wake_all(&dev.rx_wait);
}

static void rx_post(void *buf)
{
    struct virtq_buf b = {buf, BUF_SIZE, true};
    if (virtq_add(&dev.rx, &b, 1, buf) != 0)
        LU_PANIC("virtio-net: receive ring overflow"); /* we never post more than it holds */
}

static void rx_deliver(uint8_t *buf, uint32_t len)
{
    struct netif *nif = dev.nif;
    if (len <= sizeof(struct vnet_hdr) || !nif)
        return;
    len -= sizeof(struct vnet_hdr);
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
    if (!p) {
        dev.stats.rx_dropped++;
        LINK_STATS_INC(link.memerr);
        return;
    }
    pbuf_take(p, buf + sizeof(struct vnet_hdr), (u16_t)len);
    dev.stats.rx_packets++;
    dev.stats.rx_bytes += len;
    LINK_STATS_INC(link.recv);
    if (nif->input(p, nif) != ERR_OK) {
        dev.stats.rx_dropped++;
        LINK_STATS_INC(link.drop);
        pbuf_free(p);
    }
}

static void link_changed(uint16_t now)
{
    dev.link = now;
    LOCK_TCPIP_CORE();
    if (now)
        netif_set_link_up(dev.nif);
    else
        netif_set_link_down(dev.nif);
    UNLOCK_TCPIP_CORE();
}

static void *rx_main(void *arg)
{
    for (;;) {
        uint64_t seen = dev.irqs;
        unsigned long f = irq_save();
        while (!virtq_pending(&dev.rx) && dev.irqs == seen)
            sched_block(&dev.rx_wait, 0);
        irq_restore(f);
        uint16_t l = link_status();
        if (l != dev.link)
            link_changed(l);
        void *buf;
        uint32_t len;
        int n = 0;
        while ((buf = virtq_get(&dev.rx, &len))) {
            rx_deliver(buf, len);
            rx_post(buf);
            n++;
        }
        if (n)
            virtq_kick(&dev.rx);
    }
    return NULL;
}

static void tx_reclaim(void)
{
    void *buf;
    uint32_t len;
    while ((buf = virtq_get(&dev.tx, &len)))
        dev.tx_free[dev.tx_nfree++] = buf;
}

static err_t vnet_linkoutput(struct netif *nif, struct pbuf *p)
{
    tx_reclaim();
    uint64_t deadline = 0;
    while (dev.tx_nfree == 0) {
        /* QEMU finishes transmits from its own loop: give it a moment. */
        if (!deadline)
            deadline = lu_plat_now_ns() + TX_WAIT_NS;
        if (lu_plat_now_ns() > deadline) {
            dev.stats.tx_dropped++;
            LINK_STATS_INC(link.drop);
            return ERR_MEM;
        }
        sched_yield_now();
        tx_reclaim();
    }
    if (p->tot_len > BUF_SIZE - sizeof(struct vnet_hdr))
        return ERR_BUF;
    uint8_t *buf = dev.tx_free[--dev.tx_nfree];
    memset(buf, 0, sizeof(struct vnet_hdr));
    pbuf_copy_partial(p, buf + sizeof(struct vnet_hdr), p->tot_len, 0);
    struct virtq_buf b = {buf, (uint32_t)(sizeof(struct vnet_hdr) + p->tot_len), false};
    if (virtq_add(&dev.tx, &b, 1, buf) != 0) {
        dev.tx_free[dev.tx_nfree++] = buf;
        return ERR_MEM;
    }
    virtq_kick(&dev.tx);
    dev.stats.tx_packets++;
    dev.stats.tx_bytes += p->tot_len;
    LINK_STATS_INC(link.xmit);
    return ERR_OK;
}

err_t virtio_net_netif_init(struct netif *nif)
{
    if (!present)
        return ERR_IF;
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->hwaddr_len = ETH_HWADDR_LEN;
    for (int i = 0; i < ETH_HWADDR_LEN; i++)
        nif->hwaddr[i] = cfg()->mac[i];
    nif->mtu = 1500;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    nif->output = etharp_output;
    nif->linkoutput = vnet_linkoutput;
    dev.nif = nif;
    dev.link = link_status();
    if (dev.link)
        nif->flags |= NETIF_FLAG_LINK_UP;
    if (!thread_create("virtio-net-rx", rx_main, NULL, 16384, true))
        return ERR_MEM;
    return ERR_OK;
}

/* Buffers per queue: 256 (1 MiB for both queues) from 16 MiB of RAM up,
 * fewer below so the buffers stay within a sixteenth of RAM (64 per queue,
 * 256 KiB, in a 4 MiB guest). 64 frames in flight each way still keep
 * QEMU's user network busy: its host side moves one frame at a time. */
static uint16_t queue_size(void)
{
    size_t n = mem_top() / 16 / (2 * BUF_SIZE);
    return n >= QSIZE ? QSIZE : n <= QSIZE_MIN ? QSIZE_MIN : (uint16_t)n;
}

static int vnet_probe(struct pci_dev *pci)
{
    uint64_t want = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS);
    int rc = virtio_pci_init(&dev.v, pci, want);
    if (rc)
        return rc;
    if (!virtio_has(&dev.v, VIRTIO_NET_F_MAC) || !dev.v.device_cfg) {
        /* A random MAC would work but change every boot; QEMU always offers one. */
        virtio_pci_fail(&dev.v);
        return -ENOTSUP;
    }
    dev.has_status = virtio_has(&dev.v, VIRTIO_NET_F_STATUS);
    if ((rc = virtq_setup(&dev.rx, &dev.v, 0, queue_size())) ||
        (rc = virtq_setup(&dev.tx, &dev.v, 1, queue_size())))
        goto fail;
    int vec = irq_alloc(vnet_irq, NULL, "virtio-net");
    if (vec < 0 || (rc = pci_msix_route(pci, 0, vec)) || (rc = virtio_pci_set_msix(&dev.v, 0, 0)) ||
        (rc = virtio_pci_set_msix(&dev.v, VIRTIO_PCI_CONFIG, 0))) {
        kprintf("virtio-net: no MSI-X (%d): receive would never be signalled\n", vec < 0 ? vec : rc);
        rc = rc ? rc : vec;
        goto fail;
    }
    size_t rx_pages = dev.rx.size * BUF_SIZE / PAGE_SIZE, tx_pages = dev.tx.size * BUF_SIZE / PAGE_SIZE;
    dev.rx_mem = pages_alloc(rx_pages);
    dev.tx_mem = pages_alloc(tx_pages);
    if (!dev.rx_mem || !dev.tx_mem) {
        rc = -ENOMEM;
        goto fail;
    }
    for (unsigned i = 0; i < dev.tx.size; i++)
        dev.tx_free[dev.tx_nfree++] = dev.tx_mem + i * BUF_SIZE;
    virtq_watch_irq(&dev.rx, vnet_irq, NULL);
    virtio_pci_ready(&dev.v);
    for (unsigned i = 0; i < dev.rx.size; i++)
        rx_post(dev.rx_mem + i * BUF_SIZE);
    virtq_kick(&dev.rx);
    present = true;
    pci->priv = &dev;
    volatile uint8_t *m = cfg()->mac;
    klog_debug("virtio-net: mac %02x:%02x:%02x:%02x:%02x:%02x, link %s, queues %u/%u, vector %d\n", m[0],
               m[1], m[2], m[3], m[4], m[5], link_status() ? "up" : "down", dev.rx.size, dev.tx.size, vec);
    return 0;
fail:
    virtio_pci_fail(&dev.v);
    return rc;
}

PCI_DRIVER(virtio_net_driver, {
                                  .name = "virtio-net",
                                  .vendor = VIRTIO_VENDOR,
                                  .ids = {0x1000, 0x1041, 0},
                                  .probe = vnet_probe,
                              });
