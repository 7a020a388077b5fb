/*
 * Kernel threads: creation with a guarded stack, exit, reaping, and the
 * thread table that gdb, tracing and metrics read (through plat.h).
 *
 * Each stack is whole pages from the page allocator with its lowest page
 * unmapped: running off the end faults at once (a double fault, since the
 * CPU cannot push the page-fault frame), and the fault report names the
 * thread whose guard page was hit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/plat.h>
#include <lucent/trace.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/sections.h>
#include <arch/switch.h>
#include "../exit.h"
#include "../kernel.h"
#include "../lib/kprintf.h"
#include "../mm/pages.h"
#include "sched.h"

/* A thread's life in the trace: the encoder makes ftrace sched_wakeup_new,
 * task_rename and sched_process_free events of them. Each change of name
 * also goes to the drain's table (lu_trace_thread_named), so a thread that
 * is gone by the time its records are encoded keeps its name. */
LU_TRACEPOINT(thread_new, "sched", THREAD_NEW, (uint32_t, tid));
LU_TRACEPOINT(thread_exit, "sched", THREAD_EXIT, (uint32_t, tid));
LU_TRACEPOINT(thread_name, "sched", THREAD_NAME, (uint32_t, tid));

struct lu_thread *thread_list;
static uint32_t next_tid = 1;
static unsigned live_threads; /* not counting idle */

static void table_add(struct lu_thread *t)
{
    unsigned long f = irq_save();
    t->tid = next_tid++;
    t->all_next = thread_list;
    thread_list = t;
    irq_restore(f);
}

static void table_remove(struct lu_thread *t)
{
    for (struct lu_thread **pp = &thread_list; *pp; pp = &(*pp)->all_next)
        if (*pp == t) {
            *pp = t->all_next;
            return;
        }
}

void thread_init_main(struct lu_thread *t)
{
    memset(t, 0, sizeof *t);
    strcpy(t->name, "main");
    t->stack = boot_stack_guard;
    t->stack_pages = (size_t)(boot_stack_top - boot_stack_guard) / PAGE_SIZE;
    _REENT_INIT_PTR(&t->reent);
    table_add(t);
    live_threads = 1;
}

struct lu_thread *thread_alloc(const char *name, void *(*fn)(void *), void *arg, size_t stack_size,
                               bool detached)
{
    /* One allocation: guard page, stack, then the thread record on top.
     * Reaping is then a single pages_free, which is safe with interrupts
     * off, where free() (which takes newlib's malloc lock) is not. */
    size_t rec_pages = ALIGN_UP(sizeof(struct lu_thread), PAGE_SIZE) / PAGE_SIZE;
    size_t pages = 1 + ALIGN_UP(stack_size, PAGE_SIZE) / PAGE_SIZE + rec_pages;
    unsigned long f = irq_save();
    void *base = pages_alloc(pages);
    irq_restore(f);
    if (!base)
        return NULL;
    struct lu_thread *t = (void *)((uintptr_t)base + (pages - rec_pages) * PAGE_SIZE);
    memset(t, 0, sizeof *t);
    t->stack = base;
    t->stack_pages = pages;
    t->owns_stack = true;
    mmu_protect((uintptr_t)t->stack, PAGE_SIZE, MMU_NONE);
    strncpy(t->name, name, sizeof t->name - 1);
    t->fn = fn;
    t->arg = arg;
    t->detached = detached;
    t->sig_blocked = ~0ULL; /* pthread_create relaxes it to the creator's */
    _REENT_INIT_PTR(&t->reent);

    /* The frame ctx_switch pops: MXCSR/FCW, r15..r12, rbx (= t), rbp, and
     * the return address thread_start. */
    uint64_t *sp = (uint64_t *)t;
    *--sp = 0; /* alignment: thread_start runs with rsp % 16 == 8, like a call */
    *--sp = (uintptr_t)thread_start;
    *--sp = 0;            /* rbp */
    *--sp = (uintptr_t)t; /* rbx */
    for (int i = 0; i < 4; i++)
        *--sp = 0;             /* r12-r15 */
    *--sp = 0x037F00001F80ULL; /* MXCSR default | x87 control word default << 32 */
    t->rsp = (uintptr_t)sp;
    table_add(t);
    return t;
}

struct lu_thread *thread_create(const char *name, void *(*fn)(void *), void *arg, size_t stack_size,
                                bool detached)
{
    struct lu_thread *t = thread_alloc(name, fn, arg, stack_size, detached);
    if (!t)
        return NULL;
    /* before it can run: its creation precedes its first switch-in */
    lu_trace_thread_named(t->tid, t->name);
    lu_trace_thread_new(t->tid);
    unsigned long f = irq_save();
    live_threads++;
    sched_ready(t);
    irq_restore(f);
    return t;
}

void thread_main(struct lu_thread *t)
{
    irq_enable();
    thread_exit(t->fn(t->arg));
}

void thread_exit(void *retval)
{
    struct lu_thread *t = thread_current();
    lu_trace_thread_named(t->tid, t->name);
    thread_keys_run_destructors(t);
    _reclaim_reent(&t->reent);
    unsigned long f = irq_save();
    t->retval = retval;
    t->state = T_EXITED;
    if (--live_threads == 0)
        kernel_exit(0); /* the last thread is gone (main called pthread_exit) */
    if (t->detached)
        sched_defer_reap(t);
    else
        sched_wake_all(&t->joiners);
    schedule();
    (void)f;
    for (;;)
        ; /* not reached: an exited thread is never scheduled again */
}

/* Frees an exited thread's stack and record. Interrupts may be off. */
void thread_reap(struct lu_thread *t)
{
    /* The end of a thread is traced here, after its last switch-out (Linux's
     * "free"): trace_processor ends the thread there, and a later event with
     * its tid would start a second, nameless one. */
    lu_trace_thread_exit(t->tid);
    unsigned long f = irq_save();
    table_remove(t);
    if (t->owns_stack) {
        mmu_protect((uintptr_t)t->stack, PAGE_SIZE, MMU_W);
        pages_free(t->stack, t->stack_pages); /* the record goes with it */
    }
    irq_restore(f);
}

int thread_rename(struct lu_thread *t, const char *name)
{
    if (strlen(name) >= sizeof t->name)
        return -ERANGE;
    unsigned long f = irq_save();
    strcpy(t->name, name);
    irq_restore(f);
    lu_trace_thread_named(t->tid, t->name);
    lu_trace_thread_name(t->tid);
    return 0;
}

struct lu_thread *thread_by_tid(uint32_t tid)
{
    for (struct lu_thread *t = thread_list; t; t = t->all_next)
        if (t->tid == tid)
            return t;
    return NULL;
}

bool thread_is_live(struct lu_thread *t)
{
    for (struct lu_thread *p = thread_list; p; p = p->all_next)
        if (p == t)
            return true;
    return false;
}

struct lu_thread *thread_guard_owner(uintptr_t addr)
{
    for (struct lu_thread *t = thread_list; t; t = t->all_next)
        if (addr >= (uintptr_t)t->stack && addr < (uintptr_t)t->stack + PAGE_SIZE)
            return t;
    return NULL;
}

const char *thread_state_name(enum thread_state s)
{
    static const char *const names[] = {"ready", "running", "blocked", "sleeping", "exited"};
    return names[s];
}

/* ---- the thread table as plat.h shows it (plat.c) ------------------------ */

const char *kernel_current_thread_name(void)
{
    struct lu_thread *t = cpu_self()->current;
    return t ? t->name : "boot";
}

int thread_copy_name(uint32_t tid, char *buf, size_t len)
{
    unsigned long f = irq_save();
    struct lu_thread *t = thread_by_tid(tid);
    if (t)
        ksnprintf(buf, len, "%s", t->name);
    irq_restore(f);
    return t ? 0 : -ESRCH;
}

int thread_foreach_info(int (*fn)(const struct lu_plat_thread_info *, void *), void *arg)
{
    /* Snapshot under irq_save, call back outside it: callbacks may block. */
    enum { MAX = 256 };
    static struct lu_plat_thread_info snap[MAX];
    static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
    kmutex_lock(&snap_lock, 0);
    int n = 0;
    unsigned long f = irq_save();
    uint64_t now = lu_plat_now_ns();
    for (struct lu_thread *t = thread_list; t && n < MAX; t = t->all_next) {
        struct lu_plat_thread_info *i = &snap[n++];
        i->tid = t->tid;
        ksnprintf(i->name, sizeof i->name, "%s", t->name);
        ksnprintf(i->state, sizeof i->state, "%s", thread_state_name(t->state));
        i->cpu_ns = t->cpu_ns + (t->state == T_RUNNING ? now - t->ran_since : 0);
        i->switches = t->switches;
    }
    irq_restore(f);
    int r = 0;
    for (int i = 0; i < n && !r; i++)
        r = fn(&snap[i], arg);
    kmutex_unlock(&snap_lock);
    return r;
}
