/*
 * attach.c: load probes.bpf.c and attach it to the target.
 *
 * USDT: one link per distinct lucent probe name (libbpf finds every call
 * site of that name and decodes where its arguments live); the cookie is
 * the tool's tracepoint index, so one BPF program serves all of them.
 *
 * sched_switch: tried as tp_btf, then raw_tp (neither needs tracefs), then
 * as the classic tracepoint, whose id libbpf reads from tracefs. Where
 * tracefs is not mounted the tool mounts it in a private mount namespace
 * of its own, so the host's mounts stay as they were. LUCENT_BPF_SCHED=
 * tp_btf|raw_tp|tp|none picks one (for tests and for kernels where the
 * first ones misbehave).
 *
 * The window: every link attaches (and later detaches) on its own, each a
 * syscall and, for a USDT probe with many call sites, tens of ms. Records
 * are kept only between the moment the last link is in (lbt_attach's end)
 * and the one tracing stops (lbt_stop), for every program alike, so each
 * probe's stream begins and ends at the same instant.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lbt.h"
#include "probes.skel.h"

static char last_msg[512];
static bool verbose;

static int on_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (verbose)
        return vfprintf(stderr, fmt, ap);
    if (level == LIBBPF_WARN)
        vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    return 0;
}

/* CLOCK_BOOTTIME, the BPF side's bpf_ktime_get_boot_ns() */
static uint64_t boot_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The BPF side checks the window before it reserves; a program that read
 * the bounds just before they moved can still submit a record outside, so
 * the same check is made here, against the same values. */
static int in_window(void *ctx, void *data, size_t len)
{
    struct lbt_bpf *b = ctx;
    if (len >= sizeof(struct lbt_event)) {
        uint64_t ts = ((const struct lbt_event *)data)->ts;
        if (ts < b->start_ns || ts > b->stop_ns)
            return 0;
    }
    return b->on_event(b->ctx, data, len);
}

static int ensure_tracefs(void)
{
    if (access("/sys/kernel/tracing/events/sched/sched_switch/id", R_OK) == 0 ||
        access("/sys/kernel/debug/tracing/events/sched/sched_switch/id", R_OK) == 0)
        return 0;
    if (unshare(CLONE_NEWNS) < 0)
        return -errno;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0)
        return -errno;
    return 0;
}

static struct bpf_program *sched_prog(struct probes_bpf *s, const char *how)
{
    return !strcmp(how, "tp_btf")   ? s->progs.switch_btf
           : !strcmp(how, "raw_tp") ? s->progs.switch_raw
           : !strcmp(how, "tp")     ? s->progs.switch_tp
                                    : NULL;
}

/* Opens and loads the object with only @how's sched program (none: NULL). */
static int load(struct lbt_bpf *b, struct lbt_target *t, bool wakeup, const char *how)
{
    b->skel = probes_bpf__open();
    if (!b->skel)
        return -errno;
    b->skel->rodata->target_tgid = (uint32_t)t->pid;
    b->skel->rodata->wakeup = wakeup;
    struct bpf_program *keep = how ? sched_prog(b->skel, how) : NULL;
    struct bpf_program *p;
    bpf_object__for_each_program(p, b->skel->obj) if (p != b->skel->progs.lucent_usdt && p != keep)
        bpf_program__set_autoload(p, false);
    int err = probes_bpf__load(b->skel);
    if (!err && keep) {
        if (!strcmp(how, "tp")) {
            /* the classic tracepoint sees pids only: tell it today's threads */
            uint32_t tids[4096];
            uint8_t one = 1;
            int n = lbt_target_tids(t, tids, 4096);
            for (int i = 0; i < n; i++)
                bpf_map__update_elem(b->skel->maps.our_tids, &tids[i], 4, &one, 1, BPF_ANY);
        }
        struct bpf_link *l = bpf_program__attach(keep);
        err = l ? 0 : -errno;
        if (!err) {
            b->links = realloc(b->links, sizeof *b->links);
            b->links[0] = l;
            b->sched_how = how;
        }
    }
    if (err) {
        probes_bpf__destroy(b->skel);
        b->skel = NULL;
    }
    return err;
}

int lbt_attach(struct lbt_bpf *b, struct lbt_target *t, struct lbt_meta *m, bool wakeup,
               int (*on_event)(void *ctx, void *data, size_t len), void *ctx)
{
    static const char *const order[] = {"tp_btf", "raw_tp", "tp"};
    const char *want = getenv("LUCENT_BPF_SCHED");
    verbose = getenv("LUCENT_BPF_VERBOSE") != NULL;
    libbpf_set_print(on_libbpf);
    memset(b, 0, sizeof *b);
    int err = -ENOENT;
    char why[600] = "";
    for (unsigned i = 0; i < 3 && err; i++) {
        if (want && strcmp(want, order[i]) != 0)
            continue;
        if (!strcmp(order[i], "tp") && (err = ensure_tracefs()) < 0) {
            snprintf(why, sizeof why, "tracefs: %s", strerror(-err));
            continue;
        }
        err = load(b, t, wakeup, order[i]);
        if (err)
            snprintf(why, sizeof why, "%s: %s %s", order[i], strerror(-err), last_msg);
    }
    if (err) {
        /* no sched_switch: still trace the app's own probes */
        if (!want || strcmp(want, "none") != 0)
            fprintf(stderr,
                    "lucent-bpftrace: warning: cannot follow sched_switch (%s); tracing "
                    "the app's probes only\n",
                    why);
        err = load(b, t, wakeup, NULL);
        if (err) {
            fprintf(stderr, "lucent-bpftrace: cannot load the BPF program: %s%s\n%s", strerror(-err),
                    err == -EPERM || err == -EACCES ? " (needs root: CAP_BPF and CAP_PERFMON)" : "",
                    last_msg);
            return err;
        }
    }
    unsigned nl = b->sched_how ? 1 : 0;
    b->links = realloc(b->links, (nl + m->nprobes) * sizeof *b->links);
    for (unsigned i = 0; i < m->nprobes; i++) {
        /* which probe arguments are a dynamic argument's pointer (its
         * length follows): the BPF side reads the bytes */
        const struct lu_tracepoint *tp = &m->tps[m->probes[i].tp];
        uint64_t dyn = 0;
        for (int a = 0, j = 0; a < tp->nargs && a < LU_TRACE_MAX_ARGS; a++, j++)
            if (tp->arg_types[a] == LU_TRACE_DSTR || tp->arg_types[a] == LU_TRACE_DBYTES)
                dyn |= 1ull << j++;
        LIBBPF_OPTS(bpf_usdt_opts, o, .usdt_cookie = m->probes[i].tp | dyn << LBT_COOKIE_DYN_SHIFT);
        struct bpf_link *l = bpf_program__attach_usdt(b->skel->progs.lucent_usdt, t->pid, t->exe, "lucent",
                                                      m->probes[i].name, &o);
        if (!l) {
            err = -errno;
            fprintf(stderr, "lucent-bpftrace: cannot attach to lucent:%s in %s: %s\n%s", m->probes[i].name,
                    t->exe, strerror(-err), last_msg);
            lbt_detach(b);
            return err;
        }
        b->links[nl++] = l;
        b->usdt_links++;
    }
    b->on_event = on_event;
    b->ctx = ctx;
    b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), in_window, b, NULL);
    if (!b->rb) {
        err = -errno;
        lbt_detach(b);
        return err;
    }
    /* every link is in: open the window */
    b->stop_ns = UINT64_MAX;
    b->start_ns = boot_ns();
    __atomic_store_n(&b->skel->data->stop_ns, b->stop_ns, __ATOMIC_RELEASE);
    __atomic_store_n(&b->skel->data->start_ns, b->start_ns, __ATOMIC_RELEASE);
    return 0;
}

uint64_t lbt_stop(struct lbt_bpf *b)
{
    if (b->skel && b->stop_ns == UINT64_MAX) {
        b->stop_ns = boot_ns();
        __atomic_store_n(&b->skel->data->stop_ns, b->stop_ns, __ATOMIC_RELEASE);
    }
    return b->stop_ns;
}

uint64_t lbt_dropped(struct lbt_bpf *b)
{
    return b->skel ? __atomic_load_n(&b->skel->bss->dropped, __ATOMIC_RELAXED) : 0;
}

uint64_t lbt_code_start(struct lbt_bpf *b)
{
    return b->skel ? __atomic_load_n(&b->skel->bss->code_start, __ATOMIC_RELAXED) : 0;
}

void lbt_unlink(struct lbt_bpf *b)
{
    lbt_stop(b); /* one end for every probe, whatever order the links go in */
    unsigned n = (b->sched_how ? 1 : 0) + b->usdt_links;
    for (unsigned i = 0; b->links && i < n; i++)
        bpf_link__destroy(b->links[i]);
    free(b->links);
    b->links = NULL;
    b->usdt_links = 0;
}

int lbt_consume(struct lbt_bpf *b, int timeout_ms)
{
    return timeout_ms ? ring_buffer__poll(b->rb, timeout_ms) : ring_buffer__consume(b->rb);
}

void lbt_detach(struct lbt_bpf *b)
{
    lbt_unlink(b);
    ring_buffer__free(b->rb);
    b->rb = NULL;
    if (b->skel)
        probes_bpf__destroy(b->skel);
    b->skel = NULL;
}
