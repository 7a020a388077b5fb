/*
 * serve.c: the stub's two entry points. lu_gdb_serve() runs while the image
 * is stopped and talks to gdb until gdb resumes it; lu_gdb_poll() runs while
 * the image is running and only notices that gdb wants it stopped.
 *
 * Acks: every packet we receive gets '+' (good) or '-' (bad checksum, so
 * gdb resends) until QStartNoAckMode, after which neither side sends them.
 * A packet too large for our buffer is acked and answered with an error,
 * since resending it would not make it fit.
 */
#include <errno.h>
#include <string.h>
#include "gdbstub.h"

#define SECOND 1000000000LL

void lu_gdb_init(struct lu_gdb *g, const struct lu_gdb_target *tgt, const struct lu_gdb_transport *io)
{
    memset(g, 0, sizeof *g);
    g->tgt = *tgt;
    g->io = *io;
    g->ack_timeout_ns = 2 * SECOND;
    g->packet_timeout_ns = 2 * SECOND;
    lu_gdb_rx_reset(&g->rx);
}

void lu_gdb_send_stop(struct lu_gdb *g)
{
    static const char *const reason[] = {
        [LU_GDB_STOP_SWBREAK] = "swbreak:;", [LU_GDB_STOP_HWBREAK] = "hwbreak:;",
        [LU_GDB_STOP_WATCH] = "watch:",      [LU_GDB_STOP_RWATCH] = "rwatch:",
        [LU_GDB_STOP_AWATCH] = "awatch:",
    };
    const struct lu_gdb_stop *s = &g->stop;
    uint8_t sig = (uint8_t)s->signo;
    lu_gdb_out_reset(g);
    lu_gdb_out_str(g, "T");
    lu_gdb_out_hex(g, &sig, 1);
    if (s->tid) {
        lu_gdb_out_str(g, "thread:");
        lu_gdb_out_num(g, s->tid);
        lu_gdb_out_str(g, ";");
        /* gdb takes the thread of a stop reply as its H g thread from now
         * on (remote.c, record_currthread), and sends no Hg for it: make it
         * so here, or `g` would answer for the thread of an older Hg (a
         * `thread apply all bt` before the `continue`). */
        g->hg = 0;
    }
    if (s->kind != LU_GDB_STOP_SIGNAL && s->kind <= LU_GDB_STOP_AWATCH) {
        lu_gdb_out_str(g, reason[s->kind]);
        if (s->kind >= LU_GDB_STOP_WATCH) {
            lu_gdb_out_num(g, s->addr);
            lu_gdb_out_str(g, ";");
        }
    }
    /* Expedite the registers gdb needs to show where we are, so a step
     * costs one round trip instead of two (gdb would read `g` next). */
    const struct lu_gdb_arch *a = g->tgt.arch;
    uint8_t buf[64];
    for (const int *r = a->expedite; r && *r >= 0; r++) {
        if (a->reg_bytes[*r] > sizeof buf || g->tgt.ops->read_reg(g->tgt.ctx, s->tid, *r, buf) < 0)
            continue;
        uint8_t n = (uint8_t)*r;
        lu_gdb_out_hex(g, &n, 1);
        lu_gdb_out_str(g, ":");
        lu_gdb_out_hex(g, buf, a->reg_bytes[*r]);
        lu_gdb_out_str(g, ";");
    }
    lu_gdb_send(g);
}

/* One received event, acked and answered. Returns 1 to keep serving, or an
 * outcome. */
static int handle(struct lu_gdb *g, enum lu_gdb_rx_event ev)
{
    switch (ev) {
    case LU_GDB_RX_PACKET: {
        g->stats.packets_in++;
        if (strncmp((const char *)g->rx.buf, "qSupported", 10) == 0)
            g->noack = false; /* a new gdb: it starts with acks */
        if (!g->noack)
            g->io.write(g->io.ctx, "+", 1);
        g->attached = true;
        lu_gdb_out_reset(g);
        int r = lu_gdb_dispatch(g);
        if (r == LU_GDB_REPLY)
            lu_gdb_send(g);
        return r < 0 ? -1 : r;
    }
    case LU_GDB_RX_BADCSUM:
    case LU_GDB_RX_MALFORMED:
        if (ev == LU_GDB_RX_BADCSUM)
            g->stats.bad_checksums++;
        else
            g->stats.malformed++;
        if (!g->noack)
            g->io.write(g->io.ctx, "-", 1); /* please send it again */
        return -1;
    case LU_GDB_RX_OVERSIZE:
        g->stats.oversized++;
        if (!g->noack)
            g->io.write(g->io.ctx, "+", 1);
        lu_gdb_error(g, EMSGSIZE);
        lu_gdb_send(g);
        return -1;
    case LU_GDB_RX_INTERRUPT:
        /* Already stopped: gdb sent ^C just as we stopped. It waits for a
         * stop reply only if it had resumed us; otherwise ignore it. */
        g->stats.interrupts++;
        return -1;
    default: return -1; /* acks outside a send, noise */
    }
}

static enum lu_gdb_outcome serve(struct lu_gdb *g, const struct lu_gdb_stop *why, bool knock);

enum lu_gdb_outcome lu_gdb_serve(struct lu_gdb *g, const struct lu_gdb_stop *why, bool knock)
{
    enum lu_gdb_outcome r = serve(g, why, knock);
    if (g->io.flush)
        g->io.flush(g->io.ctx);
    return r;
}

/* gdb left (the transport said so): forget it, and take out what it
 * inserted, since no one will remove it. */
static void peer_gone(struct lu_gdb *g)
{
    bool was = g->attached;
    g->attached = g->running = g->noack = false;
    lu_gdb_rx_reset(&g->rx);
    if (was)
        g->tgt.ops->detach(g->tgt.ctx);
}

static enum lu_gdb_outcome serve(struct lu_gdb *g, const struct lu_gdb_stop *why, bool knock)
{
    if (why != &g->stop)
        g->stop = *why;
    /* H c stays: gdb caches it across stops and resends only changes.
     * H g goes back to the stopped thread with the stop reply (below,
     * lu_gdb_send_stop). */
    if (knock) {
        /* In all-stop mode an attached gdb sends nothing but ^C while we
         * run, so a packet now is a new gdb: it starts with acks on and
         * expects no stop reply until it asks with `?`. */
        g->running = g->noack = false;
    } else if (g->running) {
        g->running = false;
        lu_gdb_send_stop(g);
    }
    g->pending_intr = false;
    for (;;) {
        /* Wait forever for the next command, except in the middle of a
         * packet, and while a knock has not yet produced one: a gdb that
         * vanishes mid-packet must not leave the image stopped. */
        int64_t t = (knock || lu_gdb_rx_busy(&g->rx)) ? g->packet_timeout_ns : -1;
        int c = g->io.getc(g->io.ctx, t);
        if (c == -EPIPE) {
            g->attached = true; /* detach() whether or not it spoke */
            peer_gone(g);
            return LU_GDB_DETACHED;
        }
        if (c < 0) {
            if (lu_gdb_rx_busy(&g->rx)) {
                g->stats.timeouts++;
                lu_gdb_rx_reset(&g->rx);
            }
            if (knock)
                return LU_GDB_IDLE;
            continue;
        }
        enum lu_gdb_rx_event ev = lu_gdb_rx_byte(&g->rx, (uint8_t)c);
        if (ev == LU_GDB_RX_PACKET)
            knock = false;
        int r = handle(g, ev);
        if (r >= 0)
            return (enum lu_gdb_outcome)r;
    }
}

int lu_gdb_poll(struct lu_gdb *g)
{
    for (int gone = 0;;) {
        int c = g->io.getc(g->io.ctx, 0);
        if (c == -EPIPE) {
            /* A gdb that left while the image ran (a transport that can
             * tell: not a UART): its breakpoints must not stop us later.
             * The next gdb's bytes may be right behind: read on (once;
             * a transport says -EPIPE once per peer). */
            peer_gone(g);
            if (gone++)
                return LU_GDB_POLL_NONE;
            continue;
        }
        if (c < 0)
            return lu_gdb_rx_busy(&g->rx) ? LU_GDB_POLL_KNOCK : LU_GDB_POLL_NONE;
        if (!lu_gdb_rx_busy(&g->rx) && c == 0x03) {
            g->stats.interrupts++;
            return LU_GDB_POLL_INTERRUPT;
        }
        lu_gdb_rx_byte(&g->rx, (uint8_t)c);
        if (lu_gdb_rx_busy(&g->rx))
            return LU_GDB_POLL_KNOCK; /* a packet is starting */
        /* acks and noise while running: drop */
    }
}
