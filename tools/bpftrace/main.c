/*
 * lucent-bpftrace: a Lucent hostbuild process's tracepoints and the
 * kernel's scheduling of its threads, as one Perfetto trace, recorded from
 * outside the process with eBPF. See docs/bpftrace.md.
 *
 * The loop: the BPF side writes records without waking anyone; every 10 ms
 * this takes what is in the ring, encodes it and appends whole packets to
 * the file. It stops when the process exits, at --duration, or on
 * SIGINT/SIGTERM; each way it takes the last records and leaves a trace
 * that opens. --duration and a signal end every probe's stream at one
 * instant (lbt_stop), before the links are taken down one by one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lbt.h"

static const char usage[] =
    "usage: lucent bpftrace PID [--out FILE] [--duration S]\n"
    "       lucent bpftrace BINARY|APP [--out FILE] [--duration S] [--] [ARGS...]\n"
    "\n"
    "Records a running Lucent hostbuild process's tracepoints, and the kernel's sched_switch\n"
    "for its threads, as one Perfetto trace, from outside the process (eBPF: libbpf, USDT\n"
    "probes, a BPF ring buffer). Nothing is compiled in or switched on in the process: every\n"
    "Lucent tracepoint is a USDT probe (provider \"lucent\"), whether its category is on or not.\n"
    "With BINARY (a path, or through `lucent` an app's name), starts it with ARGS and traces it\n"
    "from its first event; it is stopped (SIGTERM) when tracing ends. Its arguments are the\n"
    "words after the first one that is not an option of this tool, or after `--`.\n"
    "\n"
    "Cost: an attached USDT probe traps into the kernel on every event, which costs\n"
    "microseconds per event (1.3-11 us measured in this VM, bench/bpftrace), against tens of\n"
    "nanoseconds for the in-process tracer (lucent trace). This tool is for looking at a\n"
    "process, not for always-on tracing.\n"
    "\n"
    "  --out FILE     where the trace goes (default: bpftrace-PID.pftrace)\n"
    "  --duration S   stop after S seconds (default: when the process exits, or Ctrl-C)\n"
    "  --wakeup       wake the reader on every event instead of draining every 10 ms\n"
    "                 (about twice the cost per event; for the benchmark)\n"
    "\n"
    "Needs root (CAP_BPF and CAP_PERFMON) and kernel BTF (/sys/kernel/btf/vmlinux). The file\n"
    "is a valid trace however tracing ends (process exit or kill, Ctrl-C, --duration).\n"
    "Exit status: 0 when a trace was written, 1 on an error, 2 on bad usage.\n";

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig) { stop_sig = sig; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct run {
    struct lbt_out *out;
    struct lbt_target *t;
    struct lbt_meta *m;
    struct lbt_bpf *b;
    int err;
};

static int on_event(void *ctx, void *data, size_t len)
{
    struct run *r = ctx;
    if (len < sizeof(struct lbt_event) || !r->out)
        return 0;
    const struct lbt_event *ev = data;
    if (ev->kind == LBT_USDT && (ev->flags & LBT_HAS_DATA) && len < sizeof(struct lbt_event_dyn))
        return 0;
    if (!r->t->base_known && lbt_code_start(r->b)) {
        /* where the executable is loaded, as the BPF side saw it: good
         * even when the process exited before /proc could be read */
        r->t->base = lbt_code_start(r->b) - r->m->first_exec_vaddr;
        r->t->base_known = true;
    }
    int e = lbt_out_event(r->out, data);
    if (e == -EIO || e == -ENOSPC || e == -EFBIG || e == -EPIPE) {
        r->err = e;
        return e; /* the file cannot take more: stop here */
    }
    return 0;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int main(int argc, char **argv)
{
    const char *out_path = NULL, *target = NULL;
    double duration = 0;
    bool wakeup = false;
    char **app_argv = NULL;
    /* Options go before or after the target. After a BINARY, the first word
     * that is not one of ours (or everything after `--`) is the app's. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool binary = target && !all_digits(target);
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--out") && i + 1 < argc) {
            out_path = argv[++i];
        } else if (!strcmp(a, "--duration") && i + 1 < argc) {
            char *end;
            duration = strtod(argv[++i], &end);
            if (*end || duration <= 0) {
                fprintf(stderr, "lucent-bpftrace: --duration wants seconds > 0, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--wakeup")) {
            wakeup = true;
        } else if (binary) {
            app_argv = &argv[i + !strcmp(a, "--")];
            break;
        } else if (!strcmp(a, "--") && !target && i + 1 < argc) {
            target = argv[++i];
        } else if (a[0] == '-' || target) {
            fprintf(stderr, "lucent-bpftrace: %s '%s'\n\n%s",
                    a[0] == '-' ? "unknown option" : "unexpected argument after the PID", a, usage);
            return 2;
        } else {
            target = a;
        }
    }
    if (!target) {
        fputs(usage, stderr);
        return 2;
    }

    static struct lbt_target t;
    static struct lbt_meta m;
    struct lbt_bpf b;
    struct run run = {.t = &t, .m = &m, .b = &b};
    int err;
    if (all_digits(target)) {
        err = lbt_target_pid(&t, (pid_t)strtol(target, NULL, 10));
    } else {
        /* argv for the app: its path, then its own arguments */
        int n = 0;
        while (app_argv && app_argv[n])
            n++;
        char **av = calloc((size_t)n + 2, sizeof *av);
        av[0] = (char *)target;
        for (int k = 0; k < n; k++)
            av[k + 1] = app_argv[k];
        err = lbt_target_spawn(&t, target, av);
    }
    if (err)
        return 1;
    if (lbt_meta_load(&m, t.exe) < 0 || lbt_attach(&b, &t, &m, wakeup, on_event, &run) < 0) {
        lbt_target_stop(&t);
        return 1;
    }
    char dflt[64];
    if (!out_path) {
        snprintf(dflt, sizeof dflt, "bpftrace-%d.pftrace", (int)t.pid);
        out_path = dflt;
    }
    run.out = lbt_out_open(out_path, &t, &m);
    if (!run.out) {
        fprintf(stderr, "lucent-bpftrace: %s: %s\n", out_path, strerror(errno));
        lbt_detach(&b);
        lbt_target_stop(&t);
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "lucent-bpftrace: tracing %d (%s): %u lucent probes, sched_switch %s%s -> %s\n",
            (int)t.pid, t.name, b.usdt_links, b.sched_how ? "via " : "not followed",
            b.sched_how ? b.sched_how : "", out_path);
    lbt_target_release(&t);

    double t0 = now_s();
    const char *why = NULL;
    while (!why) {
        if (stop_sig)
            why = "interrupted";
        else if (!lbt_target_alive(&t))
            why = "exited";
        else if (duration && now_s() - t0 >= duration)
            why = "duration";
        /* the trace ends here for every probe at once (detaching them takes
         * a while, one after another); the process's exit ends it by itself */
        if (why && strcmp(why, "exited") != 0)
            lbt_stop(&b);
        /* after the checks: a process that just exited still has its last records here */
        if (wakeup)
            lbt_consume(&b, why ? 0 : 10);
        else
            lbt_consume(&b, 0);
        lbt_out_drops(run.out, lbt_dropped(&b));
        if (run.err || lbt_out_flush(run.out) < 0) {
            why = "write";
            break;
        }
        if (!why && !wakeup)
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    /* no new events; then what the ring still holds */
    bool cut = strcmp(why, "exited") != 0;
    uint64_t end_ns = lbt_stop(&b);
    lbt_unlink(&b);
    lbt_consume(&b, 0);
    lbt_out_drops(run.out, lbt_dropped(&b));
    uint64_t dropped = lbt_dropped(&b);
    lbt_detach(&b);
    if (!strcmp(why, "duration") || !strcmp(why, "interrupted"))
        lbt_target_stop(&t);
    int werr = run.err ? run.err : lbt_out_close(run.out, cut ? end_ns : 0);
    uint64_t app, sched, bytes;
    lbt_out_counts(run.out, &app, &sched, &bytes);

    if (!strcmp(why, "exited")) {
        if (t.child && WIFSIGNALED(t.status))
            fprintf(stderr,
                    "lucent-bpftrace: %s was killed by signal %d (%s) mid-trace; the trace "
                    "ends with its last event\n",
                    t.name, WTERMSIG(t.status), strsignal(WTERMSIG(t.status)));
        else if (t.child)
            fprintf(stderr, "lucent-bpftrace: %s exited with status %d\n", t.name, WEXITSTATUS(t.status));
        else
            fprintf(stderr,
                    "lucent-bpftrace: process %d (%s) exited; the trace ends with its last "
                    "event\n",
                    (int)t.pid, t.name);
    } else if (!strcmp(why, "interrupted")) {
        fprintf(stderr, "lucent-bpftrace: %s; stopped\n", strsignal(stop_sig));
    }
    if (werr) {
        fprintf(stderr,
                "lucent-bpftrace: writing %s: %s; it holds the whole packets written "
                "before that\n",
                out_path, strerror(-werr));
        return 1;
    }
    fprintf(stderr,
            "lucent-bpftrace: wrote %s: %llu app events, %llu sched events, %llu dropped, "
            "%llu bytes\n",
            out_path, (unsigned long long)app, (unsigned long long)sched, (unsigned long long)dropped,
            (unsigned long long)bytes);
    return 0;
}
