/*
 * monitor_ext.c: monitor commands that drive other subsystems, tracing
 * (trace/) and metrics (metrics/). Their functions are weak references, so
 * a program built without those subsystems still links, and the command
 * says what is missing instead.
 *
 * Both run with the image stopped. lu_metrics_render() allocates: if the
 * image stopped while a thread held the allocator's lock, it cannot
 * complete, which is the price of asking a stopped world for a fresh
 * exposition (gdb's own `call malloc(...)` has the same limit).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "gdbstub.h"

/* From lucent/trace.h and lucent/metrics.h, declared here as weak. */
int lu_trace_set(const char *categories) __attribute__((weak));
int lu_trace_disable(const char *categories) __attribute__((weak));
int lu_metrics_render(int fmt, char **out, size_t *len) __attribute__((weak));

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
    int rc = lu_metrics_render(0 /* LU_METRICS_PROMETHEUS */, &text, &len);
    if (rc < 0)
        return rc;
    lu_gdb_write(out, text, len);
    free(text);
    return 0;
}
