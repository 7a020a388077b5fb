/*
 * The hot path with one ring per thread (the hostbuild).
 *
 * Why per thread and not per CPU: a Linux process cannot stop the kernel from
 * migrating it between reading its CPU number and writing that CPU's ring,
 * so per-CPU rings would need an atomic read-modify-write on every event
 * (and sched_getcpu() on every event). A ring per thread has exactly one
 * writer, so reserving a slot is a plain load and store. Perfetto sees one
 * sequence per ring either way. A thread that traces from a signal handler
 * would race with itself: don't.
 */
#include <pthread.h>
#include <stdlib.h>
#include <lucent/plat.h>
#include "dyn.h"
#include "internal.h"

/* initial-exec: a plain %fs-relative load; the default model for this
 * (position-independent) library would be a call to __tls_get_addr. */
/* A thread without a ring yet points at no_ring, whose limit (0) sends
 * every writer to the slow path: the fast path tests no NULL. */
static struct lu_trace_ring no_ring;
static __thread struct lu_trace_ring *my_ring __attribute__((tls_model("initial-exec"))) = &no_ring;
static __thread bool my_ring_failed;
static pthread_key_t exit_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static uint64_t dropped_no_ring;

/* The thread's ring becomes reusable once the drain has emptied it. */
static void on_thread_exit(void *ring)
{
    __atomic_store_n(&((struct lu_trace_ring *)ring)->free, 1, __ATOMIC_RELEASE);
}
static void make_key(void) { pthread_key_create(&exit_key, on_thread_exit); }

static bool window(struct lu_trace_ring *r, uint64_t pos);

static __attribute__((noinline)) struct lu_trace_ring *attach(void)
{
    if (my_ring_failed)
        return NULL;
    uint32_t tid = lu_plat_thread_id();
    pthread_once(&key_once, make_key);
    struct lu_trace_ring *r = NULL;
    for (unsigned i = 0; i < __atomic_load_n(&lu_trace_nrings, __ATOMIC_ACQUIRE); i++) {
        struct lu_trace_ring *c = lu_trace_rings[i];
        /* claim an exited thread's ring once it is drained */
        uint8_t one = 1;
        if (c && c->free && ring_head(c) == __atomic_load_n(&c->tail, __ATOMIC_ACQUIRE) &&
            __atomic_compare_exchange_n(&c->free, &one, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            r = c;
            __atomic_store_n(&r->tid, tid, __ATOMIC_RELEASE);
            break;
        }
    }
    if (!r)
        r = lu_trace_ring_new(tid);
    if (!r) {
        my_ring_failed = true;
        return NULL;
    }
    window(r, r->head); /* a reused ring goes on from its last position */
    lu_plat_thread_name(tid, r->name, sizeof r->name);
    pthread_setspecific(exit_key, r);
    my_ring = r;
    return r;
}

/* The writer's window at @pos: where pos's lap of the array starts
 * (lapbase) and how far it may write (limit: the reader's tail + size, and
 * no further than the array's end, so that the fast path computes a slot
 * as lapbase + pos * 64, without a mask). Returns true when pos has room. */
static bool window(struct lu_trace_ring *r, uint64_t pos)
{
    uint64_t size = r->mask + 1, lap = pos & ~r->mask;
    uint64_t room = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) + size;
    r->lapbase = (uintptr_t)(r + 1) - (uintptr_t)(lap * sizeof(struct lu_trace_rec));
    r->limit = room < lap + size ? room : lap + size;
    return pos < r->limit;
}

/* The record's slot at @pos, inside the window. */
static inline struct lu_trace_rec *slot(const struct lu_trace_ring *r, uint64_t pos)
{
    return (struct lu_trace_rec *)(r->lapbase + (uintptr_t)pos * sizeof(struct lu_trace_rec));
}

/* Publishes a filled slot: seq for the reader's per-record check, head for
 * the writer's next event. No tid: the drain takes the ring's owner. */
static inline void commit(struct lu_trace_ring *r, struct lu_trace_rec *s, uint64_t pos)
{
    __atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&r->head, pos + 1, __ATOMIC_RELEASE);
}

/* The thread's ring, made on its first event; NULL (a drop counted) when
 * none can be had. */
static struct lu_trace_ring *ring(void)
{
    struct lu_trace_ring *r = my_ring;
    if (r != &no_ring)
        return r;
    if ((r = attach()))
        return r;
    __atomic_fetch_add(&dropped_no_ring, 1, __ATOMIC_RELAXED);
    return NULL;
}

/* One writer per ring: a plain increment, published for readers. */
static void drop(struct lu_trace_ring *r)
{
    __atomic_store_n(&r->dropped_full, r->dropped_full + 1, __ATOMIC_RELAXED);
}

/* First event of a thread, the end of the array, or a ring that looked full. */
static __attribute__((noinline)) void emit_slow(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1,
                                                uint64_t a2, uint64_t a3, uint64_t a4)
{
    struct lu_trace_ring *r = ring();
    if (!r)
        return;
    uint64_t pos = r->head;
    if (pos >= r->limit && !window(r, pos))
        return drop(r);
    struct lu_trace_rec *s = slot(r, pos);
    s->ts = lu_plat_cycles();
    s->id = tp->id;
    s->args[0] = a0;
    s->args[1] = a1;
    s->args[2] = a2;
    s->args[3] = a3;
    s->args[4] = a4;
    commit(r, s, pos);
}

/* The fast path, one function per arity: one TLS load, a limit check, the
 * stores the record needs. No atomic read-modify-write, no register saves
 * (the slow cases are tail calls), no frame (meson builds this file with
 * -fomit-frame-pointer: it is a leaf that never faults). */
#define EMIT_FAST(STORES, ...)                                                                               \
    struct lu_trace_ring *r = my_ring;                                                                       \
    uint64_t pos = r->head;                                                                                  \
    if (__builtin_expect(pos >= r->limit, 0))                                                                \
        return emit_slow(tp, __VA_ARGS__);                                                                   \
    struct lu_trace_rec *s = slot(r, pos);                                                                   \
    STORES; /* first: rdtsc takes %rdx, which holds an argument */                                           \
    s->id = tp->id;                                                                                          \
    ring_stamp(s);                                                                                           \
    commit(r, s, pos)

void lu_trace__emit0(const struct lu_tracepoint *tp) { EMIT_FAST((void)0, 0, 0, 0, 0, 0); }

void lu_trace__emit1(const struct lu_tracepoint *tp, uint64_t a0)
{
    EMIT_FAST(s->args[0] = a0, a0, 0, 0, 0, 0);
}

void lu_trace__emit2(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1)
{
    EMIT_FAST((s->args[0] = a0, s->args[1] = a1), a0, a1, 0, 0, 0);
}

void lu_trace__emit3(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1, uint64_t a2)
{
    EMIT_FAST((s->args[0] = a0, s->args[1] = a1, s->args[2] = a2), a0, a1, a2, 0, 0);
}

void lu_trace__emit4(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    EMIT_FAST((s->args[0] = a0, s->args[1] = a1, s->args[2] = a2, s->args[3] = a3), a0, a1, a2, a3, 0);
}

void lu_trace__emit5(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                     uint64_t a4)
{
    EMIT_FAST((s->args[0] = a0, s->args[1] = a1, s->args[2] = a2, s->args[3] = a3, s->args[4] = a4), a0, a1,
              a2, a3, a4);
}

/* ---- records with dynamic arguments (dyn.h) ----------------------------------
 * Reserves @n consecutive slots, after a padding record when they would
 * wrap; NULL (a drop counted) when the ring has no room. */
static struct lu_trace_rec *reserve_n(struct lu_trace_ring **rp, uint64_t n, uint64_t *pos_out)
{
    struct lu_trace_ring *r = ring();
    if (!r)
        return NULL;
    uint64_t pos = r->head, size = r->mask + 1;
    if (pos + n > r->limit) {
        if (n > size / 2)
            return drop(r), NULL;
        window(r, pos);
        if (pos + n > r->limit) {
            uint64_t lapend = (pos | r->mask) + 1;
            uint64_t room = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) + size;
            if (pos + n <= lapend || lapend + n > room)
                return drop(r), NULL; /* full, or no room for the padding and the record */
            struct lu_trace_rec *p = slot(r, pos);
            p->id = LU_TRACE_PAD_ID;
            p->args[0] = lapend - pos - 1;
            __atomic_store_n(&p->seq, pos + 1, __ATOMIC_RELEASE);
            __atomic_store_n(&r->head, lapend, __ATOMIC_RELEASE);
            pos = lapend;
            window(r, pos);
        }
    }
    *rp = r;
    *pos_out = pos;
    return slot(r, pos);
}

void lu_trace__emitd(const struct lu_tracepoint *tp, const struct lu_trace__arg *a)
{
    uint32_t lens[LU_TRACE_MAX_ARGS];
    uint64_t bytes = 0;
    for (int i = 0; i < tp->nargs; i++)
        if (dyn_type(tp->arg_types[i]))
            bytes += LU_TRACE_DLEN(lens[i] = dyn_len(a[i].p, a[i].n, dyn_max(tp, i)));
    struct lu_trace_ring *r;
    uint64_t pos;
    struct lu_trace_rec *s = reserve_n(&r, dyn_slots(bytes), &pos);
    if (!s)
        return;
    dyn_fill(s, tp, a, lens);
    s->id = tp->id;
    ring_stamp(s);
    __atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&r->head, pos + dyn_slots(bytes), __ATOMIC_RELEASE);
}

/* One string, whatever lu_trace__emits's fast path does not take: a string over
 * its bound or NUL-terminated, the first event, the array's end, a full ring. */
static __attribute__((noinline)) void emits_slow(const struct lu_tracepoint *tp, const char *p, size_t n)
{
    uint32_t len = dyn_len(p, n, dyn_max(tp, 0)), k = LU_TRACE_DLEN(len);
    struct lu_trace_ring *r;
    uint64_t pos, slots = dyn_slots(k);
    struct lu_trace_rec *s = reserve_n(&r, slots, &pos);
    if (!s)
        return;
    dyn_copy(s + 1, p, k);
    s->args[0] = len;
    s->id = tp->id;
    ring_stamp(s);
    __atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&r->head, pos + slots, __ATOMIC_RELEASE);
}

/* The fast path of a tracepoint whose one argument is a string with its
 * length: 1 to str_fast bytes (within its bound and one slot: lu_trace_init
 * sets it), so the record is two slots, reserved with one window check.
 * Anything else (empty, longer, NUL-terminated, no room) takes emits_slow. */
static __attribute__((noinline)) void emits_other(const struct lu_tracepoint *tp, struct lu_trace_ring *r,
                                                  uint64_t pos, const char *p, size_t n)
{
    struct lu_trace_rec *s = slot(r, pos);
    dyn_copy(s + 1, p, n);
    s->args[0] = n;
    s->id = tp->id;
    ring_stamp(s);
    __atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&r->head, pos + 2, __ATOMIC_RELEASE);
}

void lu_trace__emits(const struct lu_tracepoint *tp, const char *p, size_t n)
{
    struct lu_trace_ring *r = my_ring;
    uint64_t pos = r->head;
    if (__builtin_expect(n - 1 >= tp->str_fast || pos + 2 > r->limit, 0))
        return emits_slow(tp, p, n);
    /* 16 to 32 bytes (a path, a key): two chunks here; other lengths in
     * emits_other, a tail call, so that this path saves no register */
    if (__builtin_expect(n - 16 > 16, 0))
        return emits_other(tp, r, pos, p, n);
    struct lu_trace_rec *s = slot(r, pos);
    __builtin_memcpy(s + 1, p, 16);
    __builtin_memcpy((uint8_t *)(s + 1) + n - 16, p + n - 16, 16);
    s->args[0] = n;
    s->id = tp->id;
    ring_stamp(s);
    __atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&r->head, pos + 2, __ATOMIC_RELEASE);
}

uint64_t lu_trace__dropped_unattributed(void) { return __atomic_load_n(&dropped_no_ring, __ATOMIC_RELAXED); }

/* Rings are made on each thread's first event; nothing to set up early. */
void lu_trace__rings_init(void) {}

/* 16 MiB of address space per tracing thread, backed as it is used: enough
 * for the drain to keep up with 5 M events/s through scheduling gaps of a
 * loaded machine (bench/trace/README.md). */
unsigned lu_trace__default_ring(void) { return 262144; }
