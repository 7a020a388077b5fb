/*
 * The hot path with one ring per CPU (the image).
 *
 * Several writers share a CPU's ring: threads preempted mid-record and
 * interrupt handlers that trace. A slot is therefore reserved with a
 * compare-and-swap on head (atomic against interrupts, preemption and, once
 * there are several CPUs, a thread that migrated after reading its CPU
 * number) and committed by storing its seq last. The drain stops at a
 * reserved but uncommitted slot and comes back to it.
 */
#include <lucent/plat.h>
#include "dyn.h"
#include "internal.h"

static uint64_t dropped_no_ring;

static __attribute__((noinline)) void drop(struct lu_trace_ring *r)
{
    __atomic_fetch_add(r ? &r->dropped_full : &dropped_no_ring, 1, __ATOMIC_RELAXED);
}

/* Reserves a slot in this CPU's ring, or counts a drop and returns NULL. */
static inline struct lu_trace_rec *reserve(uint64_t *pos_out)
{
    unsigned cpu = lu_plat_cpu_id();
    struct lu_trace_ring *r = cpu < lu_trace_nrings ? lu_trace_rings[cpu] : NULL;
    if (__builtin_expect(!r, 0))
        return drop(r), NULL;
    uint64_t pos = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
    do {
        if (pos >= __atomic_load_n(&r->limit, __ATOMIC_RELAXED) && !ring_has_room(r, pos))
            return drop(r), NULL;
    } while (!__atomic_compare_exchange_n(&r->head, &pos, pos + 1, true, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
    *pos_out = pos;
    return (struct lu_trace_rec *)(r + 1) + (pos & r->mask); /* slots follow the header */
}

/* One function per arity (trace.h): only the arguments the tracepoint has
 * are stored. */
#define EMIT(STORES)                                                                                         \
    uint64_t pos;                                                                                            \
    struct lu_trace_rec *s = reserve(&pos);                                                                  \
    if (!s)                                                                                                  \
        return;                                                                                              \
    s->ts = lu_plat_cycles();                                                                                \
    s->id = tp->id;                                                                                          \
    s->tid = lu_plat_thread_id();                                                                            \
    STORES;                                                                                                  \
    __atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE)

void lu_trace__emit0(const struct lu_tracepoint *tp) { EMIT((void)0); }
void lu_trace__emit1(const struct lu_tracepoint *tp, uint64_t a0) { EMIT(s->args[0] = a0); }
void lu_trace__emit2(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1)
{
    EMIT((s->args[0] = a0, s->args[1] = a1));
}
void lu_trace__emit3(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1, uint64_t a2)
{
    EMIT((s->args[0] = a0, s->args[1] = a1, s->args[2] = a2));
}
void lu_trace__emit4(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    EMIT((s->args[0] = a0, s->args[1] = a1, s->args[2] = a2, s->args[3] = a3));
}
void lu_trace__emit5(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                     uint64_t a4)
{
    EMIT((s->args[0] = a0, s->args[1] = a1, s->args[2] = a2, s->args[3] = a3, s->args[4] = a4));
}

/* ---- records with dynamic arguments (dyn.h) ----------------------------------
 * Reserves @n consecutive slots with one compare-and-swap, a padding
 * record first when they would wrap. */
static inline struct lu_trace_rec *reserve_n(uint64_t n, uint64_t *pos_out)
{
    unsigned cpu = lu_plat_cpu_id();
    struct lu_trace_ring *r = cpu < lu_trace_nrings ? lu_trace_rings[cpu] : NULL;
    if (__builtin_expect(!r, 0))
        return drop(r), NULL;
    uint64_t size = r->mask + 1, pad;
    if (n > size / 2)
        return drop(r), NULL;
    uint64_t pos = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
    do {
        uint64_t idx = pos & r->mask;
        pad = idx + n > size ? size - idx : 0;
        uint64_t last = pos + pad + n - 1;
        if (last >= __atomic_load_n(&r->limit, __ATOMIC_RELAXED) && !ring_has_room(r, last))
            return drop(r), NULL;
    } while (!__atomic_compare_exchange_n(&r->head, &pos, pos + pad + n, true, __ATOMIC_ACQ_REL,
                                          __ATOMIC_RELAXED));
    struct lu_trace_rec *slots = (struct lu_trace_rec *)(r + 1);
    if (pad) {
        struct lu_trace_rec *p = &slots[pos & r->mask];
        p->id = LU_TRACE_PAD_ID;
        p->args[0] = pad - 1;
        __atomic_store_n(&p->seq, pos + 1, __ATOMIC_RELEASE);
        pos += pad;
    }
    *pos_out = pos;
    return &slots[pos & r->mask];
}

void lu_trace__emitd(const struct lu_tracepoint *tp, const struct lu_trace__arg *a)
{
    uint32_t lens[LU_TRACE_MAX_ARGS];
    uint64_t bytes = 0, pos;
    for (int i = 0; i < tp->nargs; i++)
        if (dyn_type(tp->arg_types[i]))
            bytes += LU_TRACE_DLEN(lens[i] = dyn_len(a[i].p, a[i].n, dyn_max(tp, i)));
    struct lu_trace_rec *s = reserve_n(dyn_slots(bytes), &pos);
    if (!s)
        return;
    s->ts = lu_plat_cycles();
    s->id = tp->id;
    s->tid = lu_plat_thread_id();
    dyn_fill(s, tp, a, lens);
    __atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
}

void lu_trace__emits(const struct lu_tracepoint *tp, const char *p, size_t n)
{
    uint32_t len = dyn_len(p, n, dyn_max(tp, 0)), k = LU_TRACE_DLEN(len);
    uint64_t pos;
    struct lu_trace_rec *s = reserve_n(dyn_slots(k), &pos);
    if (!s)
        return;
    s->ts = lu_plat_cycles();
    s->id = tp->id;
    s->tid = lu_plat_thread_id();
    dyn_copy(s + 1, p, k);
    s->args[0] = len;
    __atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
}

/* Called by lu_trace_init: one ring per CPU, made before any tracepoint is on. */
void lu_trace__rings_init(void)
{
    for (unsigned c = lu_trace_nrings; c < lu_plat_cpu_count() && c < LU_TRACE_MAX_RINGS; c++)
        if (!lu_trace_ring_new(0))
            break;
}

uint64_t lu_trace__dropped_unattributed(void) { return __atomic_load_n(&dropped_no_ring, __ATOMIC_RELAXED); }

/* 1 MiB per CPU (16384 records): guest memory is small and the image's
 * drain never competes with other processes for the CPU. Below 16 MiB of
 * RAM, a sixteenth of it (4096 records, 256 KiB, in a 4 MiB guest), so a
 * small guest still has room to serve. `trace_ring=` overrides either. */
unsigned lu_trace__default_ring(void)
{
    uint64_t n = lu_plat_ram_bytes() / 16 / sizeof(struct lu_trace_rec), p = 256;
    while (p * 2 <= n && p < 16384)
        p *= 2;
    return (unsigned)p;
}
