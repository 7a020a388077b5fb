/*
 * The drain: rings -> Perfetto packets -> the `lucent.trace` channel (or a
 * file, `trace_file=`). One pass at a time, under `busy`; the drain thread
 * makes passes, and so may the exit flush and the panic flush.
 *
 * Stream validity: the encoder only ever appends whole packets to `out`,
 * and bytes leave `out` strictly in order. A short non-blocking write keeps
 * the rest pending and nothing new is encoded until it is gone, so the host
 * sees a packet boundary whenever the peer leaves cleanly. When a peer
 * leaves mid-packet its successor starts afresh: every sequence restarts
 * with SEQ_INCREMENTAL_STATE_CLEARED and every descriptor is written again.
 *
 * Loss accounting: a record leaves its ring either as an encoded packet or
 * counted in that ring's dropped_gone (trimmed by the flight recorder while
 * nobody listens, or encoded but lost because the peer left before the
 * bytes went out). With a ring's own full-drops this makes the count exact.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <lucent/panic.h>
#include <lucent/pftrace.h>
#include <lucent/plat.h>
#include "dyn.h"
#include "internal.h"

#define OUT_SIZE (256 * 1024)
#define MAX_EVENTS_IN_OUT (OUT_SIZE / 16)
#define META_SEQ 0xffff /* descriptors' sequence; rings use index + 1 */

static struct lu_chan *chan;
static int file_fd = -1;
static int busy;
static bool connected;

static uint8_t out[OUT_SIZE];
static size_t out_len, out_sent;
/* which ring each event packet in `out` came from, and where it ends */
static uint32_t ev_end[MAX_EVENTS_IN_OUT];
static uint16_t ev_ring[MAX_EVENTS_IN_OUT];
static unsigned nev;

static struct lu_pf_seq seqs[LU_TRACE_MAX_RINGS], meta;
static bool meta_done;
static uint32_t tids_seen[1024]; /* open addressing; 0 = empty */

static uint64_t tsc0, ns0, mult; /* ns = ns0 + (tsc - tsc0) * mult >> 32 */
static uint64_t events_sent;
static char ctl_line[128];
static size_t ctl_len;

static const struct lu_tracepoint *env_tp(void *ctx, uint32_t id) { return lu_trace__tp(id); }
static int env_thread_name(void *ctx, uint32_t tid, char *buf, size_t len);
static struct lu_pf_env env = {.tracepoint = env_tp, .thread_name = env_thread_name};

void lu_trace__drain_init(void)
{
    const char *path = lu_plat_getopt("trace_file");
    if (path && *path)
        file_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (file_fd < 0)
        chan = lu_chan_open("lucent.trace");
    /* trace_wait=S: record from boot, so give the collector (started by
     * `lucent run --trace` as the program starts) up to S seconds to connect */
    const char *w = lu_plat_getopt("trace_wait");
    if (chan && w) {
        uint64_t end = lu_plat_now_ns() + strtoull(w, NULL, 10) * 1000000000ULL;
        while (!lu_chan_connected(chan) && lu_plat_now_ns() < end)
            usleep(2000);
    }
    env.pid = lu_plat_process_id();
    env.process_name = lu_plat_program_name();
}

bool lu_trace__drain_has_sink(void) { return chan || file_fd >= 0; }

static bool lock(void) { return !__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE); }
static void unlock(void) { __atomic_store_n(&busy, 0, __ATOMIC_RELEASE); }

static uint64_t to_ns(uint64_t tsc)
{
    if (!mult) {
        tsc0 = lu_plat_cycles();
        ns0 = lu_plat_cycles_to_ns(tsc0);
        mult = (uint64_t)(((unsigned __int128)1000000000ULL << 32) / lu_plat_cycles_per_sec());
    }
    __int128 d = (__int128)(int64_t)(tsc - tsc0) * (__int128)mult;
    int64_t ns = (int64_t)ns0 + (int64_t)(d >> 32);
    return ns > 0 ? (uint64_t)ns : 1;
}

static bool sink_connected(void) { return file_fd >= 0 || (chan && lu_chan_connected(chan)); }

/* Writes what it can of out[out_sent..out_len). Returns 0 when all is out,
 * -EAGAIN when some is left, -EPIPE when the peer went away. */
static int push(void)
{
    while (out_sent < out_len) {
        ssize_t n;
        if (file_fd >= 0) {
            n = write(file_fd, out + out_sent, out_len - out_sent);
            if (n < 0)
                n = errno == EINTR ? 0 : -EPIPE;
        } else {
            n = lu_chan_write(chan, out + out_sent, out_len - out_sent, LU_CHAN_NONBLOCK);
        }
        if (n == -EAGAIN || n == 0)
            return -EAGAIN;
        if (n < 0) {
            /* whatever was encoded but not sent is lost: count it */
            for (unsigned i = 0; i < nev; i++)
                if (ev_end[i] > out_sent && ev_ring[i] < lu_trace_nrings)
                    lu_trace_rings[ev_ring[i]]->dropped_gone++;
            out_len = out_sent = 0;
            nev = 0;
            return -EPIPE;
        }
        out_sent += (size_t)n;
    }
    out_len = out_sent = 0;
    nev = 0;
    return 0;
}

static void trim_rings(void)
{
    /* the flight recorder: keep the newest half of every ring */
    for (unsigned i = 0; i < lu_trace_ring_count(); i++) {
        struct lu_trace_ring *r = lu_trace_rings[i];
        uint64_t head = ring_head(r), pos = r->tail, keep = (r->mask + 1) / 2, n = 0;
        /* whole records only (dyn.h): a record may take several slots;
         * stop at one not yet committed */
        const struct lu_trace_rec *rec;
        while (head - pos > keep && (rec = ring_peek(r, pos))) {
            n += rec->id != LU_TRACE_PAD_ID;
            pos += dyn_span(rec, lu_trace__tp(rec->id));
        }
        if (n || pos != r->tail) {
            r->dropped_gone += n;
            ring_release(r, pos);
        }
    }
}

static void mark_all_dirty(void);

static void restart_stream(void)
{
    for (unsigned i = 0; i < LU_TRACE_MAX_RINGS; i++)
        seqs[i].started = false;
    meta.started = false;
    meta_done = false;
    memset(tids_seen, 0, sizeof tids_seen);
    mark_all_dirty(); /* the new peer has seen no thread's name yet */
    out_len = out_sent = 0;
    nev = 0;
}

static void read_control(void)
{
    if (!chan)
        return;
    char buf[256];
    ssize_t n = lu_chan_read(chan, buf, sizeof buf, LU_CHAN_NONBLOCK);
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            if (ctl_len < sizeof ctl_line) {
                ctl_line[ctl_len] = '\0';
                lu_trace__control(ctl_line);
            }
            ctl_len = 0;
        } else if (ctl_len < sizeof ctl_line) {
            ctl_line[ctl_len++] = buf[i];
        } else {
            ctl_len = sizeof ctl_line + 1; /* too long: ignore up to the newline */
        }
    }
}

/* "enable CATS", "disable CATS", "set CATS"; anything else is ignored. */
void lu_trace__control(const char *line)
{
    if (strncmp(line, "enable ", 7) == 0)
        lu_trace_enable(line + 7);
    else if (strncmp(line, "disable ", 8) == 0)
        lu_trace_disable(line + 8);
    else if (strncmp(line, "set ", 4) == 0)
        lu_trace_set(line + 4);
}

static struct lu_pf_buf room(void)
{
    struct lu_pf_buf b;
    lu_pf_buf_init(&b, out + out_len, OUT_SIZE - out_len);
    return b;
}

/* Appends one packet made by @fn; flushes `out` when full. -EAGAIN: no room
 * now (the peer is slow), -EPIPE: gone. */
#define EMIT(call)                                                                                           \
    ({                                                                                                       \
        int r_;                                                                                              \
        for (;;) {                                                                                           \
            struct lu_pf_buf b = room();                                                                     \
            r_ = (call);                                                                                     \
            if (r_ == 0) {                                                                                   \
                out_len += lu_pf_buf_len(&b);                                                                \
                break;                                                                                       \
            }                                                                                                \
            if (r_ != -ENOSPC || out_len == 0)                                                               \
                break;                                                                                       \
            if ((r_ = push()) != 0)                                                                          \
                break;                                                                                       \
        }                                                                                                    \
        r_;                                                                                                  \
    })

/* Names of threads that may be gone by the time their records are drained:
 * filled by lu_trace_thread_named (the platform calls it when a thread is
 * named) and by a periodic lu_plat_thread_foreach snapshot. */
static struct {
    uint32_t tid;
    bool dirty; /* new or renamed since its track was last described */
    char name[20];
} names[256];
static int names_lock;
static bool names_dirty;
static uint64_t names_refreshed;

void lu_trace_thread_named(uint32_t tid, const char *name)
{
    unsigned n = sizeof names / sizeof names[0], h = (tid * 2654435761u) % n;
    /* a spin lock, but never held across anything that can block or trace;
     * interrupts may be off (the image calls this from the scheduler) */
    while (__atomic_exchange_n(&names_lock, 1, __ATOMIC_ACQUIRE))
        ;
    for (unsigned i = 0; i < n; i++, h = (h + 1) % n)
        if (names[h].tid == tid || names[h].tid == 0 || i == n - 1) {
            if (names[h].tid != tid || strncmp(names[h].name, name, sizeof names[h].name - 1) != 0) {
                names[h].tid = tid;
                snprintf(names[h].name, sizeof names[h].name, "%s", name);
                names[h].dirty = true;
                names_dirty = true;
            }
            break;
        }
    __atomic_store_n(&names_lock, 0, __ATOMIC_RELEASE);
}

/* Takes one named-or-renamed thread off the dirty list; false when none. */
static bool take_dirty(uint32_t *tid, char *buf, size_t len)
{
    bool got = false;
    while (__atomic_exchange_n(&names_lock, 1, __ATOMIC_ACQUIRE))
        ;
    for (unsigned i = 0; names_dirty && i < sizeof names / sizeof names[0] && !got; i++)
        if (names[i].dirty && names[i].tid) {
            names[i].dirty = false;
            *tid = names[i].tid;
            snprintf(buf, len, "%s", names[i].name);
            got = true;
        }
    if (!got)
        names_dirty = false;
    __atomic_store_n(&names_lock, 0, __ATOMIC_RELEASE);
    return got;
}

static void mark_all_dirty(void)
{
    while (__atomic_exchange_n(&names_lock, 1, __ATOMIC_ACQUIRE))
        ;
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        names[i].dirty = names[i].tid != 0;
    names_dirty = true;
    __atomic_store_n(&names_lock, 0, __ATOMIC_RELEASE);
}

static bool cached_name(uint32_t tid, char *buf, size_t len)
{
    unsigned n = sizeof names / sizeof names[0], h = (tid * 2654435761u) % n;
    bool found = false;
    while (__atomic_exchange_n(&names_lock, 1, __ATOMIC_ACQUIRE))
        ;
    for (unsigned i = 0; i < n && names[h].tid; i++, h = (h + 1) % n)
        if (names[h].tid == tid) {
            snprintf(buf, len, "%s", names[h].name);
            found = true;
            break;
        }
    __atomic_store_n(&names_lock, 0, __ATOMIC_RELEASE);
    return found;
}

static int env_thread_name(void *ctx, uint32_t tid, char *buf, size_t len)
{
    if (lu_plat_thread_name(tid, buf, len) == 0 || cached_name(tid, buf, len))
        return 0;
    return -ENOENT;
}

/* Describes again the tracks of threads named or renamed since the last
 * pass (TrackDescriptors on the process's sequence: the newest name wins). */
static int describe_renamed(void)
{
    uint32_t tid;
    char name[32];
    int r = 0;
    while (!r && take_dirty(&tid, name, sizeof name))
        if ((r = EMIT(lu_pf_thread_track(&b, META_SEQ, &env, tid, name))))
            mark_all_dirty(); /* no room now: try them all again next pass */
    return r;
}

static int note_thread(const struct lu_plat_thread_info *t, void *arg)
{
    lu_trace_thread_named(t->tid, t->name);
    return 0;
}

static void refresh_names(void)
{
    uint64_t now = lu_plat_now_ns();
    if (names_refreshed && now - names_refreshed < 100000000ULL)
        return;
    names_refreshed = now ? now : 1;
    lu_plat_thread_foreach(note_thread, NULL);
}

static bool tid_new(uint32_t tid)
{
    unsigned n = sizeof tids_seen / sizeof tids_seen[0];
    for (unsigned i = 0, h = (tid * 2654435761u) % n; i < n; i++, h = (h + 1) % n) {
        if (tids_seen[h] == tid)
            return false;
        if (!tids_seen[h]) {
            tids_seen[h] = tid;
            return true;
        }
    }
    return true; /* table full: describe it again, harmless */
}

static int describe_process(void)
{
    int r = 0;
    if (!meta.started) {
        lu_pf_seq_reset(&meta, META_SEQ);
        r = EMIT(lu_pf_seq_start(&b, &meta, to_ns(lu_plat_cycles())));
    }
    if (!r)
        r = EMIT(lu_pf_process_track(&b, META_SEQ, &env));
    for (unsigned i = 0; !r && i < lu_trace_ntps; i++)
        if (lu_trace_tps[i].kind == LU_TRACE_COUNTER)
            r = EMIT(lu_pf_counter_track(&b, META_SEQ, LU_PF_UUID_COUNTER(i), lu_trace_tps[i].name));
    if (!r)
        meta_done = true;
    return r;
}

static int start_ring(struct lu_trace_ring *ring, struct lu_pf_seq *s)
{
    char name[40];
    static struct lu_pf_strtab *strtabs[LU_TRACE_MAX_RINGS];
    if (!strtabs[ring->index]) /* interned dynamic values; without it (no memory) they go inline */
        strtabs[ring->index] = calloc(1, sizeof *strtabs[ring->index]);
    lu_pf_seq_reset(s, ring->index + 1);
    s->strs = strtabs[ring->index];
    int r = EMIT(lu_pf_seq_start(&b, s, to_ns(lu_plat_cycles())));
    snprintf(name, sizeof name, "trace drops (ring %u)", ring->index);
    if (!r)
        r = EMIT(lu_pf_counter_track(&b, s->id, LU_PF_UUID_DROPS(ring->index), name));
    snprintf(name, sizeof name, "irq (ring %u)", ring->index);
    if (!r)
        r = EMIT(lu_pf_irq_track(&b, s->id, ring->index, name));
    if (!r) /* the drop track starts at the current count */
        r = EMIT(lu_pf_drops(&b, s, ring->index, ring_dropped(ring), to_ns(lu_plat_cycles())));
    if (r)
        s->started = false;
    return r;
}

static int drain_ring(struct lu_trace_ring *ring, unsigned *count)
{
    struct lu_pf_seq *s = &seqs[ring->index];
    int r = 0;
    if (!s->started && (r = start_ring(ring, s)))
        return r;
    uint64_t drops = ring_dropped(ring);
    if (drops != s->drops_reported) {
        if ((r = EMIT(lu_pf_drops(&b, s, ring->index, drops, to_ns(lu_plat_cycles())))))
            return r;
    }
    uint64_t pos = ring->tail;
    const struct lu_trace_rec *rec;
    struct lu_trace_rec own;
    /* a per-thread ring's head moves after the commit: reading no further
     * than it, the drain never takes a stale slot of values for a record */
    uint64_t end = ring->tid ? ring_head(ring) : UINT64_MAX;
    while (pos < end && (rec = ring_peek(ring, pos))) {
        if (rec->id == LU_TRACE_PAD_ID) { /* the ring's end, skipped by a record that would wrap */
            pos += dyn_span(rec, NULL);
            continue;
        }
        uint64_t span = dyn_span(rec, lu_trace__tp(rec->id));
        const uint8_t *data = (const uint8_t *)(rec + 1); /* dynamic arguments' bytes */
        uint32_t owner = __atomic_load_n(&ring->tid, __ATOMIC_ACQUIRE);
        if (owner) { /* a per-thread ring: its writer leaves tid to us */
            own = *rec;
            own.tid = owner;
            rec = &own;
        }
        if (tid_new(rec->tid)) {
            char name[32] = "";
            if (lu_plat_thread_name(rec->tid, name, sizeof name) != 0 &&
                !cached_name(rec->tid, name, sizeof name) && ring->tid == rec->tid)
                snprintf(name, sizeof name, "%s", ring->name);
            if ((r = EMIT(lu_pf_thread_track(&b, s->id, &env, rec->tid, name))))
                break;
        }
        r = EMIT(lu_pf_event_data(&b, s, &env, rec, span > 1 ? data : NULL, to_ns(rec->ts), ring->index));
        if (r == -ENOENT) {
            r = 0;
        } else if (r) {
            break;
        } else if (nev < MAX_EVENTS_IN_OUT) {
            ev_end[nev] = (uint32_t)out_len;
            ev_ring[nev++] = (uint16_t)ring->index;
        }
        pos += span;
        ++*count;
        if (*count % 256 == 0)
            ring_release(ring, pos); /* let the writer reuse slots early */
    }
    ring_release(ring, pos);
    return r;
}

int lu_trace__drain_pass(bool final)
{
    if (!lock())
        return 0;
    unsigned count = 0;
    bool now = sink_connected();
    if (now && !connected)
        restart_stream();
    if (!now && connected)
        out_len = out_sent = nev = 0;
    connected = now;
    refresh_names();
    if (!connected) {
        trim_rings();
        unlock();
        return 0;
    }
    read_control();
    int r = push();
    if (r == 0 && !meta_done)
        r = describe_process();
    if (r == 0)
        r = describe_renamed();
    for (unsigned i = 0; r == 0 && i < lu_trace_ring_count(); i++)
        r = drain_ring(lu_trace_rings[i], &count);
    if (r == 0)
        r = push();
    if (r == -EPIPE)
        connected = false;
    events_sent += count;
    unlock();
    return (int)count;
}

/* Waits up to @ns for the channel to take more bytes (or any event). */
static void wait_writable(int64_t ns)
{
    if (chan)
        lu_chan_wait(chan, LU_CHAN_WRITABLE, ns);
}

void lu_trace_flush(void)
{
    if (!lu_trace__drain_has_sink())
        return;
    /* until every record written before the call is out, or ~2 s; the
     * drain thread may be mid-pass, in which case its pass does the work.
     * Not "until the rings are empty": with the kernel's tracepoints on,
     * sending is itself traced (virtio kicks, interrupts), and that would
     * never end. */
    uint64_t end = lu_plat_now_ns() + 2000000000ULL;
    uint64_t upto[LU_TRACE_MAX_RINGS];
    unsigned n = lu_trace_ring_count();
    for (unsigned i = 0; i < n; i++)
        upto[i] = ring_head(lu_trace_rings[i]);
    while (lu_plat_now_ns() < end) {
        lu_trace__drain_pass(true);
        bool done = out_len == 0;
        for (unsigned i = 0; done && i < n; i++) {
            struct lu_trace_ring *r = lu_trace_rings[i];
            uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
            /* a reserved but never committed slot (its writer died in the
             * panic) ends the wait too */
            done = tail >= upto[i] || ring_peek(r, tail) == NULL;
        }
        if (done || !connected)
            return;
        if (chan)
            wait_writable(200000);
        else
            usleep(200);
    }
}

void lu_trace_panic_flush(void)
{
    /* Polled: the drain thread may hold `busy`; give it ~200 ms to finish
     * its pass, then leave it be rather than corrupt the stream. */
    uint64_t before = events_sent;
    int got = 0;
    for (int i = 0; i < 200 && !(got = lock()); i++)
        for (uint64_t t = lu_plat_now_ns(); lu_plat_now_ns() - t < 1000000;)
            ;
    if (!got) {
        fprintf(stderr, "lucent: trace: flight recorder busy, not flushed\n");
        return;
    }
    unlock();
    if (!lu_trace__drain_has_sink() || !sink_connected()) {
        uint64_t left = 0;
        for (unsigned i = 0; i < lu_trace_ring_count(); i++)
            left += ring_head(lu_trace_rings[i]) - lu_trace_rings[i]->tail;
        fprintf(stderr, "lucent: trace: no collector connected; %llu events left in the flight recorder\n",
                (unsigned long long)left);
        return;
    }
    lu_trace__drain_stop(false);
    lu_trace_flush();
    fprintf(stderr, "lucent: trace: panic flush sent %llu events (%llu dropped in all)\n",
            (unsigned long long)(events_sent - before), (unsigned long long)lu_trace_dropped_total());
}

static void panic_flush(const struct lu_panic_info *why) { lu_trace_panic_flush(); }
LU_PANIC_STEP(trace_flush, LU_PANIC_FLUSH, panic_flush);
