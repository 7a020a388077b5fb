/*
 * The Perfetto encoder (include/lucent/pftrace.h): records in, TracePackets
 * out. Field numbers are those of perfetto_trace.proto v55.3; each is named
 * where it is written.
 *
 * Nested messages get a two-byte length written as a redundant varint
 * (0x80|lo, hi): protobuf readers accept it, and it spares a second pass or
 * a memmove. So no nested message may exceed 16383 bytes; ours are tiny.
 */
#include <errno.h>
#include <string.h>
#include <lucent/pftrace.h>

struct pb {
    uint8_t *p, *end;
    bool err;
};

static void pb_byte(struct pb *w, uint8_t c)
{
    if (w->p < w->end)
        *w->p++ = c;
    else
        w->err = true;
}

static void pb_varint(struct pb *w, uint64_t v)
{
    if (w->end - w->p < 10) {
        w->err = true;
        return;
    }
    while (v > 0x7f) {
        *w->p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *w->p++ = (uint8_t)v;
}

static void pb_uint(struct pb *w, unsigned field, uint64_t v)
{
    pb_varint(w, (uint64_t)field << 3);
    pb_varint(w, v);
}

static void pb_fixed64(struct pb *w, unsigned field, uint64_t v)
{
    pb_varint(w, (uint64_t)field << 3 | 1);
    if (w->end - w->p < 8) {
        w->err = true;
        return;
    }
    for (int i = 0; i < 8; i++)
        *w->p++ = (uint8_t)(v >> (8 * i));
}

static void pb_bytes(struct pb *w, unsigned field, const void *s, size_t n)
{
    pb_varint(w, (uint64_t)field << 3 | 2);
    pb_varint(w, n);
    if ((size_t)(w->end - w->p) < n) {
        w->err = true;
        return;
    }
    memcpy(w->p, s, n);
    w->p += n;
}

static void pb_str(struct pb *w, unsigned field, const char *s) { pb_bytes(w, field, s, strlen(s)); }

/* Opens a nested message: returns where its length goes. */
static uint8_t *pb_open(struct pb *w, unsigned field)
{
    pb_varint(w, (uint64_t)field << 3 | 2);
    uint8_t *m = w->p;
    pb_byte(w, 0);
    pb_byte(w, 0);
    return m;
}

static void pb_close(struct pb *w, uint8_t *m)
{
    if (w->err)
        return;
    size_t n = (size_t)(w->p - m - 2);
    if (n > 0x3fff) {
        w->err = true;
        return;
    }
    m[0] = (uint8_t)(0x80 | (n & 0x7f));
    m[1] = (uint8_t)(n >> 7);
}

/* Every packet is field 1 (`packet`) of the Trace message. */
static struct pb packet_begin(struct lu_pf_buf *b, uint8_t **m)
{
    struct pb w = {b->pos, b->end, false};
    *m = pb_open(&w, 1);
    return w;
}

static int packet_end(struct lu_pf_buf *b, struct pb *w, uint8_t *m)
{
    pb_close(w, m);
    if (w->err)
        return -ENOSPC; /* b->pos untouched: the partial packet is forgotten */
    b->pos = w->p;
    return 0;
}

enum {
    TP_TIMESTAMP = 8,
    TP_CLOCK_SNAPSHOT = 6,
    TP_SEQ_ID = 10, /* trusted_packet_sequence_id */
    TP_TRACK_EVENT = 11,
    TP_INTERNED = 12,
    TP_SEQ_FLAGS = 13,
    TP_PREV_DROPPED = 42, /* previous_packet_dropped */
    TP_TRACK_DESCRIPTOR = 60,
    TP_FIRST_ON_SEQ = 87, /* first_packet_on_sequence */
    SEQ_CLEARED = 1,      /* SEQ_INCREMENTAL_STATE_CLEARED */
    SEQ_NEEDS = 2,        /* SEQ_NEEDS_INCREMENTAL_STATE */
    CLOCK_MONOTONIC = 3,
    CLOCK_BOOTTIME = 6,
};

void lu_pf_seq_reset(struct lu_pf_seq *s, uint32_t id)
{
    memset(s, 0, sizeof *s);
    s->id = id;
}

int lu_pf_seq_start(struct lu_pf_buf *b, struct lu_pf_seq *s, uint64_t now_ns)
{
    uint8_t *pk;
    struct pb w = packet_begin(b, &pk);
    pb_uint(&w, TP_TIMESTAMP, now_ns);
    pb_uint(&w, TP_SEQ_ID, s->id);
    pb_uint(&w, TP_SEQ_FLAGS, SEQ_CLEARED);
    pb_uint(&w, TP_FIRST_ON_SEQ, 1);
    uint8_t *cs = pb_open(&w, TP_CLOCK_SNAPSHOT);
    static const uint32_t clocks[] = {CLOCK_BOOTTIME, CLOCK_MONOTONIC};
    for (int i = 0; i < 2; i++) {
        uint8_t *c = pb_open(&w, 1); /* ClockSnapshot.clocks */
        pb_uint(&w, 1, clocks[i]);   /* Clock.clock_id */
        pb_uint(&w, 2, now_ns);      /* Clock.timestamp */
        pb_close(&w, c);
    }
    pb_uint(&w, 2, CLOCK_BOOTTIME); /* primary_trace_clock */
    pb_close(&w, cs);
    int r = packet_end(b, &w, pk);
    if (r == 0) {
        struct lu_pf_strtab *t = s->strs;
        lu_pf_seq_reset(s, s->id);
        s->started = true;
        s->strs = t;
        if (t) /* a new incremental state: nothing is interned any more */
            memset(t, 0, sizeof *t);
    }
    return r;
}

int lu_pf_process_track(struct lu_pf_buf *b, uint32_t seq_id, const struct lu_pf_env *env)
{
    uint8_t *pk;
    struct pb w = packet_begin(b, &pk);
    pb_uint(&w, TP_SEQ_ID, seq_id);
    uint8_t *td = pb_open(&w, TP_TRACK_DESCRIPTOR);
    pb_uint(&w, 1, LU_PF_UUID_PROCESS); /* uuid */
    uint8_t *pd = pb_open(&w, 3);       /* process */
    pb_uint(&w, 1, env->pid);           /* pid */
    pb_str(&w, 6, env->process_name);   /* process_name */
    pb_close(&w, pd);
    pb_close(&w, td);
    return packet_end(b, &w, pk);
}

int lu_pf_thread_track(struct lu_pf_buf *b, uint32_t seq_id, const struct lu_pf_env *env, uint32_t tid,
                       const char *name)
{
    uint8_t *pk;
    struct pb w = packet_begin(b, &pk);
    pb_uint(&w, TP_SEQ_ID, seq_id);
    uint8_t *td = pb_open(&w, TP_TRACK_DESCRIPTOR);
    pb_uint(&w, 1, tid);                /* uuid: the tid */
    pb_uint(&w, 5, LU_PF_UUID_PROCESS); /* parent_uuid */
    uint8_t *t = pb_open(&w, 4);        /* thread */
    pb_uint(&w, 1, env->pid);           /* pid */
    pb_uint(&w, 2, tid);                /* tid */
    if (name && *name)
        pb_str(&w, 5, name); /* thread_name */
    pb_close(&w, t);
    pb_close(&w, td);
    return packet_end(b, &w, pk);
}

static int child_track(struct lu_pf_buf *b, uint32_t seq_id, uint64_t uuid, const char *name, bool counter)
{
    uint8_t *pk;
    struct pb w = packet_begin(b, &pk);
    pb_uint(&w, TP_SEQ_ID, seq_id);
    uint8_t *td = pb_open(&w, TP_TRACK_DESCRIPTOR);
    pb_uint(&w, 1, uuid);
    pb_uint(&w, 5, LU_PF_UUID_PROCESS);
    pb_str(&w, 2, name); /* name */
    if (counter)
        pb_close(&w, pb_open(&w, 8)); /* counter: an empty CounterDescriptor */
    pb_close(&w, td);
    return packet_end(b, &w, pk);
}

int lu_pf_counter_track(struct lu_pf_buf *b, uint32_t seq_id, uint64_t uuid, const char *name)
{
    return child_track(b, seq_id, uuid, name, true);
}

int lu_pf_irq_track(struct lu_pf_buf *b, uint32_t seq_id, uint32_t ring, const char *name)
{
    return child_track(b, seq_id, LU_PF_UUID_IRQ(ring), name, false);
}

static void packet_head(struct pb *w, struct lu_pf_seq *s, uint64_t ts_ns)
{
    pb_uint(w, TP_TIMESTAMP, ts_ns);
    pb_uint(w, TP_SEQ_ID, s->id);
    pb_uint(w, TP_SEQ_FLAGS, SEQ_NEEDS);
    if (s->dropped_pending)
        pb_uint(w, TP_PREV_DROPPED, 1);
}

static uint64_t name_iid(const struct lu_tracepoint *tp) { return (uint64_t)tp->id + 1; }
static uint64_t arg_iid(const struct lu_tracepoint *tp, int i)
{
    return (uint64_t)tp->id * LU_TRACE_MAX_ARGS + (uint64_t)i + 1;
}

/* ---- dynamic argument values ------------------------------------------------
 * A record's strings and byte arrays (LU_TRACE_DSTR, _DBYTES) as found in
 * its data, and their interning state on the sequence. */
struct dval {
    const uint8_t *p;
    uint32_t n;
    bool cut, fresh; /* fresh: interned by this packet (a new iid) */
    uint64_t hash;
    uint32_t iid; /* 0: written inline (no table) */
};

static bool is_dyn(uint8_t t) { return t == LU_TRACE_DSTR || t == LU_TRACE_DBYTES; }

/* FNV-1a over the bytes and the type: a byte array and a string with the
 * same bytes are different values (one is shown as hex). */
static uint64_t dhash(const uint8_t *p, uint32_t n, uint8_t type)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ type;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h ^ n;
}

/* Finds each dynamic argument's bytes; looks them up in the sequence's
 * table. Returns how many are not yet interned. */
static int dvals(struct lu_pf_seq *s, const struct lu_tracepoint *tp, const struct lu_trace_rec *rec,
                 const uint8_t *data, struct dval *v)
{
    const uint8_t *d = data;
    int missing = 0;
    for (int i = 0; i < tp->nargs && i < LU_TRACE_MAX_ARGS; i++) {
        if (!is_dyn(tp->arg_types[i]))
            continue;
        uint32_t n = data ? LU_TRACE_DLEN(rec->args[i]) : 0;
        v[i] = (struct dval){
            .p = d ? d : (const uint8_t *)"", .n = n, .cut = (rec->args[i] & LU_TRACE_DTRUNC) != 0};
        if (d)
            d += n;
        if (!s->strs)
            continue;
        v[i].hash = dhash(v[i].p, n, tp->arg_types[i]);
        unsigned k = (unsigned)(v[i].hash % LU_PF_STRTAB);
        if (s->strs->iid[k] && s->strs->hash[k] == v[i].hash) {
            v[i].iid = s->strs->iid[k];
        } else {
            v[i].fresh = true;
            missing++;
        }
    }
    return missing;
}

/* Once the packet that interned them is out: the table learns them. */
static void dvals_commit(struct lu_pf_seq *s, const struct lu_tracepoint *tp, const struct dval *v)
{
    for (int i = 0; s->strs && i < tp->nargs && i < LU_TRACE_MAX_ARGS; i++)
        if (is_dyn(tp->arg_types[i]) && v[i].fresh) {
            unsigned k = (unsigned)(v[i].hash % LU_PF_STRTAB);
            s->strs->hash[k] = v[i].hash;
            s->strs->iid[k] = v[i].iid;
        }
}

static const char hexd[] = "0123456789abcdef";

/* The value as protobuf bytes of @field: the string, or hex of the bytes. */
static void pb_dval(struct pb *w, unsigned field, const struct dval *v, uint8_t type)
{
    if (type != LU_TRACE_DBYTES) {
        pb_bytes(w, field, v->p, v->n);
        return;
    }
    pb_varint(w, (uint64_t)field << 3 | 2);
    pb_varint(w, (uint64_t)v->n * 2);
    if ((size_t)(w->end - w->p) < (size_t)v->n * 2) {
        w->err = true;
        return;
    }
    for (uint32_t i = 0; i < v->n; i++) {
        *w->p++ = (uint8_t)hexd[v->p[i] >> 4];
        *w->p++ = (uint8_t)hexd[v->p[i] & 15];
    }
}

/* The mark of a value cut at its bound: an argument `<name>_truncated`
 * (named inline: it is rare, not worth an interned name). */
static void pb_cut(struct pb *w, const struct lu_tracepoint *tp, int i)
{
    char name[64];
    size_t n = strlen(tp->arg_names[i]);
    if (n > sizeof name - 11)
        n = sizeof name - 11;
    memcpy(name, tp->arg_names[i], n);
    memcpy(name + n, "_truncated", 10);
    uint8_t *m = pb_open(w, 4);    /* TrackEvent.debug_annotations */
    pb_bytes(w, 10, name, n + 10); /* name */
    pb_uint(w, 2, 1);              /* bool_value */
    pb_close(w, m);
}

static void intern(struct pb *w, struct lu_pf_seq *s, const struct lu_tracepoint *tp, struct dval *dv,
                   int dv_missing)
{
    bool tp_new = !(s->tp_interned[tp->id / 8] & (1u << (tp->id % 8)));
    unsigned c = tp->cat_id % LU_PF_MAX_CATS;
    bool cat_new = !(s->cat_interned[c / 8] & (1u << (c % 8)));
    if (!tp_new && !cat_new && !dv_missing)
        return;
    uint8_t *id = pb_open(w, TP_INTERNED);
    for (int i = 0; dv_missing && i < tp->nargs && i < LU_TRACE_MAX_ARGS; i++) {
        if (!is_dyn(tp->arg_types[i]) || !dv[i].fresh)
            continue;
        dv[i].iid = ++s->strs->next_iid; /* taken back below if the packet does not fit */
        uint8_t *m = pb_open(w, 29);     /* debug_annotation_string_values */
        pb_uint(w, 1, dv[i].iid);
        pb_dval(w, 2, &dv[i], tp->arg_types[i]);
        pb_close(w, m);
    }
    if (cat_new) {
        uint8_t *m = pb_open(w, 1);     /* event_categories */
        pb_uint(w, 1, (uint64_t)c + 1); /* iid */
        pb_str(w, 2, tp->category);     /* name */
        pb_close(w, m);
    }
    if (tp_new) {
        uint8_t *m = pb_open(w, 2); /* event_names */
        pb_uint(w, 1, name_iid(tp));
        pb_str(w, 2, tp->name);
        pb_close(w, m);
        for (int i = 0; i < tp->nargs; i++) {
            m = pb_open(w, 3); /* debug_annotation_names */
            pb_uint(w, 1, arg_iid(tp, i));
            pb_str(w, 2, tp->arg_names[i]);
            pb_close(w, m);
        }
    }
    pb_close(w, id);
}

static void annotation(struct pb *w, const struct lu_pf_env *env, const struct lu_tracepoint *tp, int i,
                       uint64_t v, const struct dval *dv)
{
    uint8_t *m = pb_open(w, 4);    /* TrackEvent.debug_annotations */
    pb_uint(w, 1, arg_iid(tp, i)); /* name_iid */
    switch (tp->arg_types[i]) {
    case LU_TRACE_DSTR:
    case LU_TRACE_DBYTES:
        if (dv->iid)
            pb_uint(w, 17, dv->iid); /* string_value_iid */
        else
            pb_dval(w, 6, dv, tp->arg_types[i]); /* string_value */
        pb_close(w, m);
        if (dv->cut)
            pb_cut(w, tp, i);
        return;
    case LU_TRACE_I64: pb_uint(w, 4, v); break;       /* int_value (two's complement varint) */
    case LU_TRACE_F64: pb_fixed64(w, 5, v); break;    /* double_value */
    case LU_TRACE_BOOL: pb_uint(w, 2, v != 0); break; /* bool_value */
    case LU_TRACE_PTR: pb_uint(w, 7, v); break;       /* pointer_value */
    case LU_TRACE_STR: {                              /* string_value */
        char s[128];
        int n;
        if (!v) {
            n = 6;
            memcpy(s, "(null)", 6);
        } else if (env->read_str) {
            n = env->read_str(env->ctx, v, s, sizeof s);
        } else {
            const char *p = (const char *)(uintptr_t)v;
            for (n = 0; n < (int)sizeof s - 1 && p[n]; n++)
                s[n] = p[n];
        }
        pb_bytes(w, 6, s, n > 0 ? (size_t)n : 0);
        break;
    }
    default: pb_uint(w, 3, v); break; /* uint_value */
    }
    pb_close(w, m);
}

/* ---- the fast path ---------------------------------------------------------
 * The drain encodes millions of events a second, nearly all of them of a
 * tracepoint this sequence has already interned. For those, with room for
 * the largest possible packet checked once, the bytes are written without
 * per-field bounds checks. Same bytes as the general path below. */
#define FAST_ROOM 1024

static inline uint8_t *fv(uint8_t *p, uint64_t v)
{
    while (v > 0x7f) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline uint8_t *fkey(uint8_t *p, unsigned field, unsigned wt) { return fv(p, field << 3 | wt); }

static inline void flen(uint8_t *m, uint8_t *end)
{
    size_t n = (size_t)(end - m - 2);
    m[0] = (uint8_t)(0x80 | (n & 0x7f));
    m[1] = (uint8_t)(n >> 7);
}

static int event_fast(struct lu_pf_buf *b, struct lu_pf_seq *s, const struct lu_pf_env *env,
                      const struct lu_tracepoint *tp, const struct lu_trace_rec *rec, uint64_t ts_ns,
                      uint32_t irq_ring, const struct dval *dv)
{
    static const uint8_t type[] = {0, 1, 2, 3, 4, 1, 2};
    uint8_t *p = b->pos, *pk, *te;
    *p++ = 0x0a; /* Trace.packet */
    pk = p;
    p += 2;
    *p++ = TP_TIMESTAMP << 3;
    p = fv(p, ts_ns);
    *p++ = TP_SEQ_ID << 3;
    p = fv(p, s->id);
    *p++ = TP_SEQ_FLAGS << 3;
    *p++ = SEQ_NEEDS;
    *p++ = TP_TRACK_EVENT << 3 | 2;
    te = p;
    p += 2;
    unsigned k = tp->kind;
    *p++ = 9 << 3; /* type */
    *p++ = type[k];
    uint64_t track = k == LU_TRACE_COUNTER     ? LU_PF_UUID_COUNTER(tp->id)
                     : k >= LU_TRACE_IRQ_BEGIN ? LU_PF_UUID_IRQ(irq_ring)
                                               : rec->tid;
    *p++ = 11 << 3; /* track_uuid */
    p = fv(p, track);
    int first_arg = 0;
    if (k == LU_TRACE_COUNTER) {
        if (tp->nargs && tp->arg_types[0] == LU_TRACE_F64) {
            p = fkey(p, 44, 1); /* double_counter_value */
            memcpy(p, &rec->args[0], 8);
            p += 8;
        } else {
            p = fkey(p, 30, 0); /* counter_value */
            p = fv(p, rec->args[0]);
        }
        first_arg = tp->nargs;
    } else if (k != LU_TRACE_END && k != LU_TRACE_IRQ_END) {
        *p++ = 3 << 3; /* category_iids */
        p = fv(p, (uint64_t)(tp->cat_id % LU_PF_MAX_CATS) + 1);
        *p++ = 10 << 3; /* name_iid */
        p = fv(p, name_iid(tp));
    }
    for (int i = first_arg; i < tp->nargs; i++) {
        uint64_t v = rec->args[i];
        *p++ = 4 << 3 | 2; /* debug_annotations */
        uint8_t *m = p;
        p += 2;
        *p++ = 1 << 3; /* name_iid */
        p = fv(p, arg_iid(tp, i));
        switch (tp->arg_types[i]) {
        case LU_TRACE_DSTR: /* interned already (lu_pf_event_data) */
        case LU_TRACE_DBYTES:
            p = fkey(p, 17, 0); /* string_value_iid */
            p = fv(p, dv[i].iid);
            if (dv[i].cut) {
                flen(m, p);
                struct pb w = {p, b->end, false};
                pb_cut(&w, tp, i);
                p = w.p;
                continue;
            }
            break;
        case LU_TRACE_I64:
            *p++ = 4 << 3;
            p = fv(p, v);
            break;
        case LU_TRACE_F64:
            *p++ = 5 << 3 | 1;
            memcpy(p, &v, 8);
            p += 8;
            break;
        case LU_TRACE_BOOL:
            *p++ = 2 << 3;
            *p++ = v != 0;
            break;
        case LU_TRACE_PTR:
            *p++ = 7 << 3;
            p = fv(p, v);
            break;
        case LU_TRACE_STR: {
            char str[128];
            int n;
            if (!v) {
                n = 6;
                memcpy(str, "(null)", 6);
            } else if (env->read_str) {
                n = env->read_str(env->ctx, v, str, sizeof str);
            } else {
                const char *src = (const char *)(uintptr_t)v;
                for (n = 0; n < (int)sizeof str - 1 && src[n]; n++)
                    str[n] = src[n];
            }
            if (n < 0)
                n = 0;
            *p++ = 6 << 3 | 2;
            p = fv(p, (uint64_t)n);
            memcpy(p, str, (size_t)n);
            p += n;
            break;
        }
        default:
            *p++ = 3 << 3;
            p = fv(p, v);
            break;
        }
        flen(m, p);
    }
    flen(te, p);
    flen(pk, p);
    b->pos = p;
    return 0;
}

int lu_pf_event(struct lu_pf_buf *b, struct lu_pf_seq *s, const struct lu_pf_env *env,
                const struct lu_trace_rec *rec, uint64_t ts_ns, uint32_t irq_ring)
{
    return lu_pf_event_data(b, s, env, rec, NULL, ts_ns, irq_ring);
}

int lu_pf_event_data(struct lu_pf_buf *b, struct lu_pf_seq *s, const struct lu_pf_env *env,
                     const struct lu_trace_rec *rec, const uint8_t *data, uint64_t ts_ns, uint32_t irq_ring)
{
    struct dval dv[LU_TRACE_MAX_ARGS];
    int dv_missing = 0;
    const struct lu_tracepoint *tp0 = env->tracepoint(env->ctx, rec->id);
    if (tp0 && tp0->dyn && tp0->nargs <= LU_TRACE_MAX_ARGS)
        dv_missing = dvals(s, tp0, rec, data, dv);
    if (tp0 && tp0->id < LU_PF_MAX_TPS && tp0->kind <= LU_TRACE_IRQ_END && tp0->kind &&
        tp0->nargs <= LU_TRACE_MAX_ARGS && !s->dropped_pending && b->end - b->pos >= FAST_ROOM &&
        (!tp0->dyn || (s->strs && !dv_missing)) && (s->tp_interned[tp0->id / 8] & (1u << (tp0->id % 8))) &&
        (s->cat_interned[(tp0->cat_id % LU_PF_MAX_CATS) / 8] & (1u << (tp0->cat_id % LU_PF_MAX_CATS % 8))))
        return event_fast(b, s, env, tp0, rec, ts_ns, irq_ring, dv);
    const struct lu_tracepoint *tp = env->tracepoint(env->ctx, rec->id);
    if (!tp || tp->id >= LU_PF_MAX_TPS || (tp->dyn && tp != tp0))
        return -ENOENT;
    if (tp->kind >= LU_TRACE_SCHED_SWITCH && tp->kind <= LU_TRACE_THREAD_NAME)
        return lu_pf_sched_event(b, s, env, tp, rec, ts_ns, irq_ring);
    uint8_t *pk;
    struct pb w = packet_begin(b, &pk);
    packet_head(&w, s, ts_ns);
    uint32_t iid0 = s->strs ? s->strs->next_iid : 0;
    intern(&w, s, tp, dv, dv_missing);
    uint8_t *te = pb_open(&w, TP_TRACK_EVENT);
    static const uint8_t type[] = {[LU_TRACE_BEGIN] = 1,   [LU_TRACE_END] = 2,       [LU_TRACE_INSTANT] = 3,
                                   [LU_TRACE_COUNTER] = 4, [LU_TRACE_IRQ_BEGIN] = 1, [LU_TRACE_IRQ_END] = 2};
    unsigned k = tp->kind <= LU_TRACE_IRQ_END ? tp->kind : LU_TRACE_INSTANT;
    pb_uint(&w, 9, type[k] ? type[k] : 3); /* type */
    uint64_t track = rec->tid;
    if (k == LU_TRACE_COUNTER)
        track = LU_PF_UUID_COUNTER(tp->id);
    else if (k == LU_TRACE_IRQ_BEGIN || k == LU_TRACE_IRQ_END)
        track = LU_PF_UUID_IRQ(irq_ring);
    pb_uint(&w, 11, track); /* track_uuid */
    int first_arg = 0;
    if (k == LU_TRACE_COUNTER) {
        if (tp->nargs && tp->arg_types[0] == LU_TRACE_F64)
            pb_fixed64(&w, 44, rec->args[0]); /* double_counter_value */
        else
            pb_uint(&w, 30, rec->args[0]); /* counter_value */
        first_arg = tp->nargs;             /* a counter's value is not an annotation */
    } else if (k != LU_TRACE_END && k != LU_TRACE_IRQ_END) {
        pb_uint(&w, 3, (uint64_t)(tp->cat_id % LU_PF_MAX_CATS) + 1); /* category_iids */
        pb_uint(&w, 10, name_iid(tp));                               /* name_iid */
    }
    for (int i = first_arg; i < tp->nargs && i < LU_TRACE_MAX_ARGS; i++)
        annotation(&w, env, tp, i, rec->args[i], &dv[i]);
    pb_close(&w, te);
    int r = packet_end(b, &w, pk);
    if (r != 0 && s->strs)
        s->strs->next_iid = iid0; /* nothing was written: the iids were not used */
    if (r == 0) {
        if (tp->dyn)
            dvals_commit(s, tp, dv);
        unsigned c = tp->cat_id % LU_PF_MAX_CATS;
        s->tp_interned[tp->id / 8] |= (uint8_t)(1u << (tp->id % 8));
        s->cat_interned[c / 8] |= (uint8_t)(1u << (c % 8));
        s->dropped_pending = false;
    }
    return r;
}

int lu_pf_drops(struct lu_pf_buf *b, struct lu_pf_seq *s, uint32_t ring, uint64_t total, uint64_t ts_ns)
{
    uint8_t *pk, *start = b->pos;
    struct pb w = packet_begin(b, &pk);
    bool lost = total > s->drops_reported || s->dropped_pending;
    pb_uint(&w, TP_TIMESTAMP, ts_ns);
    pb_uint(&w, TP_SEQ_ID, s->id);
    if (lost)
        pb_uint(&w, TP_PREV_DROPPED, 1);
    uint8_t *te = pb_open(&w, TP_TRACK_EVENT);
    pb_uint(&w, 9, 4); /* TYPE_COUNTER */
    pb_uint(&w, 11, LU_PF_UUID_DROPS(ring));
    pb_uint(&w, 30, total); /* counter_value */
    pb_close(&w, te);
    int r = packet_end(b, &w, pk);
    if (r == 0 && lost) {
        /* trace_processor distrusts a sequence's interned state after a
         * loss, so start the sequence again: clear, and intern anew */
        r = lu_pf_seq_start(b, s, ts_ns);
        if (r)
            b->pos = start;
    }
    if (r == 0) {
        s->dropped_pending = false;
        s->drops_reported = total;
    }
    return r;
}

/* ---- the scheduler as ftrace events ------------------------------------------
 * Perfetto's CPU tracks, its `sched` and `thread_state` tables and its
 * thread lifetimes are built from Linux ftrace events, so the scheduler's
 * records are written as those: one FtraceEventBundle per record, for the
 * ring's CPU, with comms looked up by tid as the record is encoded. Field
 * numbers: FtraceEventBundle, FtraceEvent and the *FtraceEvent messages of
 * perfetto_trace.proto v55.3. Tid 0 is the CPU's idle thread, as in Linux. */
enum {
    TP_FTRACE_EVENTS = 1, /* TracePacket.ftrace_events */
    FE_SCHED_SWITCH = 4,
    FE_SCHED_WAKING = 20,
    FE_SCHED_WAKEUP_NEW = 114,
    FE_TASK_RENAME = 236,
    FE_SCHED_PROCESS_FREE = 240,
    PRIO_NORMAL = 120, /* what Linux reports for a nice-0 thread */
};

/* "@prefix@v" into @buf, freestanding (no snprintf here). */
static void prefixed_num(char *buf, size_t len, const char *prefix, uint32_t v)
{
    char d[12];
    int n = 0;
    size_t k = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while ((v /= 10) && n < 11);
    while (*prefix && k + 1 < len)
        buf[k++] = *prefix++;
    while (n && k + 1 < len)
        buf[k++] = d[--n];
    buf[k] = '\0';
}

static void comm(const struct lu_pf_env *env, uint32_t tid, uint32_t cpu, char *buf, size_t len)
{
    if (tid == 0) /* trace_processor's name for each CPU's idle thread */
        prefixed_num(buf, len, "swapper/", cpu);
    else if (!env->thread_name || env->thread_name(env->ctx, tid, buf, len) != 0 || !buf[0])
        prefixed_num(buf, len, "tid ", tid);
}

int lu_pf_sched_event(struct lu_pf_buf *b, struct lu_pf_seq *s, const struct lu_pf_env *env,
                      const struct lu_tracepoint *tp, const struct lu_trace_rec *rec, uint64_t ts_ns,
                      uint32_t cpu)
{
    char a[32], n[32];
    uint32_t t0 = (uint32_t)rec->args[0];
    uint8_t *pk;
    struct pb w = packet_begin(b, &pk);
    pb_uint(&w, TP_SEQ_ID, s->id);
    if (s->dropped_pending)
        pb_uint(&w, TP_PREV_DROPPED, 1);
    uint8_t *bundle = pb_open(&w, TP_FTRACE_EVENTS);
    pb_uint(&w, 1, cpu);          /* FtraceEventBundle.cpu */
    uint8_t *ev = pb_open(&w, 2); /* event */
    pb_uint(&w, 1, ts_ns);        /* FtraceEvent.timestamp */
    pb_uint(&w, 2, rec->tid);     /* pid: the thread that ran */
    uint8_t *m;
    switch (tp->kind) {
    case LU_TRACE_SCHED_SWITCH: {
        uint32_t next = (uint32_t)rec->args[2];
        comm(env, t0, cpu, a, sizeof a);
        comm(env, next, cpu, n, sizeof n);
        m = pb_open(&w, FE_SCHED_SWITCH);
        pb_str(&w, 1, a);             /* prev_comm */
        pb_uint(&w, 2, t0);           /* prev_pid */
        pb_uint(&w, 3, PRIO_NORMAL);  /* prev_prio */
        pb_uint(&w, 4, rec->args[1]); /* prev_state */
        pb_str(&w, 5, n);             /* next_comm */
        pb_uint(&w, 6, next);         /* next_pid */
        pb_uint(&w, 7, PRIO_NORMAL);  /* next_prio */
        break;
    }
    case LU_TRACE_SCHED_WAKEUP:
    case LU_TRACE_THREAD_NEW:
        /* a new thread is sched_wakeup_new, not task_newtask: trace_processor
         * starts a new thread (a second row for the tid) on task_newtask,
         * after the thread's TrackDescriptor (read first, having no
         * timestamp) has already made one */
        comm(env, t0, cpu, a, sizeof a);
        m = pb_open(&w, tp->kind == LU_TRACE_SCHED_WAKEUP ? FE_SCHED_WAKING : FE_SCHED_WAKEUP_NEW);
        pb_str(&w, 1, a);            /* comm */
        pb_uint(&w, 2, t0);          /* pid */
        pb_uint(&w, 3, PRIO_NORMAL); /* prio */
        pb_uint(&w, 4, 1);           /* success */
        pb_uint(&w, 5, cpu);         /* target_cpu */
        break;
    case LU_TRACE_THREAD_EXIT:
        comm(env, t0, cpu, a, sizeof a);
        m = pb_open(&w, FE_SCHED_PROCESS_FREE);
        pb_str(&w, 1, a);            /* comm */
        pb_uint(&w, 2, t0);          /* pid */
        pb_uint(&w, 3, PRIO_NORMAL); /* prio */
        break;
    default: /* LU_TRACE_THREAD_NAME */
        comm(env, t0, cpu, a, sizeof a);
        m = pb_open(&w, FE_TASK_RENAME);
        pb_uint(&w, 1, t0); /* pid */
        pb_str(&w, 3, a);   /* newcomm */
        break;
    }
    pb_close(&w, m);
    pb_close(&w, ev);
    pb_close(&w, bundle);
    int r = packet_end(b, &w, pk);
    if (r == 0)
        s->dropped_pending = false;
    return r;
}
