/*
 * The hostbuild's platform metrics: the same families as kernel/metrics.c
 * where Linux has an equivalent (malloc's heap, context switches); the
 * page allocator, unclaimed RAM and interrupts by vector have none in a
 * process and are left out (docs/metrics.md).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <sys/resource.h>
#include <lucent/metrics.h>

/* glibc's malloc, all arenas: handed out, and held but not handed out. */
static int64_t heap_used_bytes(const struct lu_metric *m)
{
    struct mallinfo2 mi = mallinfo2();
    return (int64_t)(mi.uordblks + mi.hblkhd); /* hblkhd: big blocks malloc mmap()ed */
}
static int64_t heap_free_bytes(const struct lu_metric *m) { return (int64_t)mallinfo2().fordblks; }
LU_GAUGE_FN(heap_used, "lucent_heap_bytes",
            "malloc heap bytes: used (handed out) or free (held, not handed out).", 0, heap_used_bytes,
            LU_LABELS("state", "used"));
LU_GAUGE_FN(heap_free, "lucent_heap_bytes",
            "malloc heap bytes: used (handed out) or free (held, not handed out).", 0, heap_free_bytes,
            LU_LABELS("state", "free"));

/* Voluntary and involuntary, every thread of the process (Linux counts a
 * switch in and out as one). */
static int64_t switches(const struct lu_metric *m)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru))
        return 0;
    return (int64_t)ru.ru_nvcsw + ru.ru_nivcsw;
}
LU_COUNTER_FN(ctx_switches, "lucent_context_switches_total", "Context switches, all CPUs.", 0, switches);
