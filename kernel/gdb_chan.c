/*
 * The gdb stub's transport over the lucent.gdb virtio-serial port, and the
 * client of that port (virtio_console.h's port API) through which its
 * interrupt stops a running image (^C, or a new gdb attaching).
 * kernel/gdb.c picks it when the image has the port and falls back to the
 * COM2 UART when not.
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
#include <lucent/plat.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include "drivers/virtio_console.h"
#include "gdb_chan.h"

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
static bool nmi_mode;   /* the receive queue signals by NMI */
static bool nmi_missed; /* an NMI found the device lock held: retried at unlock (port_unlocked) */
extern const char gdb_chan_hlt[];

/* Control messages count: one may be gdb's departure (a PORT_OPEN 0). */
static bool rx_pending(void) { return in_pos < in_len || vcon_port_rx_pending(port); }

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
bool gdb_chan_has_bytes(void) { return port && (in_pos < in_len || vcon_port_has_bytes(port)); }

bool gdb_chan_lock(void)
{
    if (vcon_port_trylock(port)) {
        nmi_missed = false;
        return true;
    }
    nmi_missed = true;
    return false;
}

/*
 * The device lock was just released (vcon_unlock). If an NMI found it held
 * and left gdb's bytes unread, raise that NMI again now. Waiting for the
 * device's next interrupt instead (port_irq) can wait long: a notify is
 * completed within the write that made it (ioeventfd=off), so its
 * interrupt comes while the writer still holds the lock, and an idle image
 * has no next one. Seen as a gdb attach timing out against the demo.
 */
static void port_unlocked(struct lu_chan *ch)
{
    if (!nmi_missed || !nmi_mode)
        return;
    nmi_missed = false;
    lapic_self_nmi();
}
void gdb_chan_unlock(void) { vcon_port_unlock(port); }

static void setup_nmi(void)
{
    const char *o = lu_plat_getopt("gdbnmi");
    if ((o && !strcmp(o, "off")) || vcon_port_rx_nmi(port) != 0)
        return; /* no MSI-X: the shared vector (port_irq) and spinning */
    nmi_mode = true;
    const char *spin = lu_plat_getopt("gdbspin");
    uint64_t us = spin ? strtoull(spin, NULL, 10) : 1000;
    spin_cycles = us * (lu_plat_cycles_per_sec() / 1000000);
    /* Transmit completions need no interrupt: the stub writes only with
     * interrupts off and reclaims buffers as it goes. Each one would
     * otherwise be a pending device interrupt taken on every resume, one
     * per step. */
    vcon_port_tx_no_irq(port);
}

/*
 * A gdb that leaves (killed, say) while the image is stopped is told by a
 * control message, whose queue signals the device's shared, maskable
 * vector: never delivered while stopped, so the halted stub would wait for
 * the next gdb. While it waits halted, the control queue signals the NMI
 * entry as well (two register writes the first time it halts in a stop,
 * two more on resume), and a departure ends the session.
 */
static void control_to_nmi(bool on) { vcon_port_control_nmi(port, on); }

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

/*
 * Called at the end of every virtio-console interrupt, for any queue's
 * event. While the image runs gdb only sends ^C, or a packet when a new
 * gdb attaches; the cheap check below skips every interrupt of other
 * ports. (A control message the handler left for the lock's holder needs
 * no look of its own: the lock is held, and the trylock below fails.) The
 * stub goes on only when the device lock is free: a thread interrupted
 * inside a channel call holds it, and its half-done queue work must not be
 * trampled. Such a ^C waits for the next interrupt of the device, which a
 * held lock makes likely soon (its holder is talking to the device).
 */
static void port_irq(struct lu_chan *ch)
{
    /* In NMI mode the NMI serves gdb's bytes; here only those it left
     * because the lock was busy. */
    if (nmi_mode && !nmi_missed)
        return;
    if (!rx_pending())
        return;
    if (!vcon_port_trylock(ch))
        return;
    nmi_missed = false;
    stop_hook(vcon_port_irq(ch)); /* channel calls in here go on without the lock: it is ours */
    vcon_port_unlock(ch);
}

static const struct vcon_port_client client = {.on_irq = port_irq, .on_unlock = port_unlocked};

void gdb_chan_start(void (*on_rx)(unsigned vector))
{
    stop_hook = on_rx; /* before the client: the interrupt calls it */
    vcon_port_set_client(port, &client);
    setup_nmi();
}

bool gdb_chan_has_irq(void) { return port && vcon_port_irq(port); }
