/*
 * Channels (include/lucent/plat.h) over virtio-console ports.
 *
 * Every call first collects what the device finished (control messages,
 * filled receive buffers, sent transmit buffers), then acts. Waiting goes
 * through kernel_wait_event(), so today it spins and with the scheduler it
 * will block until an interrupt; a non-blocking call never waits.
 *
 * Receive: VCON_RX_BUFS page-sized buffers stay posted; a filled one joins
 * a FIFO, reads copy out of it and repost it once emptied. Transmit: a
 * write copies into free VCON_BUF_SIZE buffers and queues them; they come
 * back to the free list when the device has passed them to the chardev.
 * Host backpressure (a slow peer) therefore shows up as no free buffer.
 *
 * Not thread-safe yet: one user per channel (issue B adds a lock).
 */
#include <errno.h>
#include <string.h>
#include "../kernel.h"
#include "virtio_console.h"

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
    }
    while ((p = virtq_get(&ch->tx, NULL)))
        ch->tx_free[ch->ntx_free++] = (uint16_t)((p - ch->tx_mem) / VCON_BUF_SIZE);
}

/* The device sends a peer's bytes before it reports the peer gone, so
 * after collecting, everything up to bytes_in came from the old peer:
 * readers get those, then -EPIPE once, then the next peer's bytes. */
void chan_host_closed(struct lu_chan *ch)
{
    if (!ch->host_open)
        return;
    chan_collect(ch);
    ch->host_open = false;
    ch->hup_read = ch->hup_wait = true;
    ch->hup_mark = ch->stats.bytes_in;
    ch->stats.disconnects++;
}

static void collect(struct lu_chan *ch)
{
    chan_collect(ch);
    vcon_poll_control(ch->dev);
}

struct lu_chan *lu_chan_open(const char *name)
{
    struct vcon *d = vcon_get();
    if (!d)
        return NULL;
    for (;;) {
        vcon_poll_control(d);
        uint32_t added = 0, named = 0;
        for (uint32_t i = 0; i < d->nports; i++) {
            struct lu_chan *ch = &d->port[i];
            added += ch->added;
            named += ch->added && ch->named;
            if (ch->added && ch->named && strcmp(ch->name, name) == 0)
                return vcon_port_open(ch) == 0 ? ch : NULL;
        }
        /* Not (yet) there. Under TCG the device answers DEVICE_READY at
         * once; with KVM's asynchronous notifies names may still be coming. */
        if ((added && added == named) || lu_plat_now_ns() >= d->ready_ns + VCON_SETTLE_NS)
            return NULL;
        kernel_wait_event(d->ready_ns + VCON_SETTLE_NS);
    }
}

bool lu_chan_connected(struct lu_chan *ch)
{
    collect(ch);
    return ch->host_open;
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
    for (;;) {
        collect(ch);
        size_t want = len;
        if (ch->hup_read) {
            if (ch->rx_consumed >= ch->hup_mark) {
                ch->hup_read = false;
                return -EPIPE;
            }
            if (want > ch->hup_mark - ch->rx_consumed)
                want = (size_t)(ch->hup_mark - ch->rx_consumed);
        }
        size_t n = rx_take(ch, buf, want);
        ch->rx_consumed += n;
        if (n)
            return (ssize_t)n;
        if (flags & LU_CHAN_NONBLOCK)
            return ch->host_open ? -EAGAIN : -EPIPE;
        kernel_wait_event(UINT64_MAX);
    }
}

ssize_t lu_chan_write(struct lu_chan *ch, const void *buf, size_t len, unsigned flags)
{
    const uint8_t *src = buf;
    size_t done = 0;
    for (;;) {
        collect(ch);
        if (!ch->host_open) {
            ch->stats.writes_dropped++;
            return -EPIPE;
        }
        bool added = false;
        while (done < len && ch->ntx_free) {
            uint16_t slot = ch->tx_free[--ch->ntx_free];
            uint8_t *p = ch->tx_mem + slot * VCON_BUF_SIZE;
            uint32_t k = (uint32_t)(len - done < VCON_BUF_SIZE ? len - done : VCON_BUF_SIZE);
            memcpy(p, src + done, k);
            struct virtq_buf b = {p, k, false};
            virtq_add(&ch->tx, &b, 1, p);
            done += k;
            ch->stats.bytes_out += k;
            added = true;
        }
        if (added)
            virtq_kick(&ch->tx);
        if (done == len)
            return (ssize_t)len;
        if (flags & LU_CHAN_NONBLOCK) {
            if (done)
                return (ssize_t)done;
            ch->stats.writes_dropped++;
            return -EAGAIN;
        }
        kernel_wait_event(UINT64_MAX);
    }
}

/* READABLE means a read would not wait: data, or the -EPIPE owed for a
 * peer that left (as EOF makes a socket readable). */
static int holding(struct lu_chan *ch)
{
    return (ch->rx_count || ch->hup_read ? LU_CHAN_READABLE : 0) | (ch->host_open && ch->ntx_free ? LU_CHAN_WRITABLE : 0) |
           (ch->hup_wait ? LU_CHAN_HANGUP : 0);
}

int lu_chan_wait(struct lu_chan *ch, int events, int64_t timeout_ns)
{
    uint64_t deadline = timeout_ns < 0 ? UINT64_MAX : lu_plat_now_ns() + (uint64_t)timeout_ns;
    for (;;) {
        collect(ch);
        /* A hang-up is always reported, like POLLHUP: a reader waiting for
         * data must learn that none will come from this peer. */
        int ev = holding(ch) & (events | LU_CHAN_HANGUP);
        if (ev) {
            if (ev & LU_CHAN_HANGUP)
                ch->hup_wait = false;
            return ev;
        }
        if (lu_plat_now_ns() >= deadline)
            return 0;
        kernel_wait_event(deadline);
    }
}

void lu_chan_get_stats(struct lu_chan *ch, struct lu_chan_stats *out)
{
    collect(ch);
    *out = ch->stats;
}
