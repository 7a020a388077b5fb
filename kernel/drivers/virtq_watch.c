/*
 * The virtqueue stall detector: a thread that looks at every queue a few
 * times a second and catches the two ways a split ring can stop for good
 * while both sides wait for each other (a lost interrupt, a lost notify).
 * Each is counted in lucent_virtio_queue_stalls_total, logged once per
 * queue, and undone, so a bug of that kind costs a pause of the stall time
 * (virtio_stall_ms, 2000 by default; 0 turns the detector off), not the
 * app, and tests can still insist the count stays 0.
 *
 * It only reads the rings, except for the two remedies: running the
 * queue's interrupt handler (as a spurious interrupt would) and writing
 * the notify register (as a spurious notify would); drivers and devices
 * tolerate both.
 */
#include <stdlib.h>
#include <lucent/metrics.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include "../lib/kprintf.h"
#include "../sched/sched.h"
#include "virtio.h"

#define LOOKS_PER_STALL 4
/* How long a probed device gets to react. An idle receive queue looks the
 * same as a starving one, so traffic that happens to arrive within this
 * window after a probe is counted too: short keeps that rare. */
#define PROBE_WAIT_NS 10000000ull

static uint64_t stall_ns = 2000000000ull;

static void nap(uint64_t ns)
{
    unsigned long f = irq_save();
    sched_block(NULL, lu_plat_now_ns() + ns);
    irq_restore(f);
}

void virtq_watch_irq(struct virtq *q, void (*handler)(void *), void *arg)
{
    q->watch.handler = handler;
    q->watch.arg = arg;
}

static const char *device_name(const struct virtq *q)
{
    uint16_t id = q->dev && q->dev->pci ? q->dev->pci->device : 0;
    return id == 0x1041 || id == 0x1000 ? "net" : id == 0x1043 || id == 0x1003 ? "console" : "virtio";
}

static void report(struct virtq *q, const char *what, uint16_t waiting)
{
    if (q->watch.logged)
        return;
    q->watch.logged = true;
    kprintf("virtio: %s queue %u stalled (%s, %u buffers waiting, nothing moved for %lu ms); "
            "recovered, counted in lucent_virtio_queue_stalls_total\n",
            device_name(q), q->index, what, waiting, (unsigned long)(stall_ns / 1000000));
}

/* Completions waiting that the driver has not taken: it missed their
 * interrupt. Runs the handler with interrupts off, as the interrupt would. */
static void lost_interrupt(struct virtq *q, uint16_t waiting)
{
    q->watch.stalls_irq++;
    report(q, "lost interrupt", waiting);
    unsigned long f = irq_save();
    q->watch.handler(q->watch.arg);
    irq_restore(f);
}

/* Buffers the device holds and has not used while nothing moved: idle, or
 * starving for a notify it was never sent. One notify tells them apart: a
 * device that was waiting for it moves at once. */
static void probe(struct virtq *q, uint16_t held)
{
    uint16_t before = q->used->idx;
    virtq_notify(q);
    nap(PROBE_WAIT_NS);
    if (q->used->idx != before) {
        q->watch.stalls_notify++;
        report(q, "lost notify", held);
    }
}

static void look(struct virtq *q, uint64_t now)
{
    struct virtq_watch *w = &q->watch;
    uint16_t used = q->used->idx, last = q->last_used;
    if (used != w->used_seen || last != w->last_used_seen || !w->still_since) {
        w->used_seen = used;
        w->last_used_seen = last;
        w->still_since = now;
        return;
    }
    if (now - w->still_since < stall_ns)
        return;
    w->still_since = now; /* one remedy per stall time */
    if (w->handler && used != last)
        lost_interrupt(q, (uint16_t)(used - last));
    else if (q->avail->idx != used)
        probe(q, (uint16_t)(q->avail->idx - used));
}

static void *watch_main(void *arg)
{
    for (;;) {
        nap(stall_ns / LOOKS_PER_STALL);
        struct virtq *q;
        for (unsigned i = 0; (q = virtq_registered(i)); i++)
            look(q, lu_plat_now_ns());
    }
    return NULL;
}

void virtq_watch_start(void)
{
    const char *o = lu_plat_getopt("virtio_stall_ms");
    if (o)
        stall_ns = strtoull(o, NULL, 10) * 1000000ull;
    if (stall_ns && virtq_registered(0) && !thread_create("virtio-watch", watch_main, NULL, 16384, true))
        kprintf("virtio: no thread for the stall detector\n");
}

static void stalls_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    struct virtq *q;
    for (unsigned i = 0; (q = virtq_registered(i)); i++) {
        char queue[8];
        ksnprintf(queue, sizeof queue, "%u", q->index);
        lu_metrics_emit(s, LU_VALUES(device_name(q), queue, "interrupt"), (int64_t)q->watch.stalls_irq);
        lu_metrics_emit(s, LU_VALUES(device_name(q), queue, "notify"), (int64_t)q->watch.stalls_notify);
    }
}
LU_COLLECTOR(virtq_stalls, "lucent_virtio_queue_stalls_total",
             "virtio queues found stalled and restarted by the detector: completions left untaken (a lost "
             "interrupt) or a device that moved only when probed with a notify (a lost notify).",
             LU_METRIC_COUNTER, 0, LU_LABEL_NAMES("device", "queue", "kind"), stalls_collect);
