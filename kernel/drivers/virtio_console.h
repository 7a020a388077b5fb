/*
 * virtio-console with VIRTIO_CONSOLE_F_MULTIPORT, shared between the device
 * driver (virtio_console.c: control queue, port discovery, host open/close)
 * and the channel API on top of it (chan_virtio.c: lu_chan_*). A struct
 * lu_chan is one port.
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

#endif
