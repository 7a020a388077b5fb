/*
 * Channels (include/lucent/plat.h) over virtio-console ports.
 *
 * Every call first collects what the device finished (control messages,
 * filled receive buffers, sent transmit buffers), then acts. A call that
 * must wait drops the device lock and sleeps until the device's interrupt
 * (or spins through kernel_wait_event where there is none, or interrupts
 * are off). A non-blocking call never waits, not even for the lock.
 *
 * Receive: VCON_RX_BUFS page-sized buffers stay posted; a filled one joins
 * a FIFO, reads copy out of it and repost it once emptied. Transmit: a
 * write copies into free VCON_TX_BUF_SIZE buffers and queues them; they come
 * back to the free list when the device has passed them to the chardev.
 * Host backpressure (a slow peer) therefore shows up as no free buffer.
 *
 * Locking: one mutex per device (struct vcon). With interrupts off (the gdb
 * stub, the panic path) the world is stopped: the lock is taken if free
 * and otherwise ignored, since its holder cannot run until we are done.
 */
#include <errno.h>
#include <string.h>
#include <lucent/panic.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include "../lib/klog.h"
#include "../sched/sched.h"
#include "drivers.h"
#include "virtio_console.h"

/* 1: the lock is ours; 0: go on without it (interrupts off); -EAGAIN:
 * busy and the caller will not wait. */
static int lock(struct vcon *d, unsigned flags)
{
    if (!irq_enabled())
        return kmutex_trylock(&d->lock) == 0;
    if (flags & LU_CHAN_NONBLOCK)
        return kmutex_trylock(&d->lock) == 0 ? 1 : -EAGAIN;
    /* -EDEADLK: this thread holds it already, which only the panic path's
     * flush does (a panic inside a channel call); go on without. */
    return kmutex_lock(&d->lock, 0) == 0;
}

static void unlock(struct vcon *d, int held)
{
    if (held > 0)
        vcon_unlock(d);
}

/* Waits, without the lock, until the device signals anything after event
 * count @seen, or @deadline (UINT64_MAX: none). Returns the lock state
 * again. */
static int block(struct vcon *d, int held, uint64_t seen, uint64_t deadline)
{
    unlock(d, held);
    if (d->irq && irq_enabled()) {
        unsigned long f = irq_save();
        if (d->events == seen && lu_plat_now_ns() < deadline)
            sched_block(&d->waiters, deadline == UINT64_MAX ? 0 : deadline);
        irq_restore(f);
    } else {
        kernel_wait_event(deadline);
    }
    return lock(d, 0);
}

/* Takes what the device finished on this port's queues. */
void chan_collect(struct lu_chan *ch)
{
    if (!ch->opened)
        return;
    uint8_t *p;
    uint32_t len;
    while ((p = virtq_get(&ch->rx, &len))) {
        uint16_t slot = (uint16_t)((p - ch->rx_mem) / VCON_BUF_SIZE);
        uint16_t at = (uint16_t)((ch->rx_head + ch->rx_count) % VCON_RX_BUFS);
        ch->rx_fifo[at] = slot;
        ch->rx_fifo_len[at] = (uint16_t)(len < VCON_BUF_SIZE ? len : VCON_BUF_SIZE);
        ch->rx_count++;
        ch->stats.bytes_in += ch->rx_fifo_len[at];
        ch->rx_bytes_at[ch->rx.last_used % 64] = ch->stats.bytes_in;
    }
    while ((p = virtq_get(&ch->tx, NULL)))
        ch->tx_free[ch->ntx_free++] = (uint16_t)((p - ch->tx_mem) / VCON_TX_BUF_SIZE);
}

/* Readers get the old peer's bytes (those before @rx_end in the receive
 * queue), then -EPIPE once, then the next peer's bytes. */
void chan_host_closed(struct lu_chan *ch, int rx_end)
{
    if (!ch->host_open) {
        ch->open_pending = false; /* came and went unseen */
        return;
    }
    chan_collect(ch);
    ch->host_open = false;
    ch->hup_read = ch->hup_wait = true;
    uint16_t behind = (uint16_t)(ch->rx.last_used - (uint16_t)rx_end);
    /* Unknown, or further back than we remember (cannot happen with 16
     * buffers posted): count all that came as the old peer's. */
    ch->hup_mark = rx_end < 0 || behind >= 64 ? ch->stats.bytes_in : ch->rx_bytes_at[(uint16_t)rx_end % 64];
    ch->stats.disconnects++;
    klog_debug("chan %u: peer closed, rx_end %d, its bytes end at %lu (received %lu, consumed %lu)\n", ch->id,
               rx_end, (unsigned long)ch->hup_mark, (unsigned long)ch->stats.bytes_in,
               (unsigned long)ch->rx_consumed);
}

/* As in the hostbuild, a new peer is not seen while the old one's bytes
 * are still unread: its echo would otherwise reach the new peer. It
 * becomes connected when a reader has had the old bytes and the -EPIPE. */
void chan_host_opened(struct lu_chan *ch)
{
    if (ch->host_open)
        return;
    chan_collect(ch);
    if (ch->hup_read && ch->rx_consumed < ch->hup_mark) {
        ch->open_pending = true;
        return;
    }
    ch->host_open = true;
    ch->stats.connects++;
}

static void collect(struct lu_chan *ch)
{
    chan_collect(ch);
    vcon_poll_control(ch->dev);
}

/* No waiting for names: the device answers DEVICE_READY with every
 * PORT_ADD before it hands the message back, and each PORT_READY with
 * PORT_NAME the same way (QEMU's control_out), and the probe waited for
 * both. So the names are all here, under TCG and KVM alike; only a port
 * hot-plugged later can be missing, and opening it then says so. */
struct lu_chan *lu_chan_open(const char *name)
{
    struct vcon *d = vcon_get();
    if (!d)
        return NULL;
    int held = lock(d, 0);
    vcon_poll_control(d);
    struct lu_chan *found = NULL;
    for (uint32_t i = 0; i < d->nports && !found; i++) {
        struct lu_chan *ch = &d->port[i];
        if (ch->added && ch->named && strcmp(ch->name, name) == 0)
            found = ch;
    }
    if (found && vcon_port_open(found) != 0)
        found = NULL;
    unlock(d, held);
    return found;
}

bool lu_chan_connected(struct lu_chan *ch)
{
    int held = lock(ch->dev, LU_CHAN_NONBLOCK);
    if (held >= 0)
        collect(ch);
    bool c = ch->host_open; /* a lock-free read when busy: a snapshot either way */
    unlock(ch->dev, held);
    return c;
}

static size_t rx_take(struct lu_chan *ch, uint8_t *out, size_t len)
{
    size_t n = 0;
    bool reposted = false;
    while (n < len && ch->rx_count) {
        uint16_t slot = ch->rx_fifo[ch->rx_head], have = ch->rx_fifo_len[ch->rx_head];
        uint8_t *buf = ch->rx_mem + slot * VCON_BUF_SIZE;
        size_t left = (size_t)(have - ch->rx_off), k = left < len - n ? left : len - n;
        memcpy(out + n, buf + ch->rx_off, k);
        n += k;
        ch->rx_off = (uint16_t)(ch->rx_off + k);
        if (ch->rx_off == have) {
            struct virtq_buf b = {buf, VCON_BUF_SIZE, true};
            virtq_add(&ch->rx, &b, 1, buf);
            reposted = true;
            ch->rx_head = (uint16_t)((ch->rx_head + 1) % VCON_RX_BUFS);
            ch->rx_count--;
            ch->rx_off = 0;
        }
    }
    if (reposted)
        virtq_kick(&ch->rx);
    return n;
}

ssize_t lu_chan_read(struct lu_chan *ch, void *buf, size_t len, unsigned flags)
{
    if (!len)
        return 0;
    int held = lock(ch->dev, flags);
    if (held < 0)
        return -EAGAIN;
    ssize_t r;
    for (;;) {
        uint64_t seen = ch->dev->events;
        collect(ch);
        size_t want = len;
        if (ch->hup_read) {
            if (ch->rx_consumed >= ch->hup_mark) {
                ch->hup_read = false;
                if (ch->open_pending) {
                    ch->open_pending = false;
                    chan_host_opened(ch);
                }
                r = -EPIPE;
                break;
            }
            if (want > ch->hup_mark - ch->rx_consumed)
                want = (size_t)(ch->hup_mark - ch->rx_consumed);
        }
        size_t n = rx_take(ch, buf, want);
        ch->rx_consumed += n;
        if (n) {
            r = (ssize_t)n;
            break;
        }
        if (flags & LU_CHAN_NONBLOCK) {
            r = ch->host_open ? -EAGAIN : -EPIPE;
            break;
        }
        held = block(ch->dev, held, seen, UINT64_MAX);
    }
    unlock(ch->dev, held);
    return r;
}

ssize_t lu_chan_write(struct lu_chan *ch, const void *buf, size_t len, unsigned flags)
{
    const uint8_t *src = buf;
    size_t done = 0;
    /* Same rules as the device lock: wlock first, then the device lock. */
    int wheld = irq_enabled() && !(flags & LU_CHAN_NONBLOCK) ? (kmutex_lock(&ch->wlock, 0), 1)
                                                             : kmutex_trylock(&ch->wlock) == 0;
    int held = wheld || !irq_enabled() ? lock(ch->dev, flags) : -EAGAIN;
    if (held < 0) {
        if (wheld)
            kmutex_unlock(&ch->wlock);
        __atomic_fetch_add(&ch->stats.writes_dropped, 1, __ATOMIC_RELAXED); /* without the lock */
        return -EAGAIN;
    }
    ssize_t r;
    for (;;) {
        uint64_t seen = ch->dev->events;
        collect(ch);
        if (!ch->host_open) {
            if (flags & LU_CHAN_NONBLOCK)
                ch->stats.writes_dropped++; /* plat.h: non-blocking refusals only */
            r = -EPIPE;
            break;
        }
        bool added = false;
        while (done < len && ch->ntx_free) {
            uint16_t slot = ch->tx_free[--ch->ntx_free];
            uint8_t *p = ch->tx_mem + slot * VCON_TX_BUF_SIZE;
            uint32_t k = (uint32_t)(len - done < VCON_TX_BUF_SIZE ? len - done : VCON_TX_BUF_SIZE);
            memcpy(p, src + done, k);
            struct virtq_buf b = {p, k, false};
            virtq_add(&ch->tx, &b, 1, p);
            done += k;
            ch->stats.bytes_out += k;
            added = true;
        }
        if (added)
            virtq_kick(&ch->tx);
        if (done == len) {
            r = (ssize_t)len;
            break;
        }
        if (flags & LU_CHAN_NONBLOCK) {
            if (!done)
                ch->stats.writes_dropped++;
            r = done ? (ssize_t)done : -EAGAIN;
            break;
        }
        held = block(ch->dev, held, seen, UINT64_MAX);
    }
    unlock(ch->dev, held);
    if (wheld)
        kmutex_unlock(&ch->wlock);
    return r;
}

/* READABLE means a read would not wait: data, or the -EPIPE owed for a
 * peer that left (as EOF makes a socket readable). */
static int holding(struct lu_chan *ch)
{
    return (ch->rx_count || ch->hup_read ? LU_CHAN_READABLE : 0) |
           (ch->host_open && ch->ntx_free ? LU_CHAN_WRITABLE : 0) | (ch->hup_wait ? LU_CHAN_HANGUP : 0);
}

int lu_chan_wait(struct lu_chan *ch, int events, int64_t timeout_ns)
{
    uint64_t deadline = timeout_ns < 0 ? UINT64_MAX : lu_plat_now_ns() + (uint64_t)timeout_ns;
    int held = lock(ch->dev, 0), ev;
    for (;;) {
        uint64_t seen = ch->dev->events;
        collect(ch);
        /* A hang-up is always reported, like POLLHUP: a reader waiting for
         * data must learn that none will come from this peer. */
        ev = holding(ch) & (events | LU_CHAN_HANGUP);
        if (ev) {
            if (ev & LU_CHAN_HANGUP)
                ch->hup_wait = false;
            break;
        }
        if (lu_plat_now_ns() >= deadline)
            break;
        held = block(ch->dev, held, seen, deadline);
    }
    unlock(ch->dev, held);
    return ev;
}

void lu_chan_get_stats(struct lu_chan *ch, struct lu_chan_stats *out)
{
    int held = lock(ch->dev, 0);
    collect(ch);
    *out = ch->stats;
    unlock(ch->dev, held);
}

/* At exit (kernel_exit): a write returns once its bytes are queued, and
 * QEMU forwards them to the peer's socket when it takes the buffers; a VM
 * that stops first loses them. So wait, up to 2 s in all, until every
 * connected port has its transmit buffers back. */
static void drain_at_exit(const struct lu_panic_info *why)
{
    struct vcon *d = vcon_running();
    if (!d)
        return;
    uint64_t deadline = lu_plat_now_ns() + 2000000000ULL;
    int held = lock(d, 0);
    for (uint32_t i = 0; i < d->nports; i++) {
        struct lu_chan *ch = &d->port[i];
        for (;;) {
            uint64_t seen = d->events;
            if (!ch->opened)
                break;
            collect(ch);
            if (!ch->host_open || ch->ntx_free == ch->ntx_total || lu_plat_now_ns() >= deadline)
                break;
            held = block(d, held, seen, deadline);
        }
    }
    unlock(d, held);
}
LU_PANIC_STEP(chan_drain, LU_PANIC_EXIT, drain_at_exit);
