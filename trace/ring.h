/*
 * trace/ring.h: the record ring shared by the writers (emit_*.c) and the
 * drain. Internal to trace/.
 *
 * A ring is an array of 2^n fixed-size records. Writers own `head`, the one
 * reader (the drain, or the panic flush holding the drain's lock) owns
 * `tail`. A record is readable once its `seq` equals its position + 1: the
 * writer stores seq last, so a reader never sees half a record, even when a
 * writer on the same CPU was interrupted between reserving and committing.
 *
 * The ring never overwrites: when it is full, a writer counts a drop and
 * returns (discard mode, like LTTng's default). The flight recorder
 * ("keep the last events while nobody listens") is the reader's job: with
 * no collector, the drain trims each ring to its newest half and counts what
 * it trims, so the count of lost records stays exact.
 */
#ifndef LUCENT_TRACE_RING_H
#define LUCENT_TRACE_RING_H

#include <stdint.h>
#include <lucent/trace.h>

#define LU_TRACE_MAX_RINGS 256

struct lu_trace_ring {
    /* writer side */
    uint64_t head;              /* next position to reserve */
    uint64_t limit;             /* writers' cached tail + size: reload when reached (per-thread
                                   rings: also no further than the end of the array) */
    uintptr_t lapbase;          /* per-thread rings: slot of position p = lapbase + p * 64, valid
                                   up to limit (emit_thread.c) */
    uint64_t dropped_full;      /* records refused because the ring was full */
    struct lu_trace_rec *slots; /* == (void *)(this + 1): writers compute it */
    uint64_t mask;
    uint32_t tid;   /* owner thread (per-thread rings), else 0 */
    uint32_t index; /* position in the ring table: the sequence id - 1 */
    char name[16];  /* owner thread's name when it attached (per-thread rings) */
    /* reader side, on its own cache line */
    uint64_t tail __attribute__((aligned(64)));
    uint64_t dropped_gone; /* records trimmed or lost because no collector took them */
    volatile uint8_t free; /* per-thread ring whose thread exited: reusable once empty */
};

/* Rings in use, in order of creation; set up by emit_*.c. */
extern struct lu_trace_ring *lu_trace_rings[LU_TRACE_MAX_RINGS];
extern unsigned lu_trace_nrings;

/* Creates ring number nrings (size from `trace_ring`, default chosen by
 * the build's emit file); NULL when out of memory or slots. Not on the hot path. */
struct lu_trace_ring *lu_trace_ring_new(uint32_t tid);

/* Slow path of a writer that found head == limit: reloads the tail. Returns
 * true when there is room. */
static inline bool ring_has_room(struct lu_trace_ring *r, uint64_t head)
{
    uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    uint64_t lim = tail + r->mask + 1;
    __atomic_store_n(&r->limit, lim, __ATOMIC_RELAXED);
    return head < lim;
}

/* Writer: stamps a record with the TSC as two 32-bit stores, skipping the
 * shift and or that lu_plat_cycles() needs to make one 64-bit value (two
 * instructions of a ~30-instruction hot path). x86_64, little-endian: ts
 * reads back as hi << 32 | lo. */
typedef uint32_t lu_trace_u32_alias __attribute__((may_alias));
static inline void ring_stamp(struct lu_trace_rec *s)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    ((lu_trace_u32_alias *)&s->ts)[0] = lo;
    ((lu_trace_u32_alias *)&s->ts)[1] = hi;
}

/* Reader: the record at @pos if committed, else NULL. */
static inline const struct lu_trace_rec *ring_peek(const struct lu_trace_ring *r, uint64_t pos)
{
    const struct lu_trace_rec *s = &r->slots[pos & r->mask];
    return __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) == pos + 1 ? s : NULL;
}

static inline uint64_t ring_head(const struct lu_trace_ring *r)
{
    return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
}

static inline void ring_release(struct lu_trace_ring *r, uint64_t new_tail)
{
    __atomic_store_n(&r->tail, new_tail, __ATOMIC_RELEASE);
}

static inline uint64_t ring_dropped(const struct lu_trace_ring *r)
{
    return __atomic_load_n(&r->dropped_full, __ATOMIC_RELAXED) +
           __atomic_load_n(&r->dropped_gone, __ATOMIC_RELAXED);
}

#endif
