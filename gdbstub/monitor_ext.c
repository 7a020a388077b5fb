/*
 * monitor_ext.c: monitor commands that drive other subsystems, tracing
 * (trace/) and metrics (metrics/). Every image links both; their functions
 * are weak references only for the fuzz harness, which links the protocol
 * core alone (gdbstub/tests/meson.build): there the command says what is
 * missing instead.
 *
 * Both run with the image stopped. lu_metrics_render() allocates: if the
 * image stopped while a thread held the allocator's lock, it cannot
 * complete, which is the price of asking a stopped world for a fresh
 * exposition (gdb's own `call malloc(...)` has the same limit).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/metrics.h>
#include <lucent/trace.h>
#include "gdbstub.h"

/* Weak: the fuzz harness links the protocol core without trace/ and metrics/. */
#pragma weak lu_trace_set
#pragma weak lu_trace_disable
#pragma weak lu_metrics_render

LU_GDB_MONITOR(trace, "trace <categories|all|off>", "trace exactly these categories, or none")
{
    if (!lu_trace_set || !lu_trace_disable) {
        lu_gdb_printf(out, "tracing is not linked into this image\n");
        return 0;
    }
    if (!*args) {
        lu_gdb_printf(out, "usage: monitor trace <categories|all|off>\n");
        return 0;
    }
    if (strcmp(args, "off") == 0) {
        int n = lu_trace_disable("all");
        lu_gdb_printf(out, "tracing off (%d tracepoints disabled)\n", n);
        return 0;
    }
    int n = lu_trace_set(args);
    lu_gdb_printf(out, "tracing '%s': %d tracepoints enabled\n", args, n);
    return 0;
}

LU_GDB_MONITOR(metrics, "metrics", "print every metric (Prometheus text exposition)")
{
    if (!lu_metrics_render) {
        lu_gdb_printf(out, "metrics are not linked into this image\n");
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    int rc = lu_metrics_render(LU_METRICS_PROMETHEUS, &text, &len);
    if (rc < 0)
        return rc;
    lu_gdb_write(out, text, len);
    free(text);
    return 0;
}
