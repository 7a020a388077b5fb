/*
 * probes.bpf.c: the kernel side of lucent-bpftrace. Compiled with
 * `clang -target bpf` against a vmlinux.h made from this kernel's BTF; the
 * build turns it into probes.skel.h (`bpftool gen skeleton`).
 *
 * One USDT program serves every Lucent probe: libbpf attaches it once per
 * probe name with a cookie saying which tracepoint it is, and decodes the
 * argument locations from the probe's note (usdt.bpf.h). sched_switch is
 * followed three ways, because what works depends on the kernel: tp_btf and
 * raw_tp need no tracefs; the classic tracepoint needs tracefs mounted
 * (the tool mounts it in a private mount namespace where it is not).
 * attach.c loads exactly one of them.
 *
 * Records go out through one ring buffer, submitted without a wake-up by
 * default: waking the reader on every event doubles the cost of a probe in
 * this VM, so the tool drains the ring on a timer instead.
 *
 * The trace covers one window, [start_ns, stop_ns], the same for every
 * program: links attach and detach one at a time (a uprobe link can take
 * tens of ms to go), so without it one probe's stream would begin or end
 * while another's still runs. The tool opens the window once everything is
 * attached and closes it once, at the moment tracing stops; it drops
 * records outside it too (one that read the bounds just before they moved).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid; /* set before load */
const volatile __u32 wakeup;      /* 1: wake the reader on each record */
__u64 dropped;                    /* records the full ring refused */
__u64 code_start;                 /* the target's mm->start_code (its load address), for strings read
                                      from the file once it has exited */
__u64 start_ns = ~0ULL;           /* the window, CLOCK_BOOTTIME: closed until the tool opens it */
__u64 stop_ns = ~0ULL;

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 8 << 20);
} events SEC(".maps");

/* Threads known to be the target's, for the classic tracepoint, which sees
 * pids but not tgids (filled as they switch out, and by the tool from
 * /proc at start). */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16384);
    __type(key, __u32);
    __type(value, __u8);
} our_tids SEC(".maps");

/* The record's timestamp, or 0 outside the window (nothing is reserved, so
 * nothing counts as dropped). */
static __always_inline __u64 window_ts(void)
{
    __u64 ts = bpf_ktime_get_boot_ns();
    return ts >= start_ns && ts <= stop_ns ? ts : 0;
}

static __always_inline struct lbt_event *reserve(void)
{
    struct lbt_event *e = bpf_ringbuf_reserve(&events, sizeof *e, 0);
    if (!e)
        __sync_fetch_and_add(&dropped, 1);
    return e;
}

static __always_inline void submit(struct lbt_event *e)
{
    bpf_ringbuf_submit(e, wakeup ? 0 : BPF_RB_NO_WAKEUP);
}

/* A probe with dynamic arguments (the cookie's mask): each is a pointer and
 * a length, read here, while the bytes still exist. */
static __always_inline int usdt_dyn(struct pt_regs *ctx, __u64 ts, __u64 cookie)
{
    struct lbt_event_dyn *d = bpf_ringbuf_reserve(&events, sizeof *d, 0);
    if (!d) {
        __sync_fetch_and_add(&dropped, 1);
        return 0;
    }
    __u32 mask = (__u32)(cookie >> LBT_COOKIE_DYN_SHIFT);
    int n = bpf_usdt_arg_cnt(ctx), i = 0;
    for (int j = 0; j < LBT_MAX_USDT_ARGS && i < LBT_MAX_ARGS; j++, i++) {
        long v = 0, len = 0;
        if (j < n)
            bpf_usdt_arg(ctx, j, &v);
        d->e.args[i] = (__u64)v;
        if (!(mask & (1u << j)))
            continue;
        j++;
        if (j < n)
            bpf_usdt_arg(ctx, j, &len);
        if (len == -1) { /* NUL-terminated */
            long got = bpf_probe_read_user_str(d->data[i], LBT_STR_MAX, (const void *)v);
            d->e.args[i] = got > 0 ? (__u64)(got - 1) : 0;
        } else {
            __u32 k = len < 0 ? 0 : len > LBT_STR_MAX ? LBT_STR_MAX : (__u32)len;
            if (bpf_probe_read_user(d->data[i], k, (const void *)v) != 0)
                len = 0;
            d->e.args[i] = (__u64)len;
        }
    }
    /* args past the probe's: left as reserved (the tool reads only the
     * tracepoint's nargs) */
    d->e.ts = ts;
    d->e.kind = LBT_USDT;
    d->e.cpu = bpf_get_smp_processor_id();
    d->e.tid = (__u32)bpf_get_current_pid_tgid();
    d->e.id = (__u32)cookie;
    d->e.flags = LBT_HAS_DATA;
    d->e.prev_state = 0;
    bpf_ringbuf_submit(d, wakeup ? 0 : BPF_RB_NO_WAKEUP);
    return 0;
}

SEC("usdt")
int lucent_usdt(struct pt_regs *ctx)
{
    __u64 ts = window_ts();
    if (!ts)
        return 0;
    __u64 cookie = bpf_usdt_cookie(ctx);
    if (!code_start) {
        struct task_struct *task = (struct task_struct *)bpf_get_current_task();
        code_start = BPF_CORE_READ(task, mm, start_code);
    }
    if (cookie >> LBT_COOKIE_DYN_SHIFT)
        return usdt_dyn(ctx, ts, cookie);
    struct lbt_event *e = reserve();
    if (!e)
        return 0;
    if (!code_start) {
        struct task_struct *task = (struct task_struct *)bpf_get_current_task();
        code_start = BPF_CORE_READ(task, mm, start_code);
    }
    e->ts = ts;
    e->kind = LBT_USDT;
    e->cpu = bpf_get_smp_processor_id();
    e->tid = (__u32)bpf_get_current_pid_tgid();
    e->id = (__u32)cookie;
    e->flags = 0;
    e->prev_state = 0;
    int n = bpf_usdt_arg_cnt(ctx);
    for (int i = 0; i < LBT_MAX_ARGS; i++) {
        long v = 0;
        if (i < n)
            bpf_usdt_arg(ctx, i, &v);
        e->args[i] = (__u64)v;
    }
    submit(e);
    return 0;
}

static __always_inline int on_switch(struct task_struct *prev, struct task_struct *next, __u32 prev_state)
{
    __u32 ptgid = BPF_CORE_READ(prev, tgid), ntgid = BPF_CORE_READ(next, tgid);
    __u32 flags = (ptgid == target_tgid ? LBT_PREV_OURS : 0) | (ntgid == target_tgid ? LBT_NEXT_OURS : 0);
    if (!flags)
        return 0;
    __u64 ts = window_ts();
    if (!ts)
        return 0;
    struct lbt_event *e = reserve();
    if (!e)
        return 0;
    e->ts = ts;
    e->kind = LBT_SWITCH;
    e->cpu = bpf_get_smp_processor_id();
    e->tid = BPF_CORE_READ(prev, pid);
    e->id = BPF_CORE_READ(next, pid);
    e->flags = flags;
    e->prev_state = prev_state;
    BPF_CORE_READ_STR_INTO(&e->prev_comm, prev, comm);
    BPF_CORE_READ_STR_INTO(&e->next_comm, next, comm);
    submit(e);
    return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next,
             unsigned int prev_state)
{
    return on_switch(prev, next, prev_state);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next,
             unsigned int prev_state)
{
    return on_switch(prev, next, prev_state);
}

/* The classic tracepoint: current is prev; next is known by pid only. */
SEC("tp/sched/sched_switch")
int switch_tp(struct trace_event_raw_sched_switch *ctx)
{
    __u64 pt = bpf_get_current_pid_tgid();
    __u32 prev = ctx->prev_pid, next = ctx->next_pid;
    __u32 flags = 0;
    if ((__u32)(pt >> 32) == target_tgid) {
        __u8 one = 1;
        flags |= LBT_PREV_OURS;
        bpf_map_update_elem(&our_tids, &prev, &one, BPF_ANY);
    }
    if (bpf_map_lookup_elem(&our_tids, &next))
        flags |= LBT_NEXT_OURS;
    if (!flags)
        return 0;
    __u64 ts = window_ts();
    if (!ts)
        return 0;
    struct lbt_event *e = reserve();
    if (!e)
        return 0;
    e->ts = ts;
    e->kind = LBT_SWITCH;
    e->cpu = bpf_get_smp_processor_id();
    e->tid = prev;
    e->id = next;
    e->flags = flags;
    e->prev_state = (__u32)ctx->prev_state;
    /* through the helper: the verifier refuses loads from a moved ctx pointer */
    bpf_probe_read_kernel_str(e->prev_comm, sizeof e->prev_comm, ctx->prev_comm);
    bpf_probe_read_kernel_str(e->next_comm, sizeof e->next_comm, ctx->next_comm);
    submit(e);
    return 0;
}
