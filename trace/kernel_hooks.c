/*
 * The image kernel's scheduler, interrupt and panic tracepoints (image
 * build only). The kernel calls weak hooks (sched.c, thread.c, irq.c,
 * exit.c) that do nothing without tracing; these strong definitions replace
 * them, so kernel/ needs no knowledge of trace/ beyond the hook's name.
 *
 * Scheduler records are of the LU_TRACE_SCHED_* kinds: the encoder turns
 * them into ftrace sched_switch / sched_waking / sched_wakeup_new / task_rename
 * / sched_process_free events of the ring's CPU, which Perfetto shows as
 * CPU tracks and thread states. The idle thread is tid 0 there, as in Linux.
 *
 * Each hook is a call into this file, and the tracepoint's byte test is
 * inside: a disabled hook costs a call and a not-taken branch, on paths (a
 * context switch, an interrupt) that cost thousands of instructions anyway.
 */
#include <lucent/plat.h>
#include <lucent/trace.h>
#include "../kernel/sched/sched.h"

LU_TRACEPOINT(sched_switch, "sched", SCHED_SWITCH, (uint32_t, prev), (uint32_t, prev_state),
              (uint32_t, next));
LU_TRACEPOINT(sched_wakeup, "sched", SCHED_WAKEUP, (uint32_t, tid));
LU_TRACEPOINT(thread_new, "sched", THREAD_NEW, (uint32_t, tid));
LU_TRACEPOINT(thread_exit, "sched", THREAD_EXIT, (uint32_t, tid));
LU_TRACEPOINT(thread_name, "sched", THREAD_NAME, (uint32_t, tid));
/* a slice on the CPU's irq track, named "irq", with the vector and its owner */
LU__TRACEPOINT(irq_enter, "irq", "irq", IRQ_BEGIN, (uint32_t, vector), (const char *, handler));
LU__TRACEPOINT(irq_exit, "irq", "irq", IRQ_END);

const char *irq_name(unsigned vector); /* arch/x86_64/irq.c */

/* Linux's prev_state letters: R (preempted, still runnable), S, X (dead). */
static uint32_t linux_state(const struct lu_thread *t)
{
    switch (t->state) {
    case T_BLOCKED:
    case T_SLEEPING: return 1;
    case T_EXITED: return 0x10;
    default: return 0;
    }
}

static uint32_t tid_of(const struct lu_thread *t) { return t == cpu_self()->idle ? 0 : t->tid; }

/* sched.c: called with interrupts off, before the switch (so the record's
 * own tid is prev's). */
void trace_sched_switch_hook(struct lu_thread *prev, struct lu_thread *next)
{
    lu_trace_sched_switch(tid_of(prev), linux_state(prev), tid_of(next));
}

void trace_sched_wakeup_hook(struct lu_thread *t) { lu_trace_sched_wakeup(tid_of(t)); }

/* thread.c / pthread.c: @event 0 created, 1 exiting, 2 renamed, 3 reaped.
 * The name goes to the drain's table every time, so a thread that is gone
 * by the time its records are encoded keeps its name. The end of a thread
 * is recorded when it is reaped, after its last switch-out: trace_processor
 * ends the thread there, and a later event with its tid would start a
 * second, nameless one. */
void trace_thread_hook(struct lu_thread *t, int event)
{
    if (event != 3)
        lu_trace_thread_named(t->tid, t->name);
    if (event == 0)
        lu_trace_thread_new(t->tid);
    else if (event == 2)
        lu_trace_thread_name(t->tid);
    else if (event == 3)
        lu_trace_thread_exit(t->tid);
}

/* arch/x86_64/irq.c: around each device or timer interrupt's handler. */
void trace_irq_hook(unsigned vector, int enter)
{
    if (enter) {
        const char *name = irq_name(vector);
        lu_trace_irq_enter(vector, name ? name : "?");
    } else {
        lu_trace_irq_exit();
    }
}

/* exit.c: the panic and fatal-trap paths, after the report is printed. */
void panic_flush_hook(void) { lu_trace_panic_flush(); }
