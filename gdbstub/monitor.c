/*
 * monitor.c: `monitor` commands (qRcmd). Commands register themselves in
 * the lu_gdb_monitor section (LU_GDB_MONITOR in lucent/gdb.h); this file
 * finds them, runs one, and streams what it prints to gdb as "O" packets,
 * which gdb shows on its console as they arrive.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "gdbstub.h"

/* Defined by the linker from the section's contents. Weak, so a program
 * without a single command (impossible here: help is below) still links. */
extern const struct lu_gdb_monitor __start_lu_gdb_monitor[] __attribute__((weak));
extern const struct lu_gdb_monitor __stop_lu_gdb_monitor[] __attribute__((weak));

#define OUT_LIMIT (256 * 1024) /* what one command may print */

struct lu_gdb_out {
    struct lu_gdb *g;
    size_t n, total;
    bool truncated;
    char buf[480]; /* hex doubles it: one O packet of ~1 KiB */
};

static void flush(struct lu_gdb_out *o)
{
    if (!o->n)
        return;
    struct lu_gdb *g = o->g;
    lu_gdb_out_reset(g);
    lu_gdb_out_str(g, "O");
    lu_gdb_out_hex(g, o->buf, o->n);
    lu_gdb_send(g);
    o->n = 0;
}

int lu_gdb_write(struct lu_gdb_out *o, const char *s, size_t n)
{
    size_t done = 0;
    while (done < n) {
        if (o->total >= OUT_LIMIT) {
            o->truncated = true;
            break;
        }
        if (o->n == sizeof o->buf)
            flush(o);
        o->buf[o->n++] = s[done++];
        o->total++;
    }
    return (int)done;
}

int lu_gdb_printf(struct lu_gdb_out *o, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return 0;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1; /* long lines are cut, not lost entirely */
    return lu_gdb_write(o, line, (size_t)n);
}

static const struct lu_gdb_monitor *find(const char *name, size_t len)
{
    for (const struct lu_gdb_monitor *m = __start_lu_gdb_monitor; m < __stop_lu_gdb_monitor; m++)
        if (strlen(m->name) == len && strncmp(m->name, name, len) == 0)
            return m;
    return NULL;
}

/* The stub serving the command being run: built-in commands that need the
 * target (threads) find it here. Only one command runs at a time. */
static struct lu_gdb *current;

int lu_gdb_monitor_run(struct lu_gdb *g, const char *cmd)
{
    struct lu_gdb_out o = {.g = g};
    while (*cmd == ' ')
        cmd++;
    size_t len = strcspn(cmd, " ");
    const char *args = cmd + len;
    while (*args == ' ')
        args++;
    const struct lu_gdb_monitor *m = find(cmd, len);
    int rc = 0;
    if (!m) {
        lu_gdb_printf(&o, "unknown monitor command '%.*s'; try 'monitor help'\n", (int)len, cmd);
    } else {
        current = g;
        rc = m->fn(&o, args);
        current = NULL;
        if (rc < 0)
            lu_gdb_printf(&o, "%s: failed (error %d)\n", m->name, -rc);
    }
    if (o.truncated) {
        o.total = 0;
        lu_gdb_printf(&o, "\n[output cut at %d KiB]\n", OUT_LIMIT / 1024);
    }
    flush(&o);
    return 0; /* the command ran; its own errors were printed */
}

LU_GDB_MONITOR(help, "help", "list the monitor commands")
{
    for (const struct lu_gdb_monitor *m = __start_lu_gdb_monitor; m < __stop_lu_gdb_monitor; m++)
        lu_gdb_printf(out, "  %-28s %s\n", m->usage, m->help);
    return 0;
}

static int thread_line(const struct lu_gdb_thread *t, void *arg)
{
    struct lu_gdb_out *out = arg;
    lu_gdb_printf(out, "  %5u  %-20.*s %-10.*s %12llu %10llu\n", (unsigned)t->tid, (int)sizeof t->name,
                  t->name, (int)sizeof t->state, t->state, (unsigned long long)(t->cpu_ns / 1000),
                  (unsigned long long)t->switches);
    return 0;
}

LU_GDB_MONITOR(threads, "threads", "every thread: id, name, state, CPU time, switches")
{
    lu_gdb_printf(out, "  %5s  %-20s %-10s %12s %10s\n", "tid", "name", "state", "cpu_us", "switches");
    return current->tgt.ops->threads(current->tgt.ctx, thread_line, out);
}

LU_GDB_MONITOR(stats, "stats", "the stub's own packet counters")
{
    const struct lu_gdb_stats *s = &current->stats;
    lu_gdb_printf(out,
                  "  packets in %llu out %llu, bad checksums %llu, oversized %llu, malformed %llu,\n"
                  "  retransmits %llu, interrupts %llu, timeouts %llu, unknown packets %llu, no-ack %s\n",
                  (unsigned long long)s->packets_in, (unsigned long long)s->packets_out,
                  (unsigned long long)s->bad_checksums, (unsigned long long)s->oversized,
                  (unsigned long long)s->malformed, (unsigned long long)s->retransmits,
                  (unsigned long long)s->interrupts, (unsigned long long)s->timeouts,
                  (unsigned long long)s->unknown, current->noack ? "on" : "off");
    return 0;
}
