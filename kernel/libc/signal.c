/*
 * POSIX signals in a single-process image: actions, masks, pending sets,
 * and delivery on the thread. A handler runs on the thread the signal went
 * to, at one of two points:
 *  - synchronously, before the call that made it deliverable returns
 *    (raise, kill, pthread_kill to itself, sigprocmask, and the waits that
 *    a signal ends with EINTR: nanosleep, pause, sigsuspend);
 *  - asynchronously, on the way back from an interrupt to the thread
 *    (signal_irq_return): the thread is redirected into signal_trap with
 *    its whole state saved, even in a loop that never calls anything.
 * An asynchronous handler waits while the thread holds a kernel mutex
 * (which includes newlib's stdio and malloc locks): a handler that printed
 * would otherwise find the console's or stdout's lock held by the code it
 * interrupted. It is retried a millisecond later.
 *
 * Default actions are Linux's: terminate with status 128 + signal, except
 * the ones ignored (SIGCHLD, SIGWINCH, SIGURG, SIGCONT, and the job-control
 * stops, which have no meaning without a shell to stop to), and SIGABRT,
 * which panics as abort() always has here (the crash report and the gdb
 * stop on panic hang on it).
 *
 * This file also stands in for newlib's signal.o (signal, raise,
 * _raise_r, ...): every symbol that object defines is defined here, so no
 * reference (newlib's abort() calls raise) ever pulls it in beside ours.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <lucent/plat.h>
#include <lucent/trace.h>
#include <arch/cpu.h>
#include <arch/signal.h>
#include "../exit.h"
#include "../sched/sched.h"
#include "ksignal.h"
#include "unsupported.h"

#define BIT(sig) (1ULL << (sig))
#define UNCATCHABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define RETRY_NS 1000000ULL /* an asynchronous handler that had to wait */

static struct sigaction actions[NSIG];
static int codes[NSIG]; /* si_code of the pending instance */
static uint64_t proc_pending;
static uint64_t delivered[NSIG];

/* One event per signal acted on (a handler run, a default action taken),
 * on the thread that took it. */
LU_TRACEPOINT(signal_deliver, "signal", INSTANT, (uint32_t, signo), (uint32_t, tid));

enum dfl { DFL_TERM, DFL_IGNORE, DFL_ABORT };

static enum dfl default_action(int sig)
{
    switch (sig) {
    case SIGCHLD:
    case SIGWINCH:
    case SIGURG:
    case SIGCONT:
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU: return DFL_IGNORE;
    case SIGABRT: return DFL_ABORT;
    default: return DFL_TERM;
    }
}

static bool valid(int sig) { return sig > 0 && sig < NSIG; }

/* A stop signal left to its default would stop the process on Linux; with
 * no shell to continue it, the image ignores it, and says so once. */
static void note_stop(int sig)
{
    bool stop = sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
    if (stop && actions[sig].sa_handler == SIG_DFL) {
        int e = errno;
        lu_unsupported("stopping the process (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU)", ENOSYS);
        errno = e;
    }
}

static bool ignored(int sig)
{
    void (*h)(int) = actions[sig].sa_handler;
    return h == SIG_IGN || (h == SIG_DFL && default_action(sig) == DFL_IGNORE);
}

static bool fatal(int sig) { return actions[sig].sa_handler == SIG_DFL && default_action(sig) != DFL_IGNORE; }

static bool takes(const struct lu_thread *t, int sig)
{
    return t != cpu_self()->idle && t->state != T_EXITED && !(t->sig_blocked & BIT(sig));
}

uint64_t signal_deliverable(const struct lu_thread *t)
{
    return (t->sig_pending | proc_pending) & ~t->sig_blocked;
}

uint64_t signal_delivered(int sig) { return valid(sig) ? delivered[sig] : 0; }

static int lowest(uint64_t set) { return set ? __builtin_ctzll(set) : 0; }

/* Ends the image for @sig's default action. */
__attribute__((noreturn)) static void terminate(int sig)
{
    if (default_action(sig) == DFL_ABORT)
        LU_PANIC("abort() called");
    kernel_exit(128 + sig);
}

/* ---- posting ------------------------------------------------------------------ */

static void post_thread(struct lu_thread *t, int sig, int code)
{
    unsigned long f = irq_save();
    if (!ignored(sig) || (t->sig_blocked & BIT(sig))) {
        t->sig_pending |= BIT(sig);
        codes[sig] = code;
        if (!(t->sig_blocked & BIT(sig)))
            sched_interrupt(t);
    }
    irq_restore(f);
}

void signal_post_process(int sig, int code)
{
    unsigned long f = irq_save();
    if (ignored(sig)) {
        irq_restore(f);
        return; /* discarded, as POSIX says for an ignored signal */
    }
    proc_pending |= BIT(sig);
    codes[sig] = code;
    /* Any thread that does not block it may take it. Wake one that waits
     * for exactly this (pause, sigsuspend, a sleep); a running one takes it
     * on its next return from an interrupt. */
    for (struct lu_thread *t = thread_list; t; t = t->all_next)
        if (takes(t, sig) && t->sig_interruptible) {
            sched_interrupt(t);
            break;
        }
    irq_restore(f);
}

/* ---- delivery ----------------------------------------------------------------- */

static int take_one(struct lu_thread *t)
{
    int sig = lowest(signal_deliverable(t));
    if (!sig)
        return 0;
    if (t->sig_pending & BIT(sig))
        t->sig_pending &= ~BIT(sig);
    else
        proc_pending &= ~BIT(sig);
    return sig;
}

void signal_deliver_pending(void)
{
    struct lu_thread *t = thread_current();
    unsigned long f = irq_save();
    int sig;
    while ((sig = take_one(t))) {
        struct sigaction a = actions[sig];
        int code = codes[sig];
        delivered[sig]++;
        lu_trace_signal_deliver((uint32_t)sig, t->tid);
        if (a.sa_handler == SIG_IGN || (a.sa_handler == SIG_DFL && default_action(sig) == DFL_IGNORE))
            continue;
        if (a.sa_handler == SIG_DFL)
            terminate(sig);
        uint64_t saved = t->sig_blocked;
        t->sig_blocked |= (a.sa_mask | ((a.sa_flags & SA_NODEFER) ? 0 : BIT(sig))) & ~UNCATCHABLE;
        if (a.sa_flags & SA_RESETHAND)
            actions[sig] = (struct sigaction){.sa_handler = SIG_DFL};
        irq_enable();
        if (a.sa_flags & SA_SIGINFO) {
            siginfo_t si = {.si_signo = sig, .si_code = code};
            a.sa_sigaction(sig, &si, NULL);
        } else {
            a.sa_handler(sig);
        }
        (void)irq_save(); /* back off for the bookkeeping */
        t->sig_blocked = saved;
    }
    irq_restore(f);
}

/* Is a signal pending whose default action ends the image, and that some
 * thread would take? Then no handler is waited for: it ends here. */
static int fatal_pending(struct lu_thread *cur)
{
    for (uint64_t set = cur->sig_pending | proc_pending; set; set &= set - 1) {
        int sig = lowest(set);
        if (!fatal(sig))
            continue;
        if ((cur->sig_pending & BIT(sig)) && takes(cur, sig))
            return sig;
        if (proc_pending & BIT(sig))
            for (struct lu_thread *t = thread_list; t; t = t->all_next)
                if (takes(t, sig))
                    return sig;
    }
    return 0;
}

static void retry_fire(struct sched_timer *tm, uint64_t now) {}
static struct sched_timer retry = {.fn = retry_fire};

void signal_irq_return(struct trap_frame *tf)
{
    struct lu_thread *t = cpu_self()->current;
    if (!(t->sig_pending | proc_pending))
        return;
    int sig = fatal_pending(t);
    if (sig) {
        delivered[sig]++;
        lu_trace_signal_deliver((uint32_t)sig, t->tid);
        terminate(sig);
    }
    if (!signal_deliverable(t) || t == cpu_self()->idle)
        return;
    if (t->locks_held) {
        /* the timer interrupt this arms comes back through here */
        if (!retry.deadline)
            sched_timer_arm(&retry, lu_plat_now_ns() + RETRY_NS);
        return;
    }
    arch_signal_redirect(tf);
}

void signal_trap(struct trap_frame *tf)
{
    (void)tf; /* the interrupted state stays in it, untouched, for the return */
    arch_signal_fpu_reset();
    signal_deliver_pending();
}

/* ---- the calls ------------------------------------------------------------------ */

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (!valid(sig) || (act && (BIT(sig) & UNCATCHABLE)))
        return errno = EINVAL, -1;
    unsigned long f = irq_save();
    if (old)
        *old = actions[sig];
    if (act) {
        actions[sig] = *act;
        actions[sig].sa_mask &= ~UNCATCHABLE;
        /* POSIX: setting an ignore discards what is pending */
        if (ignored(sig)) {
            proc_pending &= ~BIT(sig);
            for (struct lu_thread *t = thread_list; t; t = t->all_next)
                t->sig_pending &= ~BIT(sig);
        }
    }
    irq_restore(f);
    return 0;
}

_sig_func_ptr signal(int sig, _sig_func_ptr fn)
{
    /* BSD and glibc semantics: the handler stays, and the signal is blocked
     * while it runs */
    struct sigaction a = {.sa_handler = fn, .sa_flags = SA_RESTART}, old;
    sigemptyset(&a.sa_mask);
    if (sigaction(sig, &a, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

int pthread_kill(pthread_t t, int sig)
{
    if (sig && !valid(sig))
        return EINVAL;
    unsigned long f = irq_save();
    bool live = thread_is_live(t) && t->state != T_EXITED;
    irq_restore(f);
    if (!live)
        return ESRCH;
    if (!sig)
        return 0;
    note_stop(sig);
    post_thread(t, sig, SI_USER);
    if (t == thread_current())
        signal_deliver_pending();
    return 0;
}

int raise(int sig)
{
    int r = pthread_kill(pthread_self(), sig);
    return r ? (errno = r, -1) : 0;
}

int kill(int pid, int sig)
{
    /* the process is the only one: itself, its group (0), everyone (-1) */
    if (pid != getpid() && pid != 0 && pid != -1)
        return errno = ESRCH, -1;
    if (sig && !valid(sig))
        return errno = EINVAL, -1;
    if (!sig)
        return 0;
    if (sig == SIGABRT && actions[sig].sa_handler == SIG_DFL)
        LU_PANIC("abort() called");
    note_stop(sig);
    signal_post_process(sig, SI_USER);
    signal_deliver_pending();
    return 0;
}

static int change_mask(int how, const sigset_t *set, sigset_t *old)
{
    struct lu_thread *t = thread_current();
    unsigned long f = irq_save();
    uint64_t m = t->sig_blocked;
    if (old)
        *old = (sigset_t)m;
    if (set) {
        switch (how) {
        case SIG_BLOCK: m |= *set; break;
        case SIG_UNBLOCK: m &= ~(uint64_t)*set; break;
        case SIG_SETMASK: m = *set; break;
        default: irq_restore(f); return EINVAL;
        }
        t->sig_blocked = m & ~UNCATCHABLE;
    }
    irq_restore(f);
    signal_deliver_pending(); /* what was just unblocked runs before we return */
    return 0;
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) { return change_mask(how, set, old); }

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    int r = change_mask(how, set, old);
    return r ? (errno = r, -1) : 0;
}

int sigpending(sigset_t *set)
{
    struct lu_thread *t = thread_current();
    unsigned long f = irq_save();
    *set = (sigset_t)((t->sig_pending | proc_pending) & t->sig_blocked);
    irq_restore(f);
    return 0;
}

/* Waits under @mask until a signal is deliverable, runs it, and puts the
 * thread's mask back. Always -1 with EINTR, as POSIX has it. */
static int wait_for_signal(uint64_t mask)
{
    struct lu_thread *t = thread_current();
    unsigned long f = irq_save();
    uint64_t saved = t->sig_blocked;
    t->sig_blocked = mask & ~UNCATCHABLE;
    while (sched_block_interruptible(NULL, 0) != -EINTR)
        ;
    signal_deliver_pending(); /* under the waiting mask */
    t->sig_blocked = saved;
    irq_restore(f);
    signal_deliver_pending(); /* and whatever the old mask lets through */
    return errno = EINTR, -1;
}

int sigsuspend(const sigset_t *mask) { return wait_for_signal(*mask); }

int pause(void) { return wait_for_signal(thread_current()->sig_blocked); }

/* ---- newlib's signal.o, replaced --------------------------------------------- */

int _raise_r(struct _reent *r, int sig) { return raise(sig); }
_sig_func_ptr _signal_r(struct _reent *r, int sig, _sig_func_ptr fn) { return signal(sig, fn); }
int _init_signal_r(struct _reent *r) { return 0; }
int _init_signal(void) { return 0; }

/* newlib's __sigtramp runs the handler of @sig for a caller that raised it
 * itself: 0 if there was none to run (default), 1 if it is ignored, 2 once
 * the handler has run. */
int __sigtramp_r(struct _reent *r, int sig)
{
    if (!valid(sig))
        return -1;
    void (*h)(int) = actions[sig].sa_handler;
    if (h == SIG_DFL)
        return 0;
    if (h == SIG_IGN)
        return 1;
    raise(sig);
    return 2;
}
int __sigtramp(int sig) { return __sigtramp_r(NULL, sig); }
