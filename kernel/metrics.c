/*
 * The image's platform metrics: memory, interrupts and the
 * scheduler, read from the kernel's own state at scrape time, so nothing on
 * a hot path changes. hostbuild/metrics.c declares the same families where
 * Linux has an equivalent; docs/metrics.md lists which build has which.
 *
 * Portable built-ins (uptime, threads by state, CPU seconds per thread) are
 * in metrics/builtin.c; lwIP and virtio-net in kernel/net/metrics.c, which
 * only images with sockets link.
 */
#include <malloc.h>
#include <lucent/metrics.h>
#include <arch/irq.h>
#include "drivers/pci.h"
#include "drivers/virtio.h"
#include "lib/kprintf.h"
#include "libc/ksignal.h"
#include "mm/heap.h"
#include "mm/pages.h"
#include "sched/sched.h"

/* ---- memory ---------------------------------------------------------------- */

/* malloc's own view (newlib's dlmalloc, under its lock): what it handed
 * out, and what it holds from sbrk without having handed it out. */
static int64_t heap_used_bytes(const struct lu_metric *m) { return (int64_t)mallinfo().uordblks; }
static int64_t heap_free_bytes(const struct lu_metric *m) { return (int64_t)mallinfo().fordblks; }
LU_GAUGE_FN(heap_used, "lucent_heap_bytes",
            "malloc heap bytes: used (handed out) or free (held, not handed out).", 0, heap_used_bytes,
            LU_LABELS("state", "used"));
LU_GAUGE_FN(heap_free, "lucent_heap_bytes",
            "malloc heap bytes: used (handed out) or free (held, not handed out).", 0, heap_free_bytes,
            LU_LABELS("state", "free"));

/* The page allocator hands out whole pages from the top of RAM down; every
 * page between its low mark and the top is either in use or on its free
 * list (a freed run waiting for reuse). */
static int64_t page_used_bytes(const struct lu_metric *m) { return (int64_t)pages_used_bytes(); }
static int64_t page_free_bytes(const struct lu_metric *m)
{
    size_t used = pages_used_bytes(), span = mem_top() - pages_low_mark();
    return (int64_t)(span > used ? span - used : 0); /* two unlocked reads: never negative */
}
LU_GAUGE_FN(pages_used, "lucent_page_allocator_bytes",
            "Page allocator bytes (stacks, device memory): used, or free on its free list.", 0,
            page_used_bytes, LU_LABELS("state", "used"));
LU_GAUGE_FN(pages_free, "lucent_page_allocator_bytes",
            "Page allocator bytes (stacks, device memory): used, or free on its free list.", 0,
            page_free_bytes, LU_LABELS("state", "free"));

/* The RAM between the heap's break and the page allocator's low mark:
 * either may still grow into it, so it is free memory for both. */
static int64_t unclaimed(const struct lu_metric *m) { return (int64_t)heap_free(); }
LU_GAUGE_FN(unclaimed_bytes, "lucent_memory_unclaimed_bytes",
            "RAM neither the heap nor the page allocator has claimed yet (either can grow into it).", 0,
            unclaimed);

/* ---- scheduler and interrupts --------------------------------------------- */

static int64_t switches(const struct lu_metric *m) { return (int64_t)sched_context_switches(); }
LU_COUNTER_FN(ctx_switches, "lucent_context_switches_total", "Context switches, all CPUs.", 0, switches);

/* Only vectors that have fired: a vector's series appears with its first
 * interrupt (a counter starting from 0 then, which rate() handles). */
static void irq_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    for (unsigned v = 32; v < 256; v++) {
        uint64_t n = irq_count(v);
        if (!n)
            continue;
        char id[4] = {0};
        ksnprintf(id, sizeof id, "%u", v);
        lu_metrics_emit(s, LU_VALUES(id), (int64_t)n);
    }
}
LU_COLLECTOR(interrupts, "lucent_interrupts_total", "Device interrupts handled, by vector.",
             LU_METRIC_COUNTER, 0, LU_LABEL_NAMES("vector"), irq_collect);

/* Signals acted on (a handler run or a default action), by number; only
 * numbers that have been. */
static void signal_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    for (int sig = 1; sig < 64; sig++) {
        uint64_t n = signal_delivered(sig);
        if (!n)
            continue;
        char id[4] = {0};
        ksnprintf(id, sizeof id, "%d", sig);
        lu_metrics_emit(s, LU_VALUES(id), (int64_t)n);
    }
}
LU_COLLECTOR(signals, "lucent_signals_delivered_total", "Signals delivered, by number.", LU_METRIC_COUNTER, 0,
             LU_LABEL_NAMES("signal"), signal_collect);

/* ---- virtio queues -------------------------------------------------------- */

/* Per queue: buffers made available to the device, notifications sent to it
 * (adds it did not ask to hear about are not notified), and buffers it
 * handed back. Read unlocked: each is a 64-bit word one driver writes. */
static void virtq_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    struct virtq *q;
    for (unsigned i = 0; (q = virtq_registered(i)); i++) {
        char dev[16], queue[8];
        uint16_t id = q->dev && q->dev->pci ? q->dev->pci->device : 0;
        /* modern ids are 0x1040 + type: 1 network, 3 console, 4 rng */
        const char *name = id == 0x1041 || id == 0x1000   ? "net"
                           : id == 0x1043 || id == 0x1003 ? "console"
                           : id == 0x1044 || id == 0x1005 ? "rng"
                                                          : NULL;
        if (name)
            ksnprintf(dev, sizeof dev, "%s", name);
        else
            ksnprintf(dev, sizeof dev, "%04x", id);
        ksnprintf(queue, sizeof queue, "%u", q->index);
        lu_metrics_emit(s, LU_VALUES(dev, queue, "add"), (int64_t)q->n_add);
        lu_metrics_emit(s, LU_VALUES(dev, queue, "notify"), (int64_t)q->n_notify);
        lu_metrics_emit(s, LU_VALUES(dev, queue, "used"), (int64_t)q->n_used);
    }
}
LU_COLLECTOR(virtq_ops, "lucent_virtio_queue_operations_total",
             "virtio queue operations: buffers added, device notifications, buffers the device returned.",
             LU_METRIC_COUNTER, 0, LU_LABEL_NAMES("device", "queue", "op"), virtq_collect);
