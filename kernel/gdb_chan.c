/*
 * The gdb stub's transport over the lucent.gdb virtio-serial port, and the
 * hook through which the port's interrupt stops a running image (^C, or a
 * new gdb attaching). kernel/gdb.c picks it when the image has the port
 * and falls back to the COM2 UART when not.
 *
 * Why this port and not only the UART: under emulation a UART moves one
 * byte per I/O instruction, and each one is an exit into QEMU that takes
 * its global lock, so a 64 KiB read or 1000 steps crawl (bench/gdb). The
 * port moves a whole packet per queued buffer, and waiting for bytes
 * reads the used ring in memory, with no exit at all.
 *
 * It works with interrupts off, as the stub needs (a trap handler): the
 * channel calls then neither sleep nor wait for the device lock
 * (chan_virtio.c), and lu_chan_wait spins. A port also tells when gdb
 * leaves (-EPIPE), which a UART cannot.
 *
 * Output is gathered and sent as one buffer per packet: the core writes
 * '$', the payload and the checksum separately, and each write of its
 * own would be a queued buffer and a notify exit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "drivers/msix.h"
#include "drivers/virtio_console.h"
#include "gdb_chan.h"
#include "kernel.h"
#include "sched/sched.h"

static struct lu_chan *port;
static void (*stop_hook)(unsigned vector);

static uint8_t in[VCON_BUF_SIZE];
static size_t in_len, in_pos;
static bool had_peer; /* bytes came since the last -EPIPE */
static uint8_t out[LU_GDB_PKT_MAX + 64];
static size_t out_len;

/*
 * Waiting without burning the CPU. With interrupts off (always, in the
 * stub) the channel's wait polls the used ring: no exits, but under
 * emulation a spinning vCPU takes a host core from the QEMU thread that
 * moves gdb's bytes, and on a loaded host that costs more than the poll
 * saves. So the port's receive queue gets an MSI-X entry of its own that
 * delivers an NMI: `hlt` with interrupts off wakes on it, and nothing else
 * of the stopped image runs (maskable interrupts stay pending, as they
 * must). While the image runs the same NMI is how ^C arrives, wherever it
 * is, interrupts on or off (kernel/gdb.c).
 *
 * The race between "nothing there" and `hlt` is closed in the NMI: if it
 * lands on the hlt itself, it returns past it (gdb_chan_nmi_wake).
 */
static bool nmi_mode;       /* the receive queue signals by NMI */
static uint16_t nmi_entry;  /* its MSI-X table entry */
static bool control_on_nmi; /* the control queue signals by NMI too (while stopped) */
static bool nmi_missed;     /* an NMI found the device lock held: retried at unlock (vcon_gdb_unlocked) */
extern const char gdb_chan_hlt[];

static bool rx_pending(void)
{
    struct virtq *cin = &port->dev->cin;
    return in_pos < in_len || port->rx_count || port->hup_read || port->rx.used->idx != port->rx.last_used ||
           cin->used->idx != cin->last_used; /* maybe gdb's departure (a PORT_OPEN 0) */
}

static void halt_for_rx(void)
{
    if (!rx_pending())
        __asm__ volatile(".globl gdb_chan_hlt\ngdb_chan_hlt: hlt" ::: "memory");
}

void gdb_chan_nmi_wake(struct trap_frame *tf)
{
    if (tf->rip == (uintptr_t)gdb_chan_hlt)
        tf->rip++; /* about to halt with the bytes already here: don't */
}

/*
 * Before halting, poll a while: gdb's next packet usually follows its last
 * reply within a few hundred microseconds (a step is three exchanges), and
 * a vCPU woken from `hlt` by the NMI first needs its host thread woken and
 * QEMU's global lock, which costs about as much as the exchange itself on
 * a busy host. The poll reads memory only (no exits); after
 * gdbspin= microseconds (default 1000, 0: halt at once) with nothing come,
 * halt, so a stopped image left at the gdb prompt costs no CPU.
 */
static uint64_t spin_cycles;

static bool spin_for_rx(void)
{
    if (!spin_cycles)
        return false;
    uint64_t until = lu_plat_cycles() + spin_cycles;
    while (lu_plat_cycles() < until) {
        if (rx_pending())
            return true;
        cpu_relax();
    }
    return false;
}

bool gdb_chan_nmi_mode(void) { return nmi_mode; }
bool gdb_chan_rx_pending(void) { return port && rx_pending(); }
bool gdb_chan_has_bytes(void)
{
    return port && (in_pos < in_len || port->rx_count || port->rx.used->idx != port->rx.last_used);
}

bool gdb_chan_lock(void)
{
    if (kmutex_trylock(&port->dev->lock) == 0) {
        nmi_missed = false;
        return true;
    }
    nmi_missed = true;
    return false;
}

/*
 * The device lock was just released (vcon_unlock). If an NMI found it held
 * and left gdb's bytes unread, raise that NMI again now. Waiting for the
 * device's next interrupt instead (vcon_gdb_hook) can wait long: a notify
 * is completed within the write that made it (ioeventfd=off), so its
 * interrupt comes while the writer still holds the lock, and an idle image
 * has no next one. Seen as a gdb attach timing out against the demo.
 */
void vcon_gdb_unlocked(struct vcon *d)
{
    if (!nmi_missed || !nmi_mode || !port || port->dev != d)
        return;
    nmi_missed = false;
    lapic_self_nmi();
}
void gdb_chan_unlock(void) { vcon_unlock(port->dev); }

/* NMI delivery mode (Intel SDM 11.11.2: data bits 10:8 = 100b). The MSI
 * data word irq_msi_message builds for a vector is the vector itself, so
 * this "vector" makes pci_msix_route program an NMI. */
#define MSI_DELIVER_NMI (4 << 8)

static void setup_nmi(void)
{
    struct vcon *d = port->dev;
    struct pci_dev *pci = d->v.pci;
    const char *o = lu_plat_getopt("gdbnmi");
    if (!d->irq || !pci || !pci->msix_cap || (o && !strcmp(o, "off")))
        return; /* no MSI-X: the shared vector (vcon_gdb_hook) and spinning */
    /* Entry 0 is the device's shared vector (virtio_console.c), the only
     * one it uses; take the table's last (QEMU's virtio-serial-pci has 2). */
    unsigned entry = (pci_read16(pci, pci->msix_cap + 2) & 0x7ffu);
    if (entry == 0 || pci_msix_route(pci, entry, MSI_DELIVER_NMI) != 0)
        return;
    if (virtio_pci_set_msix(&d->v, port->rx.index, (uint16_t)entry) != 0) {
        vcon_queue_irq(d, &port->rx); /* back to the shared entry */
        return;
    }
    nmi_mode = true;
    nmi_entry = (uint16_t)entry;
    const char *spin = lu_plat_getopt("gdbspin");
    uint64_t us = spin ? strtoull(spin, NULL, 10) : 1000;
    spin_cycles = us * (lu_plat_cycles_per_sec() / 1000000);
    /* Transmit completions need no interrupt: the stub writes only with
     * interrupts off and reclaims buffers as it goes (QEMU hands them back
     * within the notify). Each one would otherwise be a pending device
     * interrupt taken on every resume, one per step. */
    virtio_pci_set_msix(&d->v, port->tx.index, 0xFFFF /* VIRTIO_MSI_NO_VECTOR */);
}

/*
 * A gdb that leaves (killed, say) while the image is stopped is told by a
 * control message, whose queue signals the device's shared, maskable
 * vector: never delivered while stopped, so the halted stub would wait for
 * the next gdb. While it waits halted, the control queue signals the NMI
 * entry as well (two register writes the first time it halts in a stop,
 * two more on resume), and a departure ends the session.
 */
static void control_to_nmi(bool on)
{
    struct vcon *d = port->dev;
    if (control_on_nmi == on)
        return;
    virtio_pci_set_msix(&d->v, d->cin.index, on ? nmi_entry : 0);
    control_on_nmi = on;
}

void gdb_chan_resumed(void)
{
    if (port && nmi_mode)
        control_to_nmi(false);
}

static void chan_flush(void *ctx)
{
    if (out_len && port)
        lu_chan_write(port, out, out_len, 0); /* -EPIPE: gdb left; getc says so */
    out_len = 0;
}

static void chan_write(void *ctx, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        if (out_len == sizeof out)
            chan_flush(ctx);
        size_t n = sizeof out - out_len < len ? sizeof out - out_len : len;
        memcpy(out + out_len, p, n);
        out_len += n;
        p += n;
        len -= n;
    }
}

static int chan_getc(void *ctx, int64_t timeout_ns)
{
    if (in_pos < in_len)
        return in[in_pos++];
    chan_flush(ctx); /* whatever we wait for answers what we said */
    uint64_t deadline = timeout_ns > 0 ? lu_plat_now_ns() + (uint64_t)timeout_ns : 0;
    bool skipped_hup = false;
    for (;;) {
        ssize_t n = lu_chan_read(port, in, sizeof in, LU_CHAN_NONBLOCK);
        if (n > 0) {
            had_peer = true;
            in_len = (size_t)n;
            in_pos = 1;
            return in[0];
        }
        /* -EPIPE is both "the peer left" (once) and "no peer". Only the
         * departure of a peer that spoke ends a session; with no gdb at
         * all (gdb=wait, a panic waiting), keep waiting for one. */
        if (n == -EPIPE && had_peer) {
            had_peer = false;
            return -EPIPE;
        }
        if (n == -EPIPE && !skipped_hup) {
            skipped_hup = true; /* a peer that never spoke (a port probe): */
            continue;           /* the next one's bytes may be right behind */
        }
        if (timeout_ns == 0)
            return -ETIMEDOUT;
        int64_t left = -1;
        if (timeout_ns > 0) {
            uint64_t now = lu_plat_now_ns();
            if (now >= deadline)
                return -ETIMEDOUT;
            left = (int64_t)(deadline - now);
        }
        if (left < 0 && nmi_mode) {
            if (spin_for_rx())
                continue;
            control_to_nmi(true);
            halt_for_rx();
        } else
            lu_chan_wait(port, LU_CHAN_READABLE, left); /* interrupts off: polls the used ring */
    }
}

bool gdb_chan_transport(struct lu_gdb_transport *io)
{
    port = lu_chan_open("lucent.gdb");
    if (!port)
        return false;
    *io = (struct lu_gdb_transport){.getc = chan_getc, .write = chan_write, .flush = chan_flush};
    return true;
}

void gdb_chan_start(void (*on_rx)(unsigned vector))
{
    unsigned long f = irq_save(); /* the hook runs from the device's interrupt */
    stop_hook = on_rx;
    irq_restore(f);
    setup_nmi();
}

bool gdb_chan_has_irq(void) { return port && port->dev->irq; }

/*
 * Called at the end of the virtio-console interrupt (vcon_irq), for any
 * queue's event. While the image runs gdb only sends ^C, or a packet when
 * a new gdb attaches; the cheap check below skips every interrupt of
 * other ports. The stub goes on only when the device lock is free: a
 * thread interrupted inside a channel call holds it, and its half-done
 * queue work must not be trampled. Such a ^C waits for the next interrupt
 * of the device, which a held lock makes likely soon (its holder is
 * talking to the device).
 */
void vcon_gdb_hook(struct vcon *d)
{
    if (!port || port->dev != d || !stop_hook || !port->opened)
        return;
    /* In NMI mode the NMI serves gdb's bytes; here only those it left
     * because the lock was busy. */
    if (nmi_mode && !nmi_missed)
        return;
    if (!rx_pending() && !d->ctrl_pending)
        return;
    if (kmutex_trylock(&d->lock) != 0)
        return;
    nmi_missed = false;
    stop_hook((unsigned)d->irq); /* channel calls in here go on without the lock: it is ours */
    vcon_unlock(d);
}
