/*
 * tools/bpftrace/events.h: the record the BPF side (probes.bpf.c) writes into
 * the ring buffer and the tool (out.c) reads. Shared by both compilers, so
 * plain fixed-width types only; the user side includes <linux/types.h>, the
 * BPF side gets the same names from vmlinux.h.
 */
#ifndef LUCENT_BPFTRACE_EVENTS_H
#define LUCENT_BPFTRACE_EVENTS_H

#define LBT_MAX_ARGS 5 /* = LU_TRACE_MAX_ARGS (USDT allows 12; Lucent uses 5) */

enum lbt_kind {
    LBT_USDT = 1,   /* a Lucent tracepoint's USDT probe fired */
    LBT_SWITCH = 2, /* sched_switch with one of the target's threads in or out */
};

/* A USDT probe's cookie: the tool's tracepoint index, and above bit 32 a
 * mask of the probe arguments that are the pointer of a dynamic argument
 * (lucent/trace.h: pointer, then length; length -1: NUL-terminated). */
#define LBT_COOKIE_DYN_SHIFT 32
#define LBT_MAX_USDT_ARGS 10 /* LBT_MAX_ARGS, each possibly a pointer and a length */
/* The bytes the BPF side reads of each dynamic argument; the tool cuts
 * them to the tracepoint's own bound. */
#define LBT_STR_MAX 256

/* flags of an LBT_USDT record */
#define LBT_HAS_DATA 4u /* an lbt_event_dyn: args[i] of a dynamic argument is its length */

/* flags of an LBT_SWITCH record */
#define LBT_PREV_OURS 1u /* prev_tid is a thread of the target */
#define LBT_NEXT_OURS 2u /* next_tid is a thread of the target */

struct lbt_event {
    __u64 ts;   /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME, one clock for both kinds */
    __u32 kind; /* enum lbt_kind */
    __u32 cpu;
    __u32 tid; /* USDT: the thread that fired; SWITCH: prev */
    __u32 id;  /* USDT: the probe's cookie (the tool's tracepoint index); SWITCH: next tid */
    __u32 flags;
    __u32 prev_state;                  /* SWITCH: prev's state (0 = still runnable, i.e. preempted) */
    __u64 args[LBT_MAX_ARGS];          /* USDT arguments, as 64-bit integers */
    char prev_comm[16], next_comm[16]; /* SWITCH: thread names, as the kernel knows them */
};

/* A USDT record with dynamic arguments: their bytes, LBT_STR_MAX each.
 * args[i] is the length the probe passed (NUL-terminated: the length read). */
struct lbt_event_dyn {
    struct lbt_event e;
    __u8 data[LBT_MAX_ARGS][LBT_STR_MAX];
};

#endif
