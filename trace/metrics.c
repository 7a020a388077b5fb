/*
 * The trace's counts for metrics (lucent/metrics.h, lu_metrics_trace_counts):
 * every program links trace/ and metrics/, and metrics exports
 * lucent_trace_events_total{ring} and lucent_trace_events_dropped_total{ring}.
 * A ring is a CPU in the image and a thread in the hostbuild (README.md).
 * Read without locks: each count is one atomic load.
 */
#include <errno.h>
#include <lucent/metrics.h>
#include "internal.h"
#include "ring.h"

int lu_metrics_trace_counts(unsigned ring, struct lu_metrics_trace_counts *out)
{
    if (ring >= lu_trace_ring_count())
        return -ENOENT;
    const struct lu_trace_ring *r = lu_trace_rings[ring];
    if (!r)
        return -ENOENT;
    out->emitted = ring_head(r); /* positions reserved: every record written, none refused */
    out->dropped = ring_dropped(r);
    return 0;
}
