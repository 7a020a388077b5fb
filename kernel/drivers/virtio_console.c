/*
 * The virtio-console device (virtio 1.0, 5.3) in multiport mode: each
 * virtserialport QEMU offers becomes a port with a name, and ports are how
 * channels reach the host (chan_virtio.c).
 *
 * The control protocol, driver's view:
 *   we post receive buffers on the control-in queue and send DEVICE_READY;
 *   the device answers PORT_ADD for each port; we answer PORT_READY;
 *   the device sends PORT_NAME, and PORT_OPEN(1) whenever a host peer
 *   connects to the port's chardev (PORT_OPEN(0) when it leaves);
 *   we send PORT_OPEN(1) when the port is first opened by lu_chan_open:
 *   QEMU holds host data back until then.
 * The device drops control messages when no buffer is posted, so every
 * buffer is reposted before its message is handled.
 *
 * The device is started (reset, features, control queues, DEVICE_READY)
 * by the first lu_chan_open, and a port's data queues when it is opened,
 * so a boot that never opens a channel costs nothing but the PCI scan.
 * (QEMU accepts queue_enable after DRIVER_OK; a strict device would need
 * all queues set up before it.)
 */
#include <errno.h>
#include <string.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include <arch/irq.h>
#include "../kernel.h"
#include "../lib/klog.h"
#include "../lib/kprintf.h"
#include "../mm/heap.h"
#include "../mm/pages.h"
#include "../sched/sched.h"
#include "msix.h"
#include "virtio_console.h"

#define VIRTIO_CONSOLE_F_MULTIPORT 1
enum {
    VCON_DEVICE_READY = 0,
    VCON_PORT_ADD = 1,
    VCON_PORT_REMOVE = 2,
    VCON_PORT_READY = 3,
    VCON_CONSOLE_PORT = 4,
    VCON_RESIZE = 5,
    VCON_PORT_OPEN = 6,
    VCON_PORT_NAME = 7,
};
struct vcon_ctrl {
    uint32_t id;
    uint16_t event, value;
};

#define CIN_BUFS 32
#define CIN_BUF_SIZE 128 /* 8-byte header + the longest name we keep */
#define COUT_BUF_SIZE 8

static struct vcon dev;
static struct pci_dev *found; /* the device, claimed at boot, started on first use */
static int started;           /* 0: not yet; 1: running; -errno: failed to start */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static int vcon_start(struct vcon *d, struct pci_dev *pci);

/* Queue numbers in multiport mode: port 0 uses 0/1, control 2/3, port n 2n+2/2n+3. */
static uint16_t rx_queue(uint32_t port) { return (uint16_t)(port == 0 ? 0 : 2 * port + 2); }

/* Runs with interrupts off. Control messages are handled now, in the
 * order the device sent them relative to data: QEMU sends a peer's close,
 * then (main-loop iterations later) accepts the next peer and forwards its
 * bytes. Handled later, by whichever thread next calls in, the close could
 * find the new peer's bytes already received and count them as the old
 * peer's, and a reader would drop them. When a thread holds the lock (it
 * is this CPU's interrupted thread, so we cannot wait for it) the holder
 * does it as it unlocks. */
static bool before(uint16_t a, uint16_t b) { return (int16_t)(a - b) < 0; }

static void take_snapshot(struct vcon *d, struct vcon_snap *s)
{
    s->cin_before = d->cin.used->idx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (uint32_t i = 0; i < d->nports; i++)
        s->rx[i] = d->port[i].rx.size ? d->port[i].rx.used->idx : 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->cin_after = d->cin.used->idx;
}

/* Tells each port's client (vcon_port_set_client) of an interrupt, or of
 * the lock's release. A client is set before its bit, and its bit cleared
 * before it, so a reader that sees the bit may still find NULL. */
static void tell_clients(struct vcon *d, bool unlocked)
{
    for (uint32_t m = __atomic_load_n(&d->clients, __ATOMIC_ACQUIRE); m; m &= m - 1) {
        struct lu_chan *ch = &d->port[__builtin_ctz(m)];
        const struct vcon_port_client *c = __atomic_load_n(&ch->client, __ATOMIC_ACQUIRE);
        void (*fn)(struct lu_chan *) = !c ? NULL : unlocked ? c->on_unlock : c->on_irq;
        if (fn)
            fn(ch);
    }
}

static void vcon_irq(void *arg)
{
    struct vcon *d = arg;
    d->events++;
    if (d->ready) {
        /* Only a snapshot that differs from the last one is history:
         * a stream on one port (trace) interrupts for every transmit
         * completion, and repeats of an unchanged snapshot would push the
         * positions vcon_rx_boundary needs out of the ring. */
        struct vcon_snap s;
        take_snapshot(d, &s);
        if (!d->nsnap || memcmp(&s, &d->snap[(d->nsnap - 1) % VCON_SNAPS], sizeof s) != 0)
            d->snap[d->nsnap++ % VCON_SNAPS] = s;
        if (kmutex_trylock(&d->lock) == 0) {
            vcon_poll_control(d);
            kmutex_unlock(&d->lock);
        } else {
            d->ctrl_pending = true;
        }
    }
    sched_wake_all(&d->waiters);
    if (d->clients)
        tell_clients(d, false);
}

void vcon_unlock(struct vcon *d)
{
    unsigned long f = irq_save(); /* no interrupt between the check and the unlock */
    if (d->ctrl_pending) {
        d->ctrl_pending = false;
        vcon_poll_control(d);
    }
    kmutex_unlock(&d->lock);
    irq_restore(f);
    /* A client that found the lock held from its interrupt or NMI left
     * its work for now: this is the moment it can be done. */
    if (d->clients)
        tell_clients(d, true);
}

void vcon_queue_irq(struct vcon *d, struct virtq *q)
{
    if (d->irq && virtio_pci_set_msix(&d->v, q->index, 0) != 0) {
        kprintf("virtio-console: queue %u refused MSI-X; polling instead\n", q->index);
        d->irq = 0;
    }
}

static void ctrl_send(struct vcon *d, uint32_t id, uint16_t event, uint16_t value)
{
    struct vcon_ctrl *m = (struct vcon_ctrl *)d->cout_mem;
    *m = (struct vcon_ctrl){id, event, value};
    struct virtq_buf b = {m, sizeof *m, false};
    if (virtq_add(&d->cout, &b, 1, m) != 0)
        return;
    virtq_kick(&d->cout);
    /* One message in flight at a time keeps cout_mem trivially safe; these
     * are rare (a few per port, ever). */
    if (virtq_wait(&d->cout, lu_plat_now_ns() + 1000000000ULL) != 0) {
        kprintf("virtio-console: control message %u for port %u not taken by the device\n", event, id);
        return;
    }
    virtq_get(&d->cout, NULL);
}

static void cin_post(struct vcon *d, uint8_t *buf)
{
    struct virtq_buf b = {buf, CIN_BUF_SIZE, true};
    virtq_add(&d->cin, &b, 1, buf);
}

/* Position of the first pending control message after @from that says
 * a peer connected to @port, or -1 when none has arrived yet. */
static int next_open(struct vcon *d, uint16_t from, uint32_t port)
{
    for (uint16_t i = from; i != d->cin.used->idx; i++) {
        const struct vcon_ctrl *m = d->cin.cookie[d->cin.used->ring[i & (d->cin.size - 1)].id];
        if (m && m->id == port && m->event == VCON_PORT_OPEN && m->value)
            return i;
    }
    return -1;
}

/*
 * Where, in @port's receive queue, the bytes of a peer whose close is the
 * control message at position @k end. The device forwards a peer's bytes,
 * then reports its close, then (when the next peer connects) its open,
 * then that peer's bytes. Each snapshot reads the control index, the
 * receive indexes, then the control index again (interrupts take one, and
 * @now is one taken just before this batch). So:
 *  - a snapshot whose first read shows the close, and whose second read
 *    does not yet show the next open, has all the old peer's bytes below
 *    its receive index and none of the new one's: the exact end;
 *  - one whose second read does not show the close yet has only the old
 *    peer's bytes below its receive index.
 * When the next peer was so quick that no snapshot fell between the close
 * and its open (a peer queued behind the old one with bytes already sent:
 * QEMU accepts it and forwards them within one main-loop turn), the bytes
 * after the last such "only old" index could be either peer's. They are
 * given to the new peer: it is there to be answered; the old one is gone.
 * Returns -1 when the history is too short to say.
 */
static int vcon_rx_boundary(struct vcon *d, uint32_t port, uint16_t k, const struct vcon_snap *now)
{
    int open = next_open(d, (uint16_t)(k + 1), port);
    unsigned long f = irq_save(); /* the handler writes the ring */
    int only_old = -1, end = -1;
    uint32_t first = d->nsnap > VCON_SNAPS ? d->nsnap - VCON_SNAPS : 0;
    for (uint32_t i = first; i <= d->nsnap; i++) {
        const struct vcon_snap *s = i < d->nsnap ? &d->snap[i % VCON_SNAPS] : now;
        if (!before(k, s->cin_after)) {
            only_old = s->rx[port];
        } else if (before(k, s->cin_before)) {
            end = open < 0 || !before((uint16_t)open, s->cin_after) ? s->rx[port] : only_old;
            break;
        }
    }
    irq_restore(f);
    return end;
}

static void handle(struct vcon *d, const struct vcon_ctrl *m, const char *extra, uint32_t extra_len,
                   uint16_t k, const struct vcon_snap *now)
{
    if (m->event == VCON_PORT_ADD && m->id >= d->nports) {
        ctrl_send(d, m->id, VCON_PORT_READY, 0); /* beyond what we track: refuse it */
        return;
    }
    if (m->id >= d->nports)
        return;
    struct lu_chan *ch = &d->port[m->id];
    switch (m->event) {
    case VCON_PORT_ADD:
        ch->added = true;
        ctrl_send(d, m->id, VCON_PORT_READY, 1);
        break;
    case VCON_PORT_REMOVE:
        ch->added = ch->named = false;
        chan_host_closed(ch, vcon_rx_boundary(d, m->id, k, now));
        break;
    case VCON_PORT_NAME: {
        uint32_t n = extra_len < VCON_NAME_MAX - 1 ? extra_len : VCON_NAME_MAX - 1;
        memcpy(ch->name, extra, n);
        ch->name[n] = '\0';
        ch->named = true;
        klog_debug("virtio-console: port %u is %s\n", m->id, ch->name);
        break;
    }
    case VCON_PORT_OPEN:
        klog_debug("virtio-console: port %u host %s\n", m->id, m->value ? "open" : "closed");
        if (m->value) {
            chan_host_opened(ch);
        } else {
            chan_host_closed(ch, vcon_rx_boundary(d, m->id, k, now));
        }
        break;
    default: break; /* CONSOLE_PORT, RESIZE: no console semantics here */
    }
}

void vcon_poll_control(struct vcon *d)
{
    uint8_t *buf;
    uint32_t len;
    struct vcon_snap now;
    take_snapshot(d, &now);
    for (uint16_t k = d->cin.last_used; (buf = virtq_get(&d->cin, &len)); k++) {
        /* A message that came after @now was taken (virtq_get looks again
         * before it gives up) needs a snapshot that shows it, or
         * vcon_rx_boundary could not place a close in it. */
        if (!before(k, now.cin_before))
            take_snapshot(d, &now);
        uint8_t msg[CIN_BUF_SIZE];
        if (len > CIN_BUF_SIZE)
            len = CIN_BUF_SIZE;
        memcpy(msg, buf, len);
        cin_post(d, buf);
        virtq_kick(&d->cin);
        if (len >= sizeof(struct vcon_ctrl)) {
            struct vcon_ctrl m;
            memcpy(&m, msg, sizeof m);
            handle(d, &m, (const char *)msg + sizeof m, len - (uint32_t)sizeof m, k, &now);
        }
    }
}

/* Transmit buffers per port: 16 (256 KiB) from 16 MiB of RAM up, fewer
 * below so they stay within a sixty-fourth of RAM (4, 64 KiB, in a 4 MiB
 * guest, where the trace and metrics ports would otherwise take 640 KiB). */
static uint16_t tx_bufs(void)
{
    size_t n = mem_top() / 64 / VCON_TX_BUF_SIZE;
    return n >= VCON_TX_BUFS ? VCON_TX_BUFS : n < 4 ? 4 : (uint16_t)n;
}

int vcon_port_open(struct lu_chan *ch)
{
    struct vcon *d = ch->dev;
    if (ch->opened)
        return 0;
    if (!ch->rx.size) {
        int rc = virtq_setup(&ch->rx, &d->v, rx_queue(ch->id), VCON_RX_BUFS);
        if (rc == 0)
            rc = virtq_setup(&ch->tx, &d->v, (uint16_t)(rx_queue(ch->id) + 1), VCON_TX_BUFS);
        if (rc)
            return rc;
        vcon_queue_irq(d, &ch->rx);
        vcon_queue_irq(d, &ch->tx);
        ch->rx_mem = pages_alloc(VCON_RX_BUFS * VCON_BUF_SIZE / PAGE_SIZE);
        ch->tx_mem = pages_alloc(tx_bufs() * VCON_TX_BUF_SIZE / PAGE_SIZE);
        if (!ch->rx_mem || !ch->tx_mem)
            return -ENOMEM;
        for (uint16_t i = 0; i < VCON_RX_BUFS; i++) {
            uint8_t *p = ch->rx_mem + i * VCON_BUF_SIZE;
            struct virtq_buf b = {p, VCON_BUF_SIZE, true};
            if (virtq_add(&ch->rx, &b, 1, p) != 0)
                break; /* the device's queue is smaller than our buffer count */
        }
        for (uint16_t i = 0; i < tx_bufs() && i < ch->tx.size; i++)
            ch->tx_free[ch->ntx_free++] = i;
        ch->ntx_total = ch->ntx_free;
        virtq_kick(&ch->rx);
    }
    ch->opened = true;
    ctrl_send(d, ch->id, VCON_PORT_OPEN, 1);
    return 0;
}

struct vcon *vcon_running(void) { return __atomic_load_n(&started, __ATOMIC_ACQUIRE) == 1 ? &dev : NULL; }

/* The handshake costs a few milliseconds of boot under TCG (mostly
 * translating this code the first time), so it waits for the first
 * lu_chan_open: an app that never opens a channel does not pay for it. */
struct vcon *vcon_get(void)
{
    if (!found)
        return NULL;
    if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE)) {
        bool irqs = irq_enabled(); /* off: the world is stopped, no one else is starting it */
        if (irqs)
            kmutex_lock(&start_lock, 0);
        if (!started) {
            int rc = vcon_start(&dev, found);
            if (rc)
                kprintf("virtio-console: %02x:%02x.%u did not start (%d): no channels\n", found->bus,
                        found->slot, found->fn, rc);
            __atomic_store_n(&started, rc ? rc : 1, __ATOMIC_RELEASE);
        }
        if (irqs)
            kmutex_unlock(&start_lock);
    }
    return started == 1 ? &dev : NULL;
}

static int vcon_probe(struct pci_dev *pci)
{
    if (found)
        return -EBUSY; /* one multiport device carries all channels */
    found = pci;
    return 0;
}

static int vcon_start(struct vcon *d, struct pci_dev *pci)
{
    int rc = virtio_pci_init(&d->v, pci, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_CONSOLE_F_MULTIPORT));
    if (rc)
        return rc;
    if (!virtio_has(&d->v, VIRTIO_CONSOLE_F_MULTIPORT) || !d->v.device_cfg) {
        virtio_pci_fail(&d->v);
        return -ENOTSUP; /* a single console port has no names: nothing for channels */
    }
    d->lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    /* One MSI-X entry for every queue: waiters recheck all their queues
     * anyway, so telling queues apart would buy nothing. */
    int vec = irq_alloc(vcon_irq, d, "virtio-console");
    if (vec > 0 && pci_msix_route(pci, 0, vec) == 0)
        d->irq = vec;
    uint32_t max = *(volatile uint32_t *)(d->v.device_cfg + 4); /* virtio_console_config.max_nr_ports */
    d->nports = max < VCON_MAX_PORTS ? max : VCON_MAX_PORTS;
    if ((rc = virtq_setup(&d->cin, &d->v, 2, CIN_BUFS)) || (rc = virtq_setup(&d->cout, &d->v, 3, 4))) {
        virtio_pci_fail(&d->v);
        return rc;
    }
    vcon_queue_irq(d, &d->cin);
    if (d->irq) /* the interrupt takes every control message (vcon_poll_control) */
        virtq_watch_irq(&d->cin, vcon_irq, d);
    d->cin_mem = pages_alloc(CIN_BUFS * CIN_BUF_SIZE / PAGE_SIZE);
    d->cout_mem = pages_alloc(1);
    if (!d->cin_mem || !d->cout_mem) {
        virtio_pci_fail(&d->v);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < VCON_MAX_PORTS; i++)
        d->port[i] = (struct lu_chan){.dev = d, .id = i, .wlock = PTHREAD_MUTEX_INITIALIZER};
    for (int i = 0; i < CIN_BUFS && i < d->cin.size; i++)
        cin_post(d, d->cin_mem + i * CIN_BUF_SIZE);
    pci->priv = d;
    virtio_pci_ready(&d->v);
    virtq_kick(&d->cin);
    ctrl_send(d, 0xFFFFFFFF, VCON_DEVICE_READY, 1);
    vcon_poll_control(d);
    d->ready = true;
    klog_debug("virtio-console: %u ports max, features %lx, %s\n", max, (unsigned long)d->v.features,
               d->irq ? "msi-x" : "polled");
    return 0;
}

/* ---- the port API (virtio_console.h) ------------------------------------- */

void vcon_port_set_client(struct lu_chan *ch, const struct vcon_port_client *c)
{
    struct vcon *d = ch->dev;
    uint32_t bit = 1u << ch->id;
    unsigned long f = irq_save(); /* the interrupt handler reads both */
    if (c) {
        __atomic_store_n(&ch->client, c, __ATOMIC_RELEASE);
        __atomic_or_fetch(&d->clients, bit, __ATOMIC_RELEASE);
    } else {
        __atomic_and_fetch(&d->clients, ~bit, __ATOMIC_RELEASE);
        __atomic_store_n(&ch->client, NULL, __ATOMIC_RELEASE);
    }
    irq_restore(f);
}

bool vcon_port_trylock(struct lu_chan *ch) { return kmutex_trylock(&ch->dev->lock) == 0; }
void vcon_port_unlock(struct lu_chan *ch) { vcon_unlock(ch->dev); }

/* NMI delivery mode (Intel SDM 11.11.2: data bits 10:8 = 100b). The MSI
 * data word irq_msi_message builds for a vector is the vector itself, so
 * this "vector" makes pci_msix_route program an NMI. */
#define MSI_DELIVER_NMI (4 << 8)
#define VIRTIO_MSI_NO_VECTOR 0xFFFF

int vcon_port_rx_nmi(struct lu_chan *ch)
{
    struct vcon *d = ch->dev;
    struct pci_dev *pci = d->v.pci;
    if (!d->irq || !pci || !pci->msix_cap)
        return -ENODEV;
    /* Entry 0 is the device's shared vector (vcon_start), the only one it
     * uses; take the table's last (QEMU's virtio-serial-pci has 2). */
    unsigned entry = (pci_read16(pci, pci->msix_cap + 2) & 0x7ffu);
    if (entry == 0 || pci_msix_route(pci, entry, MSI_DELIVER_NMI) != 0)
        return -ENODEV;
    if (virtio_pci_set_msix(&d->v, ch->rx.index, (uint16_t)entry) != 0) {
        vcon_queue_irq(d, &ch->rx); /* back to the shared entry */
        return -EIO;
    }
    ch->nmi_entry = (uint16_t)entry;
    return 0;
}

void vcon_port_tx_no_irq(struct lu_chan *ch)
{
    virtio_pci_set_msix(&ch->dev->v, ch->tx.index, VIRTIO_MSI_NO_VECTOR);
}

void vcon_port_control_nmi(struct lu_chan *ch, bool on)
{
    struct vcon *d = ch->dev;
    if (ch->control_on_nmi == on)
        return;
    virtio_pci_set_msix(&d->v, d->cin.index, on ? ch->nmi_entry : 0);
    ch->control_on_nmi = on;
}

/* The initializer is the macro's last argument. */
// clang-format off
PCI_DRIVER(vcon_driver, {
    .name = "virtio-console",
    .vendor = VIRTIO_VENDOR,
    .ids = {0x1003, 0x1043},
    .probe = vcon_probe,
});
// clang-format on
