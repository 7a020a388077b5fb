/*
 * The gdb stub in the image: its transport (the COM2 UART), when it stops
 * the image, and the kernel command-line option that turns it on.
 *
 *   gdb=on       serve gdb: attach at any time (IRQ3 wakes us), breakpoints,
 *                faults stop into gdb once it is attached
 *   gdb=wait     the same, and stop before main() until gdb attaches
 *   gdb=panic    a fault with no gdb attached waits for one (may be combined:
 *                gdb=on,panic)
 *
 * Why a UART and not the lucent.gdb virtio-serial channel: the stub must
 * work where the image is least healthy, with interrupts off, inside a
 * fault handler, before drivers start, after the heap is corrupt. A 16550
 * is two I/O ports polled in a loop; a virtio queue needs memory, a working
 * PCI setup and interrupts or careful polling of shared rings. QEMU turns
 * COM2 into a TCP server (-serial tcp:127.0.0.1:PORT,server=on,wait=off),
 * which is exactly what `target remote :PORT` wants. The cost: a UART
 * cannot tell that gdb went away (the stub uses timeouts instead, see
 * gdbstub/serve.c), and bytes move one I/O instruction at a time.
 */
#include <errno.h>
#include <string.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdb_target.h"
#include "arch/x86_64/irq.h"
#include "kernel.h"

#define COM2 0x2f8
enum { RBR = 0, THR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };

void trap_set_exception_hook(bool (*hook)(struct trap_frame *tf)); /* arch/x86_64/idt.c */
int trap_signal(uint64_t vector);
int main(int argc, char **argv);

static struct lu_gdb stub;
static bool enabled, wait_for_panic;
static bool in_stub;    /* a fault inside the stub itself is reported, not served */
static bool delivering; /* gdb passed a fault's signal on: let it kill the image */

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
static int stop_and_serve(struct trap_frame *tf, struct lu_gdb_stop *stop, bool knock)
{
    stop->tid = lu_plat_thread_id();
    in_stub = true;
    gdb_arch_stopped(tf, stop->tid);
    lu_gdb_serve(&stub, stop, knock);
    int sig = gdb_arch_resume(tf);
    in_stub = false;
    return sig;
}

static bool exception_hook(struct trap_frame *tf)
{
    struct lu_gdb_stop stop;
    if (in_stub || delivering)
        return false;
    if (tf->vector == 1 || tf->vector == 3) {
        if (gdb_arch_classify(tf, &stop)) {
            stop_and_serve(tf, &stop, false);
            return true; /* a trap: the program goes on whatever the signal */
        }
        if (!stub.attached && !wait_for_panic)
            return false; /* an int3 of the program's own, no debugger */
        stop = (struct lu_gdb_stop){.signo = 5};
    } else {
        if (tf->vector == 2 || (!stub.attached && !wait_for_panic))
            return false;
        stop = (struct lu_gdb_stop){.signo = trap_signal(tf->vector)};
    }
    if (!stub.attached)
        kprintf("\nlucent: %s (vector %lu) in thread %u: waiting for gdb on COM2 "
                "(`lucent run --gdb-on-panic` printed the command)\n",
                tf->vector == 3 ? "breakpoint" : "fault", (unsigned long)tf->vector,
                (unsigned)lu_plat_thread_id());
    int sig = stop_and_serve(tf, &stop, false);
    if (sig && tf->vector != 1 && tf->vector != 3) {
        delivering = true; /* the fault report runs and the image exits */
        return false;
    }
    return true; /* retry the instruction (or wherever gdb moved rip) */
}

static void com2_irq(void *arg)
{
    if (in_stub)
        return;
    int p = lu_gdb_poll(&stub);
    if (p != LU_GDB_POLL_NONE) {
        struct trap_frame *tf = gdb_arch_irq_frame(IRQ_VEC_ISA + 3);
        if (tf) {
            struct lu_gdb_stop stop = {.signo = p == LU_GDB_POLL_INTERRUPT ? 2 : 5};
            stop_and_serve(tf, &stop, p == LU_GDB_POLL_KNOCK);
        } else {
            klog_debug("gdb: interrupted context not found; request dropped");
        }
    }
    /* The ISA line is edge-triggered: if bytes are still waiting, toggling
     * IER makes the UART raise it afresh instead of leaving it high. */
    outb(COM2 + IER, 0x00);
    outb(COM2 + IER, 0x01);
}

/* exit.c calls this before reporting a fatal fault (weak default there). */
bool panic_debugger_hook(int signo, struct trap_frame *tf)
{
    return false; /* faults were offered to gdb in exception_hook already */
}

static const struct lu_gdb_target target = {&gdb_x86_ops, &lu_gdb_arch_x86_64, NULL};
static const struct lu_gdb_transport transport = {com2_getc, com2_write, NULL};

__attribute__((constructor)) static void gdb_init(void)
{
    const char *opt = lu_plat_getopt("gdb");
    if (!opt || !*opt || strcmp(opt, "off") == 0)
        return;
    bool wait = strstr(opt, "wait") != NULL;
    wait_for_panic = strstr(opt, "panic") != NULL;
    enabled = true;
    com2_init();
    lu_gdb_init(&stub, &target, &transport);
    trap_set_exception_hook(exception_hook);
    if (irq_register_isa(3, com2_irq, NULL, "gdb") >= 0)
        outb(COM2 + IER, 0x01); /* interrupt on received data: attach and ^C */
    if (wait) {
        kprintf("lucent: gdb=wait: stopped before main(), waiting for gdb on COM2\n");
        gdb_arch_break_once((uintptr_t)main);
    }
}
