/*
 * The scheduler: round-robin among ready threads with a 10 ms slice,
 * preemptive on the local APIC timer, and tickless: the timer is armed only
 * for the next event that matters (the earliest timed wait, or the end of
 * the running thread's slice when another thread is waiting for the CPU).
 * With nothing to do the idle thread halts.
 */
#include <errno.h>
#include <string.h>
#include <lucent/plat.h>
#include <lucent/trace.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/switch.h>
#include "../libc/ksignal.h"
#include "sched.h"

#define SLICE_NS 10000000ULL

static struct cpu cpu0;
static struct lu_thread *runq_head, *runq_tail;
static struct lu_thread *sleepers; /* sorted by deadline */
static struct lu_thread *dead;     /* exited detached threads whose stacks await freeing */
static struct sched_timer *timers; /* armed callbacks, sorted by deadline */
static uint64_t armed_for;
static uint64_t busy_ns; /* CPU time of every thread but idle, to the last switch */

/* The scheduler's tracepoints. The encoder turns these kinds into ftrace
 * sched_switch / sched_waking events of the ring's CPU, which Perfetto
 * shows as CPU tracks and thread states. The idle thread is tid 0 there,
 * as in Linux. */
LU_TRACEPOINT(sched_switch, "sched", SCHED_SWITCH, (uint32_t, prev), (uint32_t, prev_state),
              (uint32_t, next));
LU_TRACEPOINT(sched_wakeup, "sched", SCHED_WAKEUP, (uint32_t, tid));

struct cpu *cpu_self(void) { return &cpu0; }
static uint32_t trace_tid(const struct lu_thread *t) { return t == cpu0.idle ? 0 : t->tid; }

/* Linux's prev_state letters: R (preempted, still runnable), S, X (dead). */
static uint32_t trace_state(const struct lu_thread *t)
{
    switch (t->state) {
    case T_BLOCKED:
    case T_SLEEPING: return 1;
    case T_EXITED: return 0x10;
    default: return 0;
    }
}
static bool ready(void) { return runq_head != NULL; }

static void runq_push(struct lu_thread *t)
{
    t->next = NULL;
    if (runq_tail)
        runq_tail->next = t;
    else
        runq_head = t;
    runq_tail = t;
}

static struct lu_thread *runq_pop(void)
{
    struct lu_thread *t = runq_head;
    if (t) {
        runq_head = t->next;
        if (!runq_head)
            runq_tail = NULL;
        t->next = NULL;
    }
    return t;
}

static void sleepers_insert(struct lu_thread *t)
{
    struct lu_thread **pp = &sleepers;
    while (*pp && (*pp)->deadline <= t->deadline)
        pp = &(*pp)->sleep_next;
    t->sleep_next = *pp;
    *pp = t;
}

static void sleepers_remove(struct lu_thread *t)
{
    for (struct lu_thread **pp = &sleepers; *pp; pp = &(*pp)->sleep_next)
        if (*pp == t) {
            *pp = t->sleep_next;
            t->sleep_next = NULL;
            return;
        }
}

static void waitq_remove(struct lu_waitq *wq, struct lu_thread *t)
{
    struct lu_thread *prev = NULL;
    for (struct lu_thread *p = wq->head; p; prev = p, p = p->next)
        if (p == t) {
            if (prev)
                prev->next = p->next;
            else
                wq->head = p->next;
            if (wq->tail == p)
                wq->tail = prev;
            p->next = NULL;
            return;
        }
}

/* Arms the timer for the next thing that needs the CPU's attention. */
static void timer_program(void)
{
    uint64_t next = 0;
    if (sleepers)
        next = sleepers->deadline;
    if (timers && (!next || timers->deadline < next))
        next = timers->deadline;
    if (ready() && cpu0.current != cpu0.idle && (!next || cpu0.slice_end < next))
        next = cpu0.slice_end;
    if (next != armed_for) {
        armed_for = next;
        apic_timer_arm(next);
    }
}

static void wake(struct lu_thread *t, int reason)
{
    if (t->waiting_on) {
        waitq_remove(t->waiting_on, t);
        t->waiting_on = NULL;
    }
    if (t->deadline) {
        sleepers_remove(t);
        t->deadline = 0;
    }
    t->wake_reason = reason;
    lu_trace_sched_wakeup(trace_tid(t));
    sched_ready(t);
}

void sched_ready(struct lu_thread *t)
{
    t->state = T_READY;
    runq_push(t);
    if (cpu0.current == cpu0.idle)
        cpu0.need_resched = true;
    else
        timer_program(); /* the running thread now has a slice to end */
}

void schedule(void)
{
    struct lu_thread *prev = cpu0.current, *next;
    cpu0.need_resched = false;
    if (prev->state == T_RUNNING && prev != cpu0.idle) {
        if (!ready()) {
            timer_program();
            return; /* nothing else wants the CPU: keep running */
        }
        prev->state = T_READY;
        runq_push(prev);
    }
    next = runq_pop();
    if (!next)
        next = cpu0.idle;
    uint64_t now = lu_plat_now_ns();
    cpu0.slice_end = now + SLICE_NS;
    if (next != prev) {
        prev->cpu_ns += now - prev->ran_since;
        if (prev != cpu0.idle)
            busy_ns += now - prev->ran_since;
        next->ran_since = now;
        next->switches++;
        cpu0.context_switches++;
        next->state = T_RUNNING;
        /* before the switch, so the record's own tid is prev's */
        lu_trace_sched_switch(trace_tid(prev), trace_state(prev), trace_tid(next));
        cpu0.current = next;
        timer_program();
        ctx_switch(&prev->rsp, next->rsp);
        /* back in prev: free stacks of threads that died meanwhile; they
         * cannot free their own while running on them */
        while (dead) {
            struct lu_thread *d = dead;
            dead = d->next;
            thread_reap(d);
        }
    } else {
        next->state = T_RUNNING;
        timer_program();
    }
}

int sched_block(struct lu_waitq *wq, uint64_t deadline)
{
    struct lu_thread *t = cpu0.current;
    t->state = deadline && !wq ? T_SLEEPING : T_BLOCKED;
    t->wake_reason = 0;
    if (wq) {
        t->next = NULL;
        if (wq->tail)
            wq->tail->next = t;
        else
            wq->head = t;
        wq->tail = t;
        t->waiting_on = wq;
    }
    if (deadline) {
        t->deadline = deadline;
        sleepers_insert(t);
    }
    schedule();
    return t->wake_reason;
}

int sched_wake_one(struct lu_waitq *wq)
{
    if (!wq->head)
        return 0;
    wake(wq->head, 0);
    return 1;
}

int sched_wake_all(struct lu_waitq *wq)
{
    int n = 0;
    while (wq->head) {
        wake(wq->head, 0);
        n++;
    }
    return n;
}

/* The exited-thread list is drained after the next switch. */
void sched_defer_reap(struct lu_thread *t)
{
    t->next = dead;
    dead = t;
}

void sched_timer_cancel(struct sched_timer *tm)
{
    for (struct sched_timer **pp = &timers; *pp; pp = &(*pp)->next)
        if (*pp == tm) {
            *pp = tm->next;
            break;
        }
    tm->deadline = 0;
    tm->next = NULL;
}

void sched_timer_arm(struct sched_timer *tm, uint64_t deadline)
{
    sched_timer_cancel(tm);
    if (!deadline)
        return;
    tm->deadline = deadline;
    struct sched_timer **pp = &timers;
    while (*pp && (*pp)->deadline <= deadline)
        pp = &(*pp)->next;
    tm->next = *pp;
    *pp = tm;
    timer_program();
}

void sched_timer_interrupt(void)
{
    uint64_t now = lu_plat_now_ns();
    armed_for = 0;
    while (sleepers && sleepers->deadline <= now)
        wake(sleepers, -ETIMEDOUT);
    while (timers && timers->deadline <= now) {
        struct sched_timer *tm = timers;
        timers = tm->next;
        tm->deadline = 0;
        tm->next = NULL;
        tm->fn(tm, now); /* may re-arm itself */
    }
    if (cpu0.current != cpu0.idle && ready() && now >= cpu0.slice_end)
        cpu0.need_resched = true;
    timer_program();
}

void sched_irq_exit(void)
{
    if (cpu0.need_resched)
        schedule();
}

void sched_yield_now(void)
{
    unsigned long f = irq_save();
    schedule();
    irq_restore(f);
}

int sched_block_interruptible(struct lu_waitq *wq, uint64_t deadline)
{
    struct lu_thread *t = cpu0.current;
    /* checked with interrupts off, so a signal posted after this point
     * finds the thread marked and wakes it: none is lost in between */
    if (signal_deliverable(t))
        return -EINTR;
    t->sig_interruptible = true;
    int r = sched_block(wq, deadline);
    t->sig_interruptible = false;
    return r;
}

void sched_interrupt(struct lu_thread *t)
{
    if (t->sig_interruptible && (t->state == T_BLOCKED || t->state == T_SLEEPING))
        wake(t, -EINTR);
}

/* nanosleep (time.c) waits here. */
int kernel_sleep_until(uint64_t deadline_ns)
{
    unsigned long f = irq_save();
    int r = 0;
    while (r != -EINTR && lu_plat_now_ns() < deadline_ns)
        r = sched_block_interruptible(NULL, deadline_ns);
    irq_restore(f);
    return r == -EINTR ? -EINTR : 0;
}

int sched_yield(void)
{
    sched_yield_now();
    return 0;
}

static void *idle_main(void *arg)
{
    for (;;) {
        __asm__ volatile("cli");
        if (ready() || cpu0.need_resched)
            schedule();
        else
            __asm__ volatile("sti; hlt" ::: "memory"); /* sti's shadow covers hlt: no lost wake-up */
    }
    return NULL;
}

void sched_init(void)
{
    cpu0.self = &cpu0;
    wrmsr(MSR_GS_BASE, (uintptr_t)&cpu0);
    static struct lu_thread main_thread;
    thread_init_main(&main_thread);
    main_thread.state = T_RUNNING;
    main_thread.ran_since = lu_plat_now_ns();
    /* main's first slice starts now. Left 0, timer_program would take 0
     * for "no deadline" and never arm the timer: a main that spins after
     * pthread_create without ever blocking was never preempted. */
    cpu0.slice_end = main_thread.ran_since + SLICE_NS;
    cpu0.current = &main_thread;
    /* idle is never on the run queue: schedule() picks it when nothing is */
    cpu0.idle = thread_alloc("idle", idle_main, NULL, 16384, true);
}

uint64_t sched_context_switches(void) { return cpu0.context_switches; }

void sched_cpu_time(uint64_t *process_ns, uint64_t *thread_ns)
{
    unsigned long f = irq_save();
    struct lu_thread *t = cpu0.current;
    uint64_t running = t != cpu0.idle ? lu_plat_now_ns() - t->ran_since : 0;
    *process_ns = busy_ns + running;
    *thread_ns = t->cpu_ns + running;
    irq_restore(f);
}
