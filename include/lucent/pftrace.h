/*
 * lucent/pftrace.h: encode trace records as Perfetto TracePackets.
 *
 * A small, allocation-free protobuf writer for exactly the packets Lucent
 * emits (field numbers from perfetto_trace.proto v55.3). It knows nothing
 * about rings, threads or channels: the caller hands it records and
 * tracepoint metadata and gets bytes. The drain in trace/drain.c is one
 * caller; host tools (tools/bpftrace: records read from USDT probes by
 * libbpf) are another. Every function appends one or more whole
 * `Trace.packet` fields to the buffer, so a concatenation of their outputs
 * is a valid trace.
 *
 * Each function returns 0, or -ENOSPC and leaves the buffer unchanged when
 * the packet does not fit. Freestanding-safe: no malloc, no stdio.
 */
#ifndef LUCENT_PFTRACE_H
#define LUCENT_PFTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lucent/trace.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LU_PF_MAX_TPS 4096 /* tracepoint ids interned per sequence */
#define LU_PF_MAX_CATS 64

struct lu_pf_buf {
    uint8_t *start, *pos, *end;
};

static inline void lu_pf_buf_init(struct lu_pf_buf *b, void *mem, size_t len)
{
    b->start = b->pos = (uint8_t *)mem;
    b->end = b->start + len;
}
static inline size_t lu_pf_buf_len(const struct lu_pf_buf *b) { return (size_t)(b->pos - b->start); }

/* What the encoder asks of its caller. */
struct lu_pf_env {
    uint32_t pid;
    const char *process_name;
    /* metadata for a record's id; NULL for an unknown id (the record is skipped) */
    const struct lu_tracepoint *(*tracepoint)(void *ctx, uint32_t id);
    /* copies the string at @addr (a LU_TRACE_STR argument) into @buf; returns
     * its length or -errno. NULL: read this process's memory directly. */
    int (*read_str)(void *ctx, uint64_t addr, char *buf, size_t len);
    /* the name of thread @tid into @buf (for the scheduler kinds); returns
     * 0 or -errno. NULL: threads are named "tid N". */
    int (*thread_name)(void *ctx, uint32_t tid, char *buf, size_t len);
    void *ctx;
};

/* The dynamic argument values (strings, hex of byte arrays) a sequence has
 * interned: a direct-mapped cache from the value's 64-bit hash to its iid.
 * A value seen again while its entry holds it costs its iid, not its bytes;
 * one that lost its entry to another is interned again under a new iid
 * (iids are never reused within a sequence's incremental state). */
#define LU_PF_STRTAB 512
struct lu_pf_strtab {
    uint64_t hash[LU_PF_STRTAB];
    uint32_t iid[LU_PF_STRTAB]; /* 0: empty */
    uint32_t next_iid;
};

/* One trusted packet sequence (one ring): which names it has interned. */
struct lu_pf_seq {
    uint32_t id;             /* trusted_packet_sequence_id, > 0 */
    bool started;            /* the SEQ_INCREMENTAL_STATE_CLEARED packet is out */
    bool dropped_pending;    /* mark the next packet previous_packet_dropped */
    uint64_t drops_reported; /* the drop total last written by lu_pf_drops */
    uint8_t tp_interned[LU_PF_MAX_TPS / 8];
    uint8_t cat_interned[LU_PF_MAX_CATS / 8];
    /* the caller's table for interning dynamic values (set it after
     * lu_pf_seq_reset; lu_pf_seq_start keeps and clears it); NULL: values
     * are written inline each time */
    struct lu_pf_strtab *strs;
};

/* Track uuids: a thread's track is its tid; the rest live above 2^32. */
#define LU_PF_UUID_PROCESS (1ULL << 40)
#define LU_PF_UUID_COUNTER(tp_id) ((2ULL << 32) | (tp_id))
#define LU_PF_UUID_IRQ(ring) ((3ULL << 32) | (ring))
#define LU_PF_UUID_DROPS(ring) ((4ULL << 32) | (ring))

/* Starts (or restarts) sequence @s: clears its interning state and writes
 * the packet that sets SEQ_INCREMENTAL_STATE_CLEARED, with a ClockSnapshot
 * (BOOTTIME = MONOTONIC = @now_ns: timestamps are nanoseconds since the
 * program started). */
void lu_pf_seq_reset(struct lu_pf_seq *s, uint32_t id);
int lu_pf_seq_start(struct lu_pf_buf *b, struct lu_pf_seq *s, uint64_t now_ns);

/* TrackDescriptors, each written on sequence @seq_id. */
int lu_pf_process_track(struct lu_pf_buf *b, uint32_t seq_id, const struct lu_pf_env *env);
int lu_pf_thread_track(struct lu_pf_buf *b, uint32_t seq_id, const struct lu_pf_env *env, uint32_t tid,
                       const char *name);
/* A counter track under the process: one per COUNTER tracepoint, one per
 * ring's drop count. */
int lu_pf_counter_track(struct lu_pf_buf *b, uint32_t seq_id, uint64_t uuid, const char *name);
/* A slice track for IRQ_BEGIN/IRQ_END events of ring @ring. */
int lu_pf_irq_track(struct lu_pf_buf *b, uint32_t seq_id, uint32_t ring, const char *name);

/* One record as one TrackEvent packet on sequence @s (interning its names
 * first when this sequence has not seen them). @ts_ns: the record's time.
 * @irq_ring: the ring it came from (for IRQ kinds). Returns 0, -ENOSPC, or
 * -ENOENT for an id the env does not know (nothing written). */
int lu_pf_event(struct lu_pf_buf *b, struct lu_pf_seq *s, const struct lu_pf_env *env,
                const struct lu_trace_rec *rec, uint64_t ts_ns, uint32_t irq_ring);
/* The same for a record with dynamic arguments (LU_TRACE_DSTR, _DBYTES):
 * @data holds their bytes, one after the other, with the lengths in
 * rec->args (LU_TRACE_DLEN; LU_TRACE_DTRUNC marks a value that was cut,
 * written as an argument `<name>_truncated`: true). NULL: empty values. */
int lu_pf_event_data(struct lu_pf_buf *b, struct lu_pf_seq *s, const struct lu_pf_env *env,
                     const struct lu_trace_rec *rec, const uint8_t *data, uint64_t ts_ns, uint32_t irq_ring);

/* A record of a scheduler kind (LU_TRACE_SCHED_SWITCH ...) as a packet of
 * one FtraceEventBundle for CPU @cpu. Called by lu_pf_event for those kinds. */
int lu_pf_sched_event(struct lu_pf_buf *b, struct lu_pf_seq *s, const struct lu_pf_env *env,
                      const struct lu_tracepoint *tp, const struct lu_trace_rec *rec, uint64_t ts_ns,
                      uint32_t cpu);

/* The running count of dropped records of ring @ring as a COUNTER event on
 * its drop track; also marks the sequence's next packet
 * previous_packet_dropped. */
int lu_pf_drops(struct lu_pf_buf *b, struct lu_pf_seq *s, uint32_t ring, uint64_t total, uint64_t ts_ns);

#ifdef __cplusplus
}
#endif
#endif
