/*
 * The gdb stub in the image: when it stops the image, its COM2 UART
 * fallback transport, and the kernel command-line option that turns it on.
 *
 *   gdb=on       serve gdb: attach at any time (the port's or the UART's
 *                interrupt wakes us), breakpoints, faults and panics stop
 *                into gdb once it is attached
 *   gdb=wait     the same, and stop before main() until gdb attaches
 *   gdb=panic    a fault or panic with no gdb attached waits for one (may
 *                be combined: gdb=on,panic)
 *   gdbnmi=off   (separate option) the lucent.gdb transport spins instead of
 *                halting while stopped (kernel/gdb_chan.c)
 *
 * Transport: the lucent.gdb virtio-serial port when the image has one
 * (kernel/gdb_chan.c, which says why), else COM2. The UART stays as the
 * fallback because it needs nothing but two I/O ports: an image booted by
 * hand with `-serial tcp:...` for COM2 and no virtio-serial still has a
 * stub. QEMU turns either into a TCP server, which is what
 * `target remote :PORT` wants. A UART cannot tell that gdb went away (the
 * stub uses timeouts instead, see gdbstub/serve.c), and moves one byte per
 * I/O instruction.
 */
#include <errno.h>
#include <string.h>
#include <lucent/panic.h>
#include <lucent/plat.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/gdb_target.h>
#include <arch/irq.h>
#include <arch/trap.h>
#include "boot/boot.h"
#include "gdb_chan.h"
#include "lib/klog.h"
#include "lib/kprintf.h"

#define COM2 0x2f8
enum { RBR = 0, THR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };

static struct lu_gdb stub;
static bool enabled, wait_for_panic;
static const char *wire = "COM2"; /* or lucent.gdb: for messages */
static bool in_stub;              /* a fault inside the stub itself is reported, not served */
static bool delivering;           /* gdb passed a fault's signal on: let it kill the image */
static bool until_main;           /* stopping at main() for gdb: its bytes wait for that stop */

/* ---- COM2, polled ------------------------------------------------------------------ */

static void com2_init(void)
{
    outb(COM2 + IER, 0x00);
    outb(COM2 + LCR, 0x80); /* DLAB: divisor 1, 115200 baud (QEMU ignores it) */
    outb(COM2 + 0, 1);
    outb(COM2 + 1, 0);
    outb(COM2 + LCR, 0x03); /* 8N1 */
    /* FIFOs on and cleared, receive trigger at 14 bytes. The trigger also
     * bounds how many bytes QEMU moves from the socket into the FIFO per
     * main-loop pass: at 1 byte, each byte costs a pass. The IRQ still
     * comes for fewer bytes (after the character timeout). */
    outb(COM2 + FCR, 0xC7);
    outb(COM2 + MCR, 0x0B); /* DTR, RTS, OUT2 (gates the IRQ line) */
}

static int com2_getc(void *ctx, int64_t timeout_ns)
{
    uint64_t deadline = timeout_ns > 0 ? lu_plat_now_ns() + (uint64_t)timeout_ns : 0;
    uint64_t backoff = lu_plat_cycles_per_sec() / 50000; /* 20 us */
    for (;;) {
        if (inb(COM2 + LSR) & 0x01)
            return inb(COM2 + RBR);
        if (timeout_ns == 0 || (timeout_ns > 0 && lu_plat_now_ns() >= deadline))
            return -ETIMEDOUT;
        /* Under QEMU every port access takes the emulator's global lock,
         * and the thread that moves bytes from the socket into the UART
         * needs that lock too: polling flat out starves it. Wait without
         * touching a port between polls. */
        for (uint64_t t = lu_plat_cycles() + backoff; lu_plat_cycles() < t;)
            cpu_relax();
    }
}

static void com2_write(void *ctx, const void *buf, size_t len)
{
    /* THRE set means the 16-byte transmit FIFO is empty: fill it whole,
     * one status read per 16 bytes instead of one per byte. */
    const uint8_t *p = buf;
    while (len) {
        while (!(inb(COM2 + LSR) & 0x20))
            cpu_relax();
        size_t n = len < 16 ? len : 16;
        for (size_t i = 0; i < n; i++)
            outb(COM2 + THR, p[i]);
        p += n;
        len -= n;
    }
}

/* ---- stopping --------------------------------------------------------------------- */

/* Serves gdb with the image stopped in @tf (interrupts are off: we are in a
 * trap or interrupt handler). Returns the signal gdb wants delivered. */
static bool nmi_deferred; /* an NMI came while the stub was busy: it only woke it */

static int stop_and_serve(struct trap_frame *tf, struct lu_gdb_stop *stop, bool knock)
{
    stop->tid = lu_plat_thread_id();
    in_stub = true;
    until_main = false;
    gdb_arch_stopped(tf, stop->tid);
    enum lu_gdb_outcome o = lu_gdb_serve(&stub, stop, knock);
    /* Bytes that came after the stub's last read, whose NMI found it busy
     * (and only woke it): a gdb that left with the next one already
     * knocking, or a ^C right after `continue`. No other NMI will announce
     * them, so serve them now, stopped where we are. */
    for (;;) {
        bool look = nmi_deferred || o == LU_GDB_DETACHED;
        nmi_deferred = false;
        int p = look ? lu_gdb_poll(&stub) : LU_GDB_POLL_NONE;
        if (p == LU_GDB_POLL_NONE)
            break;
        o = lu_gdb_serve(&stub,
                         &(struct lu_gdb_stop){.tid = stop->tid, .signo = p == LU_GDB_POLL_INTERRUPT ? 2 : 5},
                         p == LU_GDB_POLL_KNOCK);
    }
    gdb_chan_resumed();
    int sig = gdb_arch_resume(tf);
    in_stub = false;
    return sig;
}

static int panic_signo; /* set while panic_debugger_hook's int3 runs */

/*
 * A stop asked for from inside an NMI is served outside it. While an NMI
 * handler runs, further NMIs are blocked until its iretq, and an NMI is the
 * only thing that wakes the stub halted with interrupts off, so serving
 * from inside would have to spin, a host core at 100% for as long as gdb
 * sits at its prompt after an attach or ^C. Instead the NMI returns into
 * a one-instruction trampoline, an int3, with interrupts off; that trap
 * (on the interrupted stack, NMIs unblocked) puts the interrupted rip and
 * flags back into its frame and stops there, as a breakpoint would.
 */
__asm__(".pushsection .text\n.globl gdb_nmi_trampoline\ngdb_nmi_trampoline: int3\n.popsection");
extern const char gdb_nmi_trampoline[];

#define RFLAGS_TF (1ul << 8)
#define RFLAGS_IF (1ul << 9)

static struct {
    bool armed;
    bool knock;
    int signo;
    uint64_t rip, rflags;
} nmi_stop;

/* An NMI, when the lucent.gdb port signals by NMI (kernel/gdb_chan.c):
 * inside the stub, the wake-up of its halted wait; while the image runs,
 * gdb's ^C or a new gdb, which stops the image right where the NMI came
 * in, even with interrupts off. Every NMI is ours then: a second one for
 * bytes already read finds nothing, and is dropped. */
static bool in_hook; /* below, exception_hook */

static bool nmi(struct trap_frame *tf)
{
    if (in_stub || in_hook) {
        gdb_chan_nmi_wake(tf);
        nmi_deferred = true; /* stop_and_serve / exception_hook look again */
        return true;
    }
    if (delivering || nmi_stop.armed || until_main || !gdb_chan_rx_pending())
        return true;
    /* A thread inside a channel call holds the device lock: leave its
     * queue work alone. The port's bytes stay unread, and the lock's
     * release raises this NMI again (gdb_chan.c, port_unlocked). */
    if (!gdb_chan_lock())
        return true;
    int p = lu_gdb_poll(&stub);
    gdb_chan_unlock();
    if (p != LU_GDB_POLL_NONE) {
        /* Stopped on the idle loop's `sti; hlt`, resume after the hlt: the
         * interrupts held while stopped are taken at the resume, and one that
         * makes a thread runnable must not be slept through. */
        if (*(const volatile uint8_t *)tf->rip == 0xF4)
            tf->rip++;
        nmi_stop = (typeof(nmi_stop)){.armed = true,
                                      .knock = p == LU_GDB_POLL_KNOCK,
                                      .signo = p == LU_GDB_POLL_INTERRUPT ? 2 : 5,
                                      .rip = tf->rip,
                                      .rflags = tf->rflags};
        tf->rip = (uintptr_t)gdb_nmi_trampoline;
        tf->rflags &= ~(RFLAGS_IF | RFLAGS_TF);
    }
    return true;
}

/* The trampoline's int3: the stop nmi() asked for. */
static bool nmi_trampoline_stop(struct trap_frame *tf)
{
    if (tf->vector != 3 || !nmi_stop.armed || tf->rip != (uintptr_t)gdb_nmi_trampoline + 1)
        return false;
    tf->rip = nmi_stop.rip;
    tf->rflags = nmi_stop.rflags;
    nmi_stop.armed = false;
    struct lu_gdb_stop stop = {.signo = nmi_stop.signo};
    /* Inside a device interrupt (often the port's own, for gdb's
     * connect): show the thread it interrupted, as the IRQ paths do. */
    stop_and_serve(gdb_arch_outer_frame(tf), &stop, nmi_stop.knock);
    return true;
}

static bool stop_for_exception(struct trap_frame *tf)
{
    struct lu_gdb_stop stop;
    if (nmi_trampoline_stop(tf))
        return true;
    if (tf->vector == 1 || tf->vector == 3) {
        if (gdb_arch_classify(tf, &stop)) {
            stop_and_serve(tf, &stop, false);
            return true; /* a trap: the program goes on whatever the signal */
        }
        if (!stub.attached && !wait_for_panic && !panic_signo)
            return false; /* an int3 of the program's own, no debugger */
        stop = (struct lu_gdb_stop){.signo = panic_signo ? panic_signo : 5};
    } else {
        if (tf->vector == 2 || (!stub.attached && !wait_for_panic))
            return false;
        stop = (struct lu_gdb_stop){.signo = trap_signal(tf->vector)};
    }
    if (!stub.attached)
        kprintf("\nlucent: %s (vector %lu) in thread %u: waiting for gdb on %s "
                "(`lucent run --gdb-on-panic` printed the command)\n",
                panic_signo       ? "panic"
                : tf->vector == 3 ? "breakpoint"
                                  : "fault",
                (unsigned long)tf->vector, (unsigned)lu_plat_thread_id(), wire);
    int sig = stop_and_serve(tf, &stop, false);
    if (sig && tf->vector != 1 && tf->vector != 3) {
        delivering = true; /* the fault report runs and the image exits */
        return false;
    }
    return true; /* retry the instruction (or wherever gdb moved rip) */
}

/*
 * From the first instruction of a trap to the end of its stop, an NMI for
 * gdb's bytes must only wake the stub (in_stub), never start a stop of its
 * own: it would redirect this very handler into the trampoline and report
 * a second stop, which gdb takes as the reply to its next packet. A fault
 * inside this path is reported, not served again. (in_hook is declared
 * above nmi().)
 */

static bool exception_hook(struct trap_frame *tf)
{
    if (tf->vector == 2 && gdb_chan_nmi_mode())
        return nmi(tf);
    if (in_stub || delivering || in_hook)
        return false;
    in_hook = true;
    bool r = stop_for_exception(tf);
    in_hook = false;
    /* An NMI in the few instructions between the stub's last look and
     * here only woke it: raise it again, now that it can be served. */
    if (nmi_deferred) {
        nmi_deferred = false;
        if (gdb_chan_rx_pending())
            lapic_self_nmi();
    }
    return r;
}

/* From a device interrupt (vector @vector) that saw gdb's bytes while the
 * image ran: ^C stops it with SIGINT, a packet starting (a gdb attaching)
 * with SIGTRAP. The stop is reported where the interrupt came in, so gdb
 * sees the thread where it was, not this handler. */
static void rx_interrupt(unsigned vector)
{
    if (in_stub || until_main)
        return;
    int p = lu_gdb_poll(&stub);
    if (p == LU_GDB_POLL_NONE)
        return;
    struct trap_frame *tf = gdb_arch_irq_frame(vector);
    if (tf) {
        struct lu_gdb_stop stop = {.signo = p == LU_GDB_POLL_INTERRUPT ? 2 : 5};
        stop_and_serve(tf, &stop, p == LU_GDB_POLL_KNOCK);
    } else {
        klog_debug("gdb: interrupted context not found; request dropped");
    }
}

static void com2_irq(void *arg)
{
    rx_interrupt(IRQ_VEC_ISA + 3);
    /* The ISA line is edge-triggered: if bytes are still waiting, toggling
     * IER makes the UART raise it afresh instead of leaving it high. */
    outb(COM2 + IER, 0x00);
    outb(COM2 + IER, 0x01);
}

/*
 * The first step of every panic path: with a trap frame, before a fatal
 * fault's report (those were offered to gdb in exception_hook already, so
 * it does nothing); without one from lu_plat_panic (LU_PANIC). An int3 here
 * makes a frame, so the panic stops like a fault would: gdb sees the signal
 * (SIGABRT) in this function, `up` is the panicking code, and `continue`
 * lets the panic report and exit go on.
 */
static void panic_debugger_hook(const struct lu_panic_info *why)
{
    if (why->frame || !enabled || in_stub || delivering || (!stub.attached && !wait_for_panic))
        return;
    panic_signo = why->signo;
    __asm__ volatile("int3");
    panic_signo = 0;
}
LU_PANIC_STEP(gdb_stop, LU_PANIC_STOP, panic_debugger_hook);

static const struct lu_gdb_target target = {&gdb_x86_ops, &lu_gdb_arch_x86_64, NULL};
static const struct lu_gdb_transport com2 = {com2_getc, com2_write, NULL, NULL, .compress = true};

__attribute__((constructor)) static void gdb_init(void)
{
    const char *opt = lu_plat_getopt("gdb");
    if (!opt || !*opt || strcmp(opt, "off") == 0)
        return;
    bool wait = strstr(opt, "wait") != NULL;
    wait_for_panic = strstr(opt, "panic") != NULL;
    enabled = true;
    struct lu_gdb_transport io;
    bool chan = gdb_chan_transport(&io);
    if (chan) {
        wire = "lucent.gdb";
    } else {
        io = com2;
        com2_init();
    }
    lu_gdb_init(&stub, &target, &io);
    trap_set_exception_hook(exception_hook);
    /* gdb=wait stops at main(): armed before gdb's bytes can stop us, and
     * until then they stop nothing (until_main), or a gdb quick enough to
     * connect while we boot would stop the image wherever it was, and the
     * stop at main() would then come as a surprise after its `continue`. */
    if (wait) {
        until_main = true;
        gdb_arch_break_once((uintptr_t)main);
    }
    /* Only now may gdb's bytes stop the image: the stub is ready. */
    if (chan) {
        gdb_chan_start(rx_interrupt);
        if (!gdb_chan_has_irq())
            kprintf("lucent: gdb: the lucent.gdb port has no interrupt: ^C and attaching to a "
                    "running image will not be seen\n");
    } else if (irq_register_isa(3, com2_irq, NULL, "gdb") >= 0) {
        outb(COM2 + IER, 0x01); /* interrupt on received data: attach and ^C */
    }
    if (wait) {
        kprintf("lucent: gdb=wait: stopped before main(), waiting for gdb on %s\n", wire);
    } else if (chan && gdb_chan_has_bytes()) {
        /* A gdb that connected before we booted: its bytes came before
         * anything could stop us for them. It gets the image at main(). */
        until_main = true;
        gdb_arch_break_once((uintptr_t)main);
    }
}
