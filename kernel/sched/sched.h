/*
 * Threads and the scheduler: the kernel's internal view. Apps see POSIX
 * threads (libc/pthread.c); portable code sees lu_plat_thread_* (plat.h).
 *
 * Locking: one CPU today, so the scheduler's state is protected by turning
 * interrupts off (irq_save). Every structure is reached through the per-CPU
 * block (GS base) so that SMP means per-CPU run queues plus a lock, not a
 * redesign.
 */
#ifndef LU_KERNEL_SCHED_H
#define LU_KERNEL_SCHED_H
#include <pthread.h>
#include <reent.h>
#include <stdbool.h>
#include <stdint.h>

enum thread_state { T_READY, T_RUNNING, T_BLOCKED, T_SLEEPING, T_EXITED };

#define THREAD_KEYS_MAX 64

struct lu_thread {
    uint64_t rsp; /* saved stack pointer while switched out */
    uint32_t tid;
    enum thread_state state;
    char name[32];

    void *stack;        /* lowest address: the guard page */
    size_t stack_pages; /* including the guard page */
    bool owns_stack;

    struct lu_thread *next;       /* run queue or wait queue link */
    struct lu_waitq *waiting_on;  /* the wait queue we are on, if any */
    struct lu_thread *sleep_next; /* timed waits, sorted by deadline */
    uint64_t deadline;            /* 0: no timeout */
    int wake_reason;              /* 0, or -ETIMEDOUT */

    uint64_t cpu_ns, switches, ran_since;

    /* Signals (libc/signal.c). Bit n is signal n, as in newlib's sigset_t.
     * A thread from thread_alloc blocks every signal (the kernel's own
     * threads never run handlers); pthread_create gives the creator's. */
    uint64_t sig_blocked, sig_pending;
    bool sig_interruptible; /* blocked where a signal ends the wait (EINTR) */
    unsigned locks_held;    /* kernel mutexes held: no asynchronous handler meanwhile */

    void *(*fn)(void *);
    void *arg, *retval;
    bool detached, joined;
    struct lu_waitq joiners;

    struct _reent reent; /* newlib's per-thread state (errno, stdio) */
    void *keys[THREAD_KEYS_MAX];
    struct lu_thread *all_next; /* the thread table */
};

struct cpu {
    struct cpu *self;          /* %gs:0 */
    struct lu_thread *current; /* %gs:8 */
    unsigned id;
    struct lu_thread *idle;
    bool need_resched;
    uint64_t slice_end;
    uint64_t context_switches;
};

static inline struct lu_thread *thread_current(void)
{
    struct lu_thread *t;
    __asm__ volatile("movq %%gs:8, %0" : "=r"(t));
    return t;
}

/* sched.c */
void sched_init(void);                 /* makes the boot flow thread "main" */
void sched_ready(struct lu_thread *t); /* make runnable (irqs off) */
void schedule(void);                   /* pick and switch (irqs off) */
/* Blocks the current thread on @wq (may be NULL) until woken or @deadline
 * (monotonic ns, 0 = none). Interrupts must be off; returns 0 or -ETIMEDOUT. */
int sched_block(struct lu_waitq *wq, uint64_t deadline);
/* Wakes the first / every thread on @wq (irqs off). Returns how many. */
int sched_wake_one(struct lu_waitq *wq);
int sched_wake_all(struct lu_waitq *wq);
void sched_yield_now(void);
/* Blocks until @deadline_ns (monotonic): nanosleep. Returns 0, or -EINTR
 * when a signal for the thread cut the sleep short. */
int kernel_sleep_until(uint64_t deadline_ns);
/* sched_block for waits that a signal ends (sleeps, pause, sigsuspend):
 * returns -EINTR at once if a signal is deliverable to the thread, or when
 * one is posted to it meanwhile (sched_interrupt). Interrupts off. */
int sched_block_interruptible(struct lu_waitq *wq, uint64_t deadline);
/* Wakes @t with -EINTR if it waits in sched_block_interruptible (irqs off). */
void sched_interrupt(struct lu_thread *t);
/* A callback from the timer interrupt at a deadline (monotonic ns), one
 * shot; interrupts are off when it runs. Arming an armed timer moves it.
 * The record is the caller's (static), so arming never allocates. */
struct sched_timer {
    uint64_t deadline; /* 0: not armed */
    void (*fn)(struct sched_timer *tm, uint64_t now);
    struct sched_timer *next;
};
void sched_timer_arm(struct sched_timer *tm, uint64_t deadline); /* irqs off */
void sched_timer_cancel(struct sched_timer *tm);                 /* irqs off */
struct cpu *cpu_self(void);
extern struct lu_thread *thread_list;
/* Queues an exited detached thread; it is freed after the next switch. */
void sched_defer_reap(struct lu_thread *t);
/* From the interrupt path (arch irq.c): the timer tick, and the end of any
 * interrupt, where a preemption it asked for happens. */
void sched_timer_interrupt(void);
void sched_irq_exit(void);
uint64_t sched_context_switches(void);
/* CPU time in ns up to now: the process's (every thread but idle, exited
 * ones included: times, clock, getrusage) and the calling thread's. */
void sched_cpu_time(uint64_t *process_ns, uint64_t *thread_ns);

/* thread.c */
void thread_init_main(struct lu_thread *t); /* the boot flow becomes thread 1 */
/* A thread record and its stack, not yet on a run queue. */
struct lu_thread *thread_alloc(const char *name, void *(*fn)(void *), void *arg, size_t stack_size,
                               bool detached);
struct lu_thread *thread_create(const char *name, void *(*fn)(void *), void *arg, size_t stack_size,
                                bool detached);
__attribute__((noreturn)) void thread_exit(void *retval);
void thread_reap(struct lu_thread *t);
int thread_rename(struct lu_thread *t, const char *name); /* 0, or -ERANGE if it does not fit */
struct lu_thread *thread_by_tid(uint32_t tid);
bool thread_is_live(struct lu_thread *t);
const char *thread_state_name(enum thread_state s);
/* lu_plat_thread_name and lu_plat_thread_foreach (plat.c) */
int thread_copy_name(uint32_t tid, char *buf, size_t len);
struct lu_plat_thread_info;
int thread_foreach_info(int (*fn)(const struct lu_plat_thread_info *, void *), void *arg);
struct lu_thread *thread_guard_owner(uintptr_t addr);
const char *kernel_current_thread_name(void); /* "boot" before the scheduler starts */

/* keys.c: thread-specific data (pthread_key_*). Keys are 0..THREAD_KEYS_MAX-1;
 * create returns one or -EAGAIN, delete and set return 0 or -EINVAL. */
int thread_key_create(void (*dtor)(void *));
int thread_key_delete(unsigned k);
void *thread_key_get(unsigned k);
int thread_key_set(unsigned k, const void *v);
void thread_keys_run_destructors(struct lu_thread *t); /* at thread exit */

/* sync.c: the mutex and condition variable under pthreads, newlib and lwIP. */
int kmutex_lock(pthread_mutex_t *m, uint64_t deadline);
int kmutex_trylock(pthread_mutex_t *m);
int kmutex_unlock(pthread_mutex_t *m);
int kcond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline);
int kcond_signal(pthread_cond_t *c, bool all);

#endif
