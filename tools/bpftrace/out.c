/*
 * out.c: ring-buffer records -> Perfetto packets -> the output file.
 *
 * The encoding is trace/'s (include/lucent/pftrace.h, linked from the
 * lucent-trace library, not copied): an app's probe becomes a
 * `struct lu_trace_rec` with the tracepoint metadata read from its ELF, so
 * the trace looks like one the in-process tracer records. What this file
 * adds is the scheduler: each of the target's threads gets a track
 * "tid TID on CPU" next to its own, with one "running" slice per stretch
 * on a CPU (begun by the sched_switch that puts the thread on, ended by the
 * one that takes it off, with the CPU, the previous thread and the state
 * it left in as arguments). The encoder's IRQ_BEGIN/IRQ_END kinds put a
 * slice on a track of our choosing (LU_PF_UUID_IRQ(tid)), which is exactly
 * what these need: a slice that does not have to nest with the app's own
 * slices on the thread's track.
 *
 * Every timestamp is CLOCK_BOOTTIME from the BPF side, for app events and
 * sched_switch alike, so they share one timeline; the first packet's
 * ClockSnapshot says so. Only whole packets reach the file, so it is a
 * valid trace whenever the tool stops, however it stops.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <lucent/pftrace.h>
#include "lbt.h"

#define NTHR 8192 /* threads of the target followed (open addressing) */
#define BUF_LEN (1 << 20)

struct thr {
    uint32_t tid;   /* 0: empty slot */
    bool running;   /* a "running" slice is open */
    bool described; /* its thread track is out */
    char name[16];
};

struct lbt_out {
    int fd;
    struct lbt_target *t;
    struct lbt_meta *m;
    struct lu_pf_env env;
    struct lu_pf_seq seq;
    struct lu_pf_buf buf;
    int tp_on, tp_off; /* the scheduler's tracepoints */
    uint64_t last_ts, app, sched, bytes, drops;
    struct thr thr[NTHR];
    uint8_t mem[BUF_LEN];
};

static const struct lu_tracepoint *tracepoint(void *ctx, uint32_t id)
{
    struct lbt_out *o = ctx;
    return id < o->m->ntps ? &o->m->tps[id] : NULL;
}

/* A string argument: from the process while it lives, else from the file. */
static int read_str(void *ctx, uint64_t addr, char *buf, size_t len)
{
    struct lbt_out *o = ctx;
    bool alive = !o->t->exited; /* as of the drain loop's last look: no syscall per string */
    if (!o->t->base_known && alive)
        lbt_target_find_base(o->t, o->m->first_load_vaddr);
    if (alive) {
        int n = lbt_target_read(o->t, addr, buf, len - 1);
        if (n > 0) {
            buf[n] = 0;
            return (int)strlen(buf);
        }
    }
    if (!o->t->base_known)
        return -EFAULT;
    return lbt_meta_str(o->m, addr - o->t->base, buf, len);
}

int lbt_out_flush(struct lbt_out *o)
{
    const uint8_t *p = o->buf.start;
    size_t n = lu_pf_buf_len(&o->buf);
    while (n) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -errno;
        p += w;
        n -= (size_t)w;
        o->bytes += (uint64_t)w;
    }
    o->buf.pos = o->buf.start;
    return 0;
}

/* Runs an encoder call; on a full buffer, writes it out and tries again. */
#define EMIT(o, call)                                                                                        \
    ({                                                                                                       \
        int r_ = (call);                                                                                     \
        if (r_ == -ENOSPC && lbt_out_flush(o) == 0)                                                          \
            r_ = (call);                                                                                     \
        r_;                                                                                                  \
    })

static struct thr *thread(struct lbt_out *o, uint32_t tid)
{
    for (unsigned i = 0; i < NTHR; i++) {
        struct thr *h = &o->thr[(tid * 2654435761u + i) % NTHR];
        if (h->tid == tid)
            return h;
        if (h->tid == 0) {
            h->tid = tid;
            return h;
        }
    }
    return NULL; /* more threads than slots: their events still go out, undescribed */
}

/* The thread's tracks, (re)described when first seen or renamed. */
static void describe(struct lbt_out *o, struct thr *h, const char *name)
{
    char fresh[16] = "";
    if (!name || !*name) {
        if (h->described)
            return;
        lbt_thread_name(o->t, h->tid, fresh, sizeof fresh);
        name = fresh;
    }
    if (h->described && strncmp(h->name, name, sizeof h->name) == 0)
        return;
    snprintf(h->name, sizeof h->name, "%s", name);
    EMIT(o, lu_pf_thread_track(&o->buf, o->seq.id, &o->env, h->tid, h->name));
    if (!h->described) {
        /* named by tid alone: trace_processor keeps a track's first name,
         * and threads are often renamed after they start */
        char sched[32];
        snprintf(sched, sizeof sched, "tid %u on CPU", h->tid);
        EMIT(o, lu_pf_irq_track(&o->buf, o->seq.id, h->tid, sched));
    }
    h->described = true;
}

static int emit(struct lbt_out *o, uint32_t id, uint32_t tid, uint64_t ts, const uint64_t *args, int nargs)
{
    struct lu_trace_rec rec = {.ts = ts, .id = id, .tid = tid};
    for (int i = 0; i < nargs && i < LU_TRACE_MAX_ARGS; i++)
        rec.args[i] = args[i];
    if (ts > o->last_ts)
        o->last_ts = ts;
    return EMIT(o, lu_pf_event(&o->buf, &o->seq, &o->env, &rec, ts, tid));
}

static void run_end(struct lbt_out *o, struct thr *h, uint64_t ts, uint64_t state, uint64_t next)
{
    if (!h->running)
        return;
    uint64_t a[2] = {state, next};
    emit(o, (uint32_t)o->tp_off, h->tid, ts, a, 2);
    h->running = false;
    o->sched++;
}

/* A probe with dynamic arguments: their bytes as read by the BPF side, cut
 * to the tracepoint's bound (or what BPF read), the record the encoder
 * takes (lu_pf_event_data). */
static int emit_dyn(struct lbt_out *o, const struct lbt_event_dyn *d)
{
    const struct lbt_event *e = &d->e;
    const struct lu_tracepoint *tp = tracepoint(o, e->id);
    if (!tp)
        return -ENOENT;
    struct lu_trace_rec rec = {.ts = e->ts, .id = e->id, .tid = e->tid};
    uint8_t data[LBT_MAX_ARGS * LBT_STR_MAX];
    size_t used = 0;
    for (int i = 0; i < tp->nargs && i < LU_TRACE_MAX_ARGS; i++) {
        uint64_t len = e->args[i];
        if (tp->arg_types[i] != LU_TRACE_DSTR && tp->arg_types[i] != LU_TRACE_DBYTES) {
            rec.args[i] = len;
            continue;
        }
        unsigned max = tp->arg_max[i] ? tp->arg_max[i] : LU_TRACE_DEFAULT_MAX;
        if (max > LBT_STR_MAX)
            max = LBT_STR_MAX;
        uint32_t n = len > max ? max : (uint32_t)len;
        memcpy(data + used, d->data[i], n);
        used += n;
        rec.args[i] = n | (len > max ? LU_TRACE_DTRUNC : 0);
    }
    if (e->ts > o->last_ts)
        o->last_ts = e->ts;
    return EMIT(o, lu_pf_event_data(&o->buf, &o->seq, &o->env, &rec, data, e->ts, e->tid));
}

int lbt_out_event(struct lbt_out *o, const struct lbt_event *e)
{
    if (e->kind == LBT_USDT) {
        struct thr *h = thread(o, e->tid);
        if (h)
            describe(o, h, NULL);
        o->app++;
        if (e->flags & LBT_HAS_DATA)
            return emit_dyn(o, (const struct lbt_event_dyn *)e);
        return emit(o, e->id, e->tid, e->ts, (const uint64_t *)e->args, LBT_MAX_ARGS);
    }
    if (e->kind != LBT_SWITCH)
        return -EINVAL;
    if (e->flags & LBT_PREV_OURS) {
        struct thr *h = thread(o, e->tid);
        if (h) {
            describe(o, h, e->prev_comm);
            run_end(o, h, e->ts, e->prev_state, e->id);
        }
    }
    if (e->flags & LBT_NEXT_OURS) {
        struct thr *h = thread(o, e->id);
        if (h) {
            describe(o, h, e->next_comm);
            run_end(o, h, e->ts, 0, e->id); /* a lost switch-out: close it here */
            uint64_t a[2] = {e->cpu, e->tid};
            emit(o, (uint32_t)o->tp_on, h->tid, e->ts, a, 2);
            h->running = true;
            o->sched++;
        }
    }
    return 0;
}

int lbt_out_drops(struct lbt_out *o, uint64_t total)
{
    if (total <= o->drops)
        return 0;
    o->drops = total;
    return EMIT(o, lu_pf_drops(&o->buf, &o->seq, 0, total, o->last_ts));
}

struct lbt_out *lbt_out_open(const char *path, struct lbt_target *t, struct lbt_meta *m)
{
    static const char *const on_names[] = {"cpu", "prev_tid"};
    static const char *const off_names[] = {"prev_state", "next_tid"};
    static const uint8_t u64s[] = {LU_TRACE_U64, LU_TRACE_U64};
    struct lbt_out *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->t = t;
    o->m = m;
    o->tp_on = lbt_meta_add(m, "running", "sched", LU_TRACE_IRQ_BEGIN, 2, on_names, u64s);
    o->tp_off = lbt_meta_add(m, "running", "sched", LU_TRACE_IRQ_END, 2, off_names, u64s);
    if (o->tp_on < 0 || o->tp_off < 0) {
        free(o);
        errno = E2BIG;
        return NULL;
    }
    o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o->fd < 0) {
        int e = errno;
        free(o);
        errno = e;
        return NULL;
    }
    o->env = (struct lu_pf_env){.pid = (uint32_t)t->pid,
                                .process_name = t->name,
                                .tracepoint = tracepoint,
                                .read_str = read_str,
                                .ctx = o};
    lu_pf_buf_init(&o->buf, o->mem, sizeof o->mem);
    lu_pf_seq_reset(&o->seq, 1);
    o->seq.strs = calloc(1, sizeof *o->seq.strs); /* NULL: values go inline */
    struct timespec now;
    clock_gettime(CLOCK_BOOTTIME, &now);
    o->last_ts = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    lu_pf_seq_start(&o->buf, &o->seq, o->last_ts);
    lu_pf_process_track(&o->buf, o->seq.id, &o->env);
    lu_pf_counter_track(&o->buf, o->seq.id, LU_PF_UUID_DROPS(0),
                        "lucent-bpftrace drops (BPF ring buffer full)");
    for (unsigned i = 0; i < m->ntps; i++)
        if (m->tps[i].kind == LU_TRACE_COUNTER)
            EMIT(o,
                 lu_pf_counter_track(&o->buf, o->seq.id, LU_PF_UUID_COUNTER(m->tps[i].id), m->tps[i].name));
    if (lbt_out_flush(o) < 0) {
        int e = errno;
        close(o->fd);
        free(o);
        errno = e;
        return NULL;
    }
    return o;
}

int lbt_out_close(struct lbt_out *o, uint64_t end_ns)
{
    /* slices still open when tracing stops end when it stopped (the threads
     * were on a CPU until then), or where that is unknown at the last event */
    if (end_ns > o->last_ts)
        o->last_ts = end_ns;
    for (unsigned i = 0; i < NTHR; i++)
        if (o->thr[i].tid)
            run_end(o, &o->thr[i], o->last_ts, 0, 0);
    int r = lbt_out_flush(o);
    if (close(o->fd) < 0 && !r)
        r = -errno;
    return r;
}

void lbt_out_counts(const struct lbt_out *o, uint64_t *app, uint64_t *sched, uint64_t *bytes)
{
    *app = o->app;
    *sched = o->sched;
    *bytes = o->bytes;
}
