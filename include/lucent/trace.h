/*
 * lucent/trace.h: tracepoints, on the Linux model.
 *
 * Declare a tracepoint where it is used; there is no central list:
 *
 *   LU_TRACEPOINT(req_parsed, "http", INSTANT, (const char *, method), (uint32_t, len));
 *   ...
 *   lu_trace_req_parsed(m, n);              // one predictable branch when off
 *   if (lu_trace_req_parsed_enabled()) ...  // guard costly argument preparation
 *
 * Kinds: BEGIN and END (a slice on the calling thread's track), INSTANT,
 * COUNTER (the first argument is the value, on a process-wide counter track
 * named after the tracepoint), IRQ_BEGIN/IRQ_END (a slice on the ring's
 * own "irq" track rather than the thread's) and the scheduler kinds
 * (SCHED_SWITCH ..., below: for a kernel, they become ftrace events). Up to LU_TRACE_MAX_ARGS
 * arguments, of any integer, bool, double or pointer type. A `const char *`
 * argument is recorded as the pointer and read when the record is encoded:
 * it must point to a string that lives as long as the program (a literal,
 * a static table).
 *
 * Strings that do not live that long (a request's path, SQL text, a file
 * name) and byte arrays are dynamic arguments, copied into the ring at the
 * call, at most a bound of bytes each (128, or the third element):
 *
 *   LU_TRACEPOINT(open, "fs", INSTANT, (lu_trace_str, path), (lu_trace_bytes, key, 16), (int, flags));
 *   lu_trace_open(lu_trace_strn(buf, len), lu_trace_bytes_of(k, klen), fl);
 *   lu_trace_open(lu_trace_cstr(name), ...);   // NUL-terminated
 *
 * A longer one is cut at the bound and the trace says so (an argument
 * `<name>_truncated`: true). Strings become Perfetto string arguments,
 * byte arrays hex strings. The record takes one 64-byte slot plus one per
 * 64 bytes copied. Write the type as the typedef (`lu_trace_str`,
 * `lu_trace_bytes`): the USDT probe recognises it by name and passes the
 * pointer and the length as two probe arguments (length -1: NUL-terminated).
 *
 * A slice that ends with its scope:
 *
 *   LU_TRACE_SLICE(handle, "http", (uint32_t, fd));   // declares handle_begin/_end
 *   { LU_TRACE_SCOPED(handle, fd); ... }              // END runs at the closing brace
 *
 * What this header owns: the declaration macros, the record format, the
 * runtime control API. The rings, the drain and the Perfetto encoder live in
 * trace/ (see trace/README.md). With `-Dtracing=false` every lu_trace_*
 * call compiles to nothing; in the hostbuild with `-Dusdt` every tracepoint
 * is also a USDT probe `lucent:<name>` (slices: `<name>_begin`, `<name>_end`).
 *
 * Cost (disabled): a load of the tracepoint's `on` byte and a not-taken
 * branch; the clock is never read first. Cost (enabled): a call that
 * reserves a 64-byte slot in the current ring, reads the TSC and stores the
 * record (its id and only the arguments it has); no lock, no allocation, no
 * encoding. About 30 instructions in all in the hostbuild (bench/trace).
 */
#ifndef LUCENT_TRACE_H
#define LUCENT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef LU_CONFIG_TRACING
#define LU_CONFIG_TRACING 1
#endif
#ifndef LU_CONFIG_USDT
#define LU_CONFIG_USDT 0
#endif
#if LU_CONFIG_TRACING && LU_CONFIG_USDT
/* USDT semaphores: a tracer attaching to a probe (libbpf, bpftrace) adds 1
 * to its semaphore, so lu_trace_X_enabled() is true while anyone watches,
 * even with the category off in the process, and code that prepares costly
 * arguments only when enabled still feeds the probe. (A file that included
 * <sys/sdt.h> before us has probes without semaphores; then only the
 * category counts.) */
#ifndef _SYS_SDT_H
#define _SDT_HAS_SEMAPHORES 1
#endif
#include <sys/sdt.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define LU_TRACE_MAX_ARGS 5

enum lu_trace_kind {
    LU_TRACE_BEGIN = 1,
    LU_TRACE_END = 2,
    LU_TRACE_INSTANT = 3,
    LU_TRACE_COUNTER = 4,
    LU_TRACE_IRQ_BEGIN = 5,
    LU_TRACE_IRQ_END = 6,
    /* The scheduler's events, encoded as Linux ftrace events of the ring's
     * CPU so that Perfetto fills its CPU tracks, `sched` and `thread_state`.
     * Arguments are tids (0: the CPU's idle thread); names come from the
     * platform (lu_plat_thread_name, lu_trace_thread_named) at encode time. */
    LU_TRACE_SCHED_SWITCH = 7, /* (prev tid, prev state: 0 runnable, 1 blocked, 0x10 dead, next tid) */
    LU_TRACE_SCHED_WAKEUP = 8, /* (tid woken) */
    LU_TRACE_THREAD_NEW = 9,   /* (tid created) */
    LU_TRACE_THREAD_EXIT = 10, /* (tid exited) */
    LU_TRACE_THREAD_NAME = 11, /* (tid renamed) */
};

enum lu_trace_type {
    LU_TRACE_U64 = 1,
    LU_TRACE_I64,
    LU_TRACE_F64,
    LU_TRACE_BOOL,
    LU_TRACE_PTR,
    LU_TRACE_STR,    /* a pointer to a string that outlives the program's tracing */
    LU_TRACE_DSTR,   /* lu_trace_str: bytes copied into the ring at the call */
    LU_TRACE_DBYTES, /* lu_trace_bytes: the same, shown as hex */
};

/* Dynamic arguments (above). len SIZE_MAX: up to the NUL, read no further
 * than the bound. */
typedef struct lu_trace_str {
    const char *p;
    size_t len;
} lu_trace_str;
typedef struct lu_trace_bytes {
    const void *p;
    size_t len;
} lu_trace_bytes;
static inline lu_trace_str lu_trace_strn(const char *p, size_t len)
{
    lu_trace_str s = {p, len};
    return s;
}
static inline lu_trace_str lu_trace_cstr(const char *p)
{
    lu_trace_str s = {p, (size_t)-1};
    return s;
}
static inline lu_trace_bytes lu_trace_bytes_of(const void *p, size_t len)
{
    lu_trace_bytes b = {p, len};
    return b;
}

#define LU_TRACE_DEFAULT_MAX 128 /* bytes of a dynamic argument unless its declaration says */
#define LU_TRACE_MAX_MAX 1024    /* the most a declaration may say */
/* In a record, a dynamic argument's args[i]: the bytes it stored and
 * whether it was cut; the bytes follow the record, argument after argument. */
#define LU_TRACE_DLEN(v) ((uint32_t)(v)&0xffffu)
#define LU_TRACE_DTRUNC (1u << 16)
/* A record that fills the ring's end when a record with dynamic arguments
 * would wrap: args[0] more slots follow it; readers skip it. */
#define LU_TRACE_PAD_ID 0xffffffffu

/* One tracepoint's metadata, in the `lu_tracepoints` linker section. Only
 * `on` is read on the hot path; `id` and `cat_id` are assigned by
 * lu_trace_init() (the encoder and host tools that build records themselves
 * fill them too). */
struct lu_tracepoint {
    volatile uint8_t on;
    uint8_t kind, nargs;
    uint8_t dyn; /* has dynamic arguments: the record is variable-sized */
    uint16_t cat_id;
    uint16_t id;
    const char *name, *category;
    const char *arg_names[LU_TRACE_MAX_ARGS];
    uint8_t arg_types[LU_TRACE_MAX_ARGS];
    uint16_t arg_max[LU_TRACE_MAX_ARGS]; /* dynamic arguments: the bound, 0 = LU_TRACE_DEFAULT_MAX */
    /* set by lu_trace_init for a tracepoint whose one argument is a string:
     * the longest it records on the fast path (min(bound, 64): one slot of
     * bytes); 64-bit so that the writer compares against it in memory */
    uint64_t str_fast;
} __attribute__((aligned(8)));

/* The fixed-size record a tracepoint writes into its ring. */
struct lu_trace_rec {
    uint64_t seq; /* commit mark: ring position + 1, stored last */
    uint64_t ts;  /* lu_plat_cycles() */
    uint32_t id;  /* lu_tracepoint.id */
    uint32_t tid; /* lu_plat_thread_id(); per-thread rings leave it to the drain (the ring's owner) */
    uint64_t args[LU_TRACE_MAX_ARGS];
};

/* ---- runtime control -------------------------------------------------------
 * @categories: words separated by commas or spaces; "all" or "*" matches
 * every category. Each returns how many tracepoints it switched on (enable,
 * set) or off (disable). Safe from any thread at any time; a tracepoint
 * that races with the switch records or not, never half a record. These
 * are what `trace=` (kernel command line), LUCENT_TRACE (hostbuild), the
 * collector's control message and gdb's `monitor trace` all call. */
int lu_trace_enable(const char *categories);
int lu_trace_disable(const char *categories);
int lu_trace_set(const char *categories); /* exactly these on, all others off */

/* Numbers the tracepoints, applies `trace=`, sets up the rings and starts
 * the drain (where threads exist). Runs as a constructor; callable again
 * (early kernel code may call it before constructors run). Returns 0. */
int lu_trace_init(void);

/* Records lost, per ring. A ring is a CPU in the image; in the hostbuild
 * each thread has its own ring (CPUs migrate under a Linux process, see
 * trace/README.md), numbered in order of first use. Counts both records a
 * full ring refused and records discarded because no collector was there
 * to take them. */
uint64_t lu_trace_dropped(unsigned ring);
uint64_t lu_trace_dropped_total(void);
unsigned lu_trace_ring_count(void);

/* Encodes and writes whatever is left in the rings, polled, without
 * threads or locks that may be held; prints how many events it sent. Runs
 * on every panic (an LU_PANIC_FLUSH step, lucent/panic.h). */
void lu_trace_panic_flush(void);

/* Tells the trace a thread's name, for threads that may have exited by the
 * time their records are encoded. Platforms call it when a thread is created
 * or renamed; the drain also snapshots live threads every 100 ms. */
void lu_trace_thread_named(uint32_t tid, const char *name);

/* Drains everything recorded so far to the collector or file (blocking up
 * to about a second); used at exit and by tests. */
void lu_trace_flush(void);

/* ---- implementation of the macros --------------------------------------------- */

/* The hot path, in trace/emit_*.c (the build picks per-thread or per-CPU
 * rings). One entry per arity, so that a call sets up and the record stores
 * only the arguments the tracepoint has: args[nargs..] of a record are left
 * as they were (the encoder reads only nargs of them). */
void lu_trace__emit0(const struct lu_tracepoint *tp);
void lu_trace__emit1(const struct lu_tracepoint *tp, uint64_t a0);
void lu_trace__emit2(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1);
void lu_trace__emit3(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1, uint64_t a2);
void lu_trace__emit4(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
void lu_trace__emit5(const struct lu_tracepoint *tp, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                     uint64_t a4);

/* Tracepoints with dynamic arguments: each argument's value, or its bytes. */
struct lu_trace__arg {
    uint64_t v;
    const void *p;
    size_t n;
};
void lu_trace__emitd(const struct lu_tracepoint *tp, const struct lu_trace__arg *a);
/* The common case, one dynamic string and nothing else, without the array. */
void lu_trace__emits(const struct lu_tracepoint *tp, const char *p, size_t n);

static inline uint64_t lu_trace__f64(double d)
{
    union {
        double d;
        uint64_t u;
    } x = {.d = d};
    return x.u;
}
static inline uint64_t lu_trace__int(uint64_t v) { return v; }
static inline uint64_t lu_trace__ptr(const volatile void *p) { return (uint64_t)(uintptr_t)p; }
static inline uint64_t lu_trace__sptr(lu_trace_str s) { return (uint64_t)(uintptr_t)s.p; }
static inline uint64_t lu_trace__bptr(lu_trace_bytes b) { return (uint64_t)(uintptr_t)b.p; }
/* a dynamic argument's bytes and length; none for the others (by address,
 * so that any argument type converts) */
static inline const void *lu_trace__sp(const lu_trace_str *s) { return s->p; }
static inline const void *lu_trace__bp(const lu_trace_bytes *b) { return b->p; }
static inline const void *lu_trace__nop(const volatile void *x) { return (void *)0; }
static inline size_t lu_trace__sn(const lu_trace_str *s) { return s->len; }
static inline size_t lu_trace__bn(const lu_trace_bytes *b) { return b->len; }
static inline size_t lu_trace__non(const volatile void *x) { return 0; }

#define lu_trace__u64(x)                                                                                     \
    _Generic((x), double: lu_trace__f64, float: lu_trace__f64, char *: lu_trace__ptr,            \
             const char *: lu_trace__ptr, void *: lu_trace__ptr, const void *: lu_trace__ptr,      \
             lu_trace_str: lu_trace__sptr, lu_trace_bytes: lu_trace__bptr, default: lu_trace__int)(x)
#define lu_trace__dp(x)                                                                                      \
    _Generic((x), lu_trace_str : lu_trace__sp, lu_trace_bytes : lu_trace__bp, default : lu_trace__nop)(&(x))
#define lu_trace__dn(x)                                                                                      \
    _Generic((x), lu_trace_str : lu_trace__sn, lu_trace_bytes : lu_trace__bn, default : lu_trace__non)(&(x))

/* (T){0}, not (T)0: a struct type cannot be cast to */
#define lu_trace__type(T)                                                                                    \
    _Generic((T){0}, double: LU_TRACE_F64, float: LU_TRACE_F64, bool: LU_TRACE_BOOL,             \
             char *: LU_TRACE_STR, const char *: LU_TRACE_STR, void *: LU_TRACE_PTR,             \
             const void *: LU_TRACE_PTR, signed char: LU_TRACE_I64, short: LU_TRACE_I64,         \
             int: LU_TRACE_I64, long: LU_TRACE_I64, long long: LU_TRACE_I64, char: LU_TRACE_I64, \
             lu_trace_str: LU_TRACE_DSTR, lu_trace_bytes: LU_TRACE_DBYTES, default: LU_TRACE_U64)
#define lu_trace__isdyn(T) _Generic((T){0}, lu_trace_str : 1, lu_trace_bytes : 1, default : 0)
#define lu_trace__isstr(T) _Generic((T){0}, lu_trace_str : 1, default : 0)

/* Argument-list plumbing: each argument is a parenthesised (type, name). */
#define LU__CAT_(a, b) a##b
#define LU__CAT(a, b) LU__CAT_(a, b)
#define LU__NARG(...) LU__NARG_(_0, ##__VA_ARGS__, 5, 4, 3, 2, 1, 0)
#define LU__NARG_(_0, _1, _2, _3, _4, _5, N, ...) N
#define LU__MAP(m, ...) LU__CAT(LU__MAP, LU__NARG(__VA_ARGS__))(m, ##__VA_ARGS__)
#define LU__MAP0(m)
#define LU__MAP1(m, a) m a
#define LU__MAP2(m, a, b) m a m b
#define LU__MAP3(m, a, b, c) m a m b m c
#define LU__MAP4(m, a, b, c, d) m a m b m c m d
#define LU__MAP5(m, a, b, c, d, e) m a m b m c m d m e
/* An argument is (T, n) or, for a dynamic one, optionally (T, n, bound). */
#define LU__NAME(T, n, ...) #n,
#define LU__TYPE(T, n, ...) lu_trace__type(T),
#define LU__MAXB(T, n, ...) (0 + __VA_ARGS__ + 0),
#define LU__DYN(T, n, ...) | lu_trace__isdyn(T)
#define LU__NDYN(T, n, ...) +lu_trace__isdyn(T)
#define LU__NSTR(T, n, ...) +lu_trace__isstr(T)
#define LU__VAL(T, n, ...) , lu_trace__u64(n)
#define LU__DARG(T, n, ...) {lu_trace__u64(n), lu_trace__dp(n), lu_trace__dn(n)},
#define LU__SARG(T, n, ...) (const char *)lu_trace__dp(n), lu_trace__dn(n)
#define LU__PARAM(T, n, ...) , T n
/* Parameter list: "(int dummy_, T a, ...)" would change the signature, so
 * a leading void-typed marker is dropped by LU__PARAMS. */
#define LU__PARAMS(...) LU__CAT(LU__PARAMS, LU__NARG(__VA_ARGS__))(__VA_ARGS__)
#define LU__PARAMS0() void
#define LU__PARAMS1(a) LU__STRIP1(LU__PARAM a)
#define LU__PARAMS2(a, b) LU__STRIP1(LU__PARAM a) LU__PARAM b
#define LU__PARAMS3(a, b, c) LU__STRIP1(LU__PARAM a) LU__PARAM b LU__PARAM c
#define LU__PARAMS4(a, b, c, d) LU__STRIP1(LU__PARAM a) LU__PARAM b LU__PARAM c LU__PARAM d
#define LU__PARAMS5(a, b, c, d, e) LU__STRIP1(LU__PARAM a) LU__PARAM b LU__PARAM c LU__PARAM d LU__PARAM e
#define LU__STRIP1(...) LU__STRIP1_(__VA_ARGS__)
#define LU__STRIP1_(x, ...) __VA_ARGS__

#if LU_CONFIG_TRACING && LU_CONFIG_USDT
/* A dynamic argument is two probe arguments, pointer and length: found by
 * the type's spelling, since the preprocessor cannot see types. */
#define LU__DYNTOK_lu_trace_str ~, 1
#define LU__DYNTOK_lu_trace_bytes ~, 1
#define LU__TSECOND(...) LU__TSECOND_(__VA_ARGS__, 0, )
#define LU__TSECOND_(a, b, ...) b
#define LU__PASTE_(a, b) a##b
#define LU__PASTE(a, b) LU__PASTE_(a, b)
#define LU__ISDYNTOK(T) LU__TSECOND(LU__PASTE(LU__DYNTOK_, T))
#define LU__IF_1(t, f) t
#define LU__IF_0(t, f) f
#define LU__USDT_ARG(T, n, ...) LU__PASTE2(LU__IF_, LU__ISDYNTOK(T))(LU__USDT_DYN, LU__USDT_ONE)(n)
#define LU__PASTE2_(a, b) a##b
#define LU__PASTE2(a, b) LU__PASTE2_(a, b)
#define LU__USDT_ONE(n) , lu_trace__u64(n)
#define LU__USDT_DYN(n) , lu_trace__u64(n), (int64_t)lu_trace__dn(n)
#define LU__CALL(m, args) m args
#define LU__NARG12(...) LU__NARG12_(_0, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define LU__NARG12_(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, N, ...) N
#define LU__USDT(probe, ...) LU__USDTV(probe LU__MAP(LU__USDT_ARG, ##__VA_ARGS__))
#define LU__USDTV(...) LU__USDTV_(__VA_ARGS__)
#define LU__USDTV_(probe, ...) LU__CALL(LU__PASTE(LU__USDT, LU__NARG12(__VA_ARGS__)), (probe, ##__VA_ARGS__))
#define LU__USDT0(p) STAP_PROBE(lucent, p)
#define LU__USDT1(p, ...) STAP_PROBE1(lucent, p, __VA_ARGS__)
#define LU__USDT2(p, ...) STAP_PROBE2(lucent, p, __VA_ARGS__)
#define LU__USDT3(p, ...) STAP_PROBE3(lucent, p, __VA_ARGS__)
#define LU__USDT4(p, ...) STAP_PROBE4(lucent, p, __VA_ARGS__)
#define LU__USDT5(p, ...) STAP_PROBE5(lucent, p, __VA_ARGS__)
#define LU__USDT6(p, ...) STAP_PROBE6(lucent, p, __VA_ARGS__)
#define LU__USDT7(p, ...) STAP_PROBE7(lucent, p, __VA_ARGS__)
#define LU__USDT8(p, ...) STAP_PROBE8(lucent, p, __VA_ARGS__)
#define LU__USDT9(p, ...) STAP_PROBE9(lucent, p, __VA_ARGS__)
#define LU__USDT10(p, ...) STAP_PROBE10(lucent, p, __VA_ARGS__)
#ifdef _SDT_HAS_SEMAPHORES
#define LU__USDT_SEMAPHORE(ident)                                                                            \
    __attribute__((used, section(".probes"))) static volatile unsigned short lucent_##ident##_semaphore;
#define LU__USDT_WATCHED(ident) (lucent_##ident##_semaphore != 0)
#else
#define LU__USDT_SEMAPHORE(ident)
#define LU__USDT_WATCHED(ident) 0
#endif
#else
#define LU__USDT(probe, ...) (void)0
#define LU__USDT_SEMAPHORE(ident)
#define LU__USDT_WATCHED(ident) 0
#endif

#if LU_CONFIG_TRACING
/* Which entry a call takes, decided at compile time: fixed arguments by
 * arity; one dynamic string alone; any other mix through an array. */
#define LU__EMIT(ident, ...)                                                                                 \
    do {                                                                                                     \
        if (!(0 LU__MAP(LU__DYN, ##__VA_ARGS__)))                                                            \
            LU__CAT(lu_trace__emit, LU__NARG(__VA_ARGS__))(&lu_tp_##ident LU__MAP(LU__VAL, ##__VA_ARGS__));  \
        else                                                                                                 \
            LU__EMITDYN(ident, LU__NARG(__VA_ARGS__), ##__VA_ARGS__);                                        \
    } while (0)
#define LU__EMITDYN(ident, n, ...) LU__DCAT(LU__EMITDYN, n)(ident, ##__VA_ARGS__)
#define LU__DCAT_(a, b) a##b
#define LU__DCAT(a, b) LU__DCAT_(a, b)
#define LU__EMITDYN0(ident) (void)0
#define LU__EMITDYN1(ident, a)                                                                               \
    if ((0 LU__NSTR a) == 1)                                                                                 \
        lu_trace__emits(&lu_tp_##ident, LU__SARG a);                                                         \
    else                                                                                                     \
        LU__EMITDYNN(ident, a)
#define LU__EMITDYN2(ident, ...) LU__EMITDYNN(ident, __VA_ARGS__)
#define LU__EMITDYN3(ident, ...) LU__EMITDYNN(ident, __VA_ARGS__)
#define LU__EMITDYN4(ident, ...) LU__EMITDYNN(ident, __VA_ARGS__)
#define LU__EMITDYN5(ident, ...) LU__EMITDYNN(ident, __VA_ARGS__)
#define LU__EMITDYNN(ident, ...)                                                                             \
    do {                                                                                                     \
        const struct lu_trace__arg a_[] = {LU__MAP(LU__DARG, ##__VA_ARGS__)};                                \
        lu_trace__emitd(&lu_tp_##ident, a_);                                                                 \
    } while (0)
/* ident: the C name; display: the event name in the trace. */
#define LU__TRACEPOINT(ident, display, cat, kd, ...)                                                         \
    __attribute__((used, section("lu_tracepoints"),                                                          \
                   aligned(8))) static struct lu_tracepoint lu_tp_##ident = {                                \
        .kind = LU_TRACE_##kd,                                                                               \
        .nargs = LU__NARG(__VA_ARGS__),                                                                      \
        .name = display,                                                                                     \
        .category = cat,                                                                                     \
        .arg_names = {LU__MAP(LU__NAME, ##__VA_ARGS__)},                                                     \
        .arg_types = {LU__MAP(LU__TYPE, ##__VA_ARGS__)},                                                     \
        .dyn = 0 LU__MAP(LU__DYN, ##__VA_ARGS__),                                                            \
        .arg_max = {LU__MAP(LU__MAXB, ##__VA_ARGS__)}};                                                      \
    LU__USDT_SEMAPHORE(ident)                                                                                \
    /* on in the process, or a USDT tracer attached (hostbuild) */                                           \
    __attribute__((unused)) static inline bool lu_trace_##ident##_enabled(void)                              \
    {                                                                                                        \
        return __builtin_expect(lu_tp_##ident.on || LU__USDT_WATCHED(ident), 0);                             \
    }                                                                                                        \
    __attribute__((unused, always_inline)) static inline void lu_trace_##ident(LU__PARAMS(__VA_ARGS__))      \
    {                                                                                                        \
        LU__USDT(ident, ##__VA_ARGS__);                                                                      \
        if (__builtin_expect(lu_tp_##ident.on, 0))                                                           \
            LU__EMIT(ident, ##__VA_ARGS__);                                                                  \
    }                                                                                                        \
    struct lu_trace__semicolon_##ident
#else
#define LU__TRACEPOINT(ident, display, cat, kd, ...)                                                         \
    __attribute__((unused)) static inline bool lu_trace_##ident##_enabled(void) { return false; }            \
    __attribute__((unused)) static inline void lu_trace_##ident(LU__PARAMS(__VA_ARGS__)) {}                  \
    struct lu_trace__semicolon_##ident
#endif

#define LU_TRACEPOINT(name, cat, kind, ...) LU__TRACEPOINT(name, #name, cat, kind, ##__VA_ARGS__)

/* A slice pair: name_begin(args...) and name_end(), and LU_TRACE_SCOPED. */
#define LU_TRACE_SLICE(name, cat, ...)                                                                       \
    LU__TRACEPOINT(name##_begin, #name, cat, BEGIN, ##__VA_ARGS__);                                          \
    LU__TRACEPOINT(name##_end, #name, cat, END);                                                             \
    __attribute__((unused)) static inline void lu_trace__scope_end_##name(int *unused_)                      \
    {                                                                                                        \
        lu_trace_##name##_end();                                                                             \
    }                                                                                                        \
    struct lu_trace__semicolon2_##name

/* Begins slice @name now and ends it when the enclosing scope exits. */
#define LU_TRACE_SCOPED(name, ...)                                                                           \
    lu_trace_##name##_begin(__VA_ARGS__);                                                                    \
    __attribute__((cleanup(lu_trace__scope_end_##name), unused)) int LU__CAT(lu_scope_, __LINE__) = 0

#ifdef __cplusplus
}
#endif
#endif
