/*
 * virtio-console with VIRTIO_CONSOLE_F_MULTIPORT, shared between the device
 * driver (virtio_console.c: control queue, port discovery, host open/close)
 * and the channel API on top of it (chan_virtio.c: lu_chan_*). A struct
 * lu_chan is one port.
 *
 * The port API at the end (vcon_port_*) is for a client that needs more of
 * a port than lu_chan_* gives: to hear of its input from the device's
 * interrupt, to take the device lock from an interrupt or NMI, and to have
 * the port signal by NMI. The gdb stub's transport (kernel/gdb_chan.c) is
 * that client; the driver knows nothing of it.
 */
#ifndef LU_KERNEL_VIRTIO_CONSOLE_H
#define LU_KERNEL_VIRTIO_CONSOLE_H
#include <pthread.h>
#include <lucent/plat.h>
#include "virtio.h"

#define VCON_MAX_PORTS 32
#define VCON_NAME_MAX 48
#define VCON_BUF_SIZE 4096u     /* receive: QEMU reads its chardev 4 KiB at a time */
#define VCON_TX_BUF_SIZE 16384u /* transmit: fewer descriptors, exits and interrupts per MB */
#define VCON_RX_BUFS 16
#define VCON_TX_BUFS 16
#define VCON_SNAPS 64 /* queue-position history kept for vcon_rx_boundary */

struct lu_chan {
    struct vcon *dev;
    uint32_t id;
    char name[VCON_NAME_MAX];
    bool added, named, opened; /* opened: queues set up and PORT_OPEN sent */
    bool host_open;            /* the host's PORT_OPEN: a peer is connected */
    bool hup_read, hup_wait;   /* a peer left: owed to the next read / wait */
    uint64_t hup_mark;         /* bytes_in when it left: reads stop there once */
    uint64_t rx_consumed;      /* bytes handed to readers */
    bool open_pending;         /* a new peer came while the old one's bytes were unread */
    struct virtq rx, tx;
    uint8_t *rx_mem, *tx_mem;
    /* Filled receive buffers, oldest first, and the read offset into the
     * oldest. */
    uint16_t rx_fifo[VCON_RX_BUFS], rx_fifo_len[VCON_RX_BUFS];
    uint16_t rx_head, rx_count, rx_off;
    uint16_t tx_free[VCON_TX_BUFS], ntx_free, ntx_total;
    /* bytes_in once the receive queue's used index reached i (i % 64):
     * turns a queue position found by vcon_rx_boundary into a byte count */
    uint64_t rx_bytes_at[64];
    /* Held for a whole blocking write, so writers' messages never
     * interleave (a non-blocking writer only tries it). */
    pthread_mutex_t wlock;
    struct lu_chan_stats stats;
    const struct vcon_port_client *client; /* vcon_port_set_client */
    uint16_t nmi_entry;                    /* MSI-X entry of vcon_port_rx_nmi, 0: none */
    bool control_on_nmi;                   /* vcon_port_control_nmi(on) */
};

struct vcon {
    /* Guards everything below and every port: the control queue is shared,
     * and its messages change any port. Never held while waiting. */
    pthread_mutex_t lock;
    /* Interrupts: every queue signals one MSI-X vector (irq != 0), whose
     * handler counts events and wakes the waiters. Without it, waits spin. */
    int irq;
    volatile uint64_t events;
    /* Control messages are handled in the interrupt handler when the lock
     * is free, or else by the holder as it unlocks (vcon_unlock): a peer's
     * close must be seen before the next peer's bytes arrive, or those
     * bytes are taken for the old peer's (see chan_host_closed). */
    bool ready;                 /* started: the handler may process */
    volatile bool ctrl_pending; /* an interrupt found the lock held */
    /* Queue positions each interrupt saw, newest last (see
     * vcon_rx_boundary): written by the handler only. */
    struct vcon_snap {
        uint16_t cin_before, cin_after; /* control used index, read before and after rx */
        uint16_t rx[VCON_MAX_PORTS];    /* each port's receive used index */
    } snap[VCON_SNAPS];
    uint32_t nsnap;
    struct lu_waitq waiters;
    uint32_t clients; /* bit n: port n has a client (vcon_port_set_client) */
    struct virtio_dev v;
    struct virtq cin, cout; /* control: device to driver, driver to device */
    uint8_t *cin_mem, *cout_mem;
    uint32_t nports; /* ports we can address: min(max_nr_ports, VCON_MAX_PORTS) */
    struct lu_chan port[VCON_MAX_PORTS];
};

/* The device, or NULL when the image booted without one. */
struct vcon *vcon_get(void);
/* The device if something started it, else NULL (never starts it). */
struct vcon *vcon_running(void);
/* Processes pending control messages (port add/name/open/close). Never waits. */
void vcon_poll_control(struct vcon *d);
/* Releases d->lock, first handling control messages an interrupt left. */
void vcon_unlock(struct vcon *d);
/* Routes queue @q's completions to the device's vector, if it has one. */
void vcon_queue_irq(struct vcon *d, struct virtq *q);
/* Sets up the port's queues and buffers and tells the device the guest
 * side is open. Returns 0 or -errno. */
int vcon_port_open(struct lu_chan *ch);
/* chan_virtio.c: takes filled receive buffers off the port's queue, and
 * records that the host peer left (after collecting what it sent). */
void chan_collect(struct lu_chan *ch);
/* @rx_end: the receive queue position where the old peer's bytes end, or
 * -1 when it cannot be told (then all received so far count as its). */
void chan_host_closed(struct lu_chan *ch, int rx_end);
void chan_host_opened(struct lu_chan *ch);

/* ---- the port API ------------------------------------------------------- */

/* What a port's client is told. Both must be cheap: on_irq runs for every
 * interrupt of the device, whichever port or queue it was for, and
 * on_unlock for every release of the device lock. */
struct vcon_port_client {
    /* From the device's interrupt handler, interrupts off, after the
     * handler's own work (control messages, waking waiters). The device
     * lock is not held: take it with vcon_port_trylock to touch the port. */
    void (*on_irq)(struct lu_chan *ch);
    /* Each time the device lock is released (vcon_unlock), after the
     * release: a client whose vcon_port_trylock failed can retry now. */
    void (*on_unlock)(struct lu_chan *ch);
};

/* Registers @c (NULL: none) for the opened port @ch. Safe against the
 * device's interrupt. */
void vcon_port_set_client(struct lu_chan *ch, const struct vcon_port_client *c);

/* The vector the device interrupts on, or 0 when it has none (MSI-X
 * missing or refused): then waits poll, and on_irq never runs. */
static inline unsigned vcon_port_irq(const struct lu_chan *ch) { return (unsigned)ch->dev->irq; }

/* The host sent bytes the port's readers have not taken yet (or that the
 * device has used and no one collected). Lock-free, from any context:
 * inline, for a client that polls it in a loop. */
static inline bool vcon_port_has_bytes(const struct lu_chan *ch)
{
    return ch->rx_count || ch->rx.used->idx != ch->rx.last_used;
}

/* As vcon_port_has_bytes, or a read owes -EPIPE (the peer left), or
 * control messages wait, which may say the peer left. Lock-free. */
static inline bool vcon_port_rx_pending(const struct lu_chan *ch)
{
    const struct virtq *cin = &ch->dev->cin;
    return ch->rx_count || ch->hup_read || ch->rx.used->idx != ch->rx.last_used ||
           cin->used->idx != cin->last_used;
}

/* The device lock from an interrupt or NMI, where waiting for it is not
 * possible (its holder is the interrupted thread). False when busy. */
bool vcon_port_trylock(struct lu_chan *ch);
/* Releases it as every holder does (vcon_unlock). */
void vcon_port_unlock(struct lu_chan *ch);

/* Moves the port's receive queue to an MSI-X entry of its own that
 * delivers an NMI, so its input is seen even with interrupts off. Returns
 * 0, -ENODEV when the device has no MSI-X or no spare entry, or -EIO when
 * the device refuses (the queue stays on the shared vector). */
int vcon_port_rx_nmi(struct lu_chan *ch);
/* Stops the port's transmit completions from interrupting at all, for a
 * client that writes only with interrupts off: its buffers come back as it
 * writes (QEMU hands them back within the notify), and each completion
 * would otherwise be a device interrupt pending until interrupts are on. */
void vcon_port_tx_no_irq(struct lu_chan *ch);
/* While @on, the device's control queue signals the port's NMI too (a
 * peer leaving is a control message); otherwise the shared vector. Only
 * after vcon_port_rx_nmi succeeded. */
void vcon_port_control_nmi(struct lu_chan *ch, bool on);

#endif
