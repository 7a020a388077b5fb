/*
 * POSIX threads for the image, over the kernel's threads and sync.c. The
 * same API is glibc's in the hostbuild; tests/unit/test_pthread.c checks
 * that both behave the same. Errors are POSIX codes, returned, never
 * raised: invalid arguments, joining a detached thread, destroying a
 * locked mutex.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <arch/cpu.h>
#include "../ktime.h"
#include "../lib/kprintf.h"
#include "../sched/sched.h"

#define DEFAULT_STACK (128 * 1024)

/* ---- threads --------------------------------------------------------------- */

int pthread_attr_init(pthread_attr_t *a)
{
    *a = (pthread_attr_t){
        .is_initialized = 1, .stacksize = DEFAULT_STACK, .detachstate = PTHREAD_CREATE_JOINABLE};
    return 0;
}
int pthread_attr_destroy(pthread_attr_t *a)
{
    a->is_initialized = 0;
    return 0;
}
int pthread_attr_setdetachstate(pthread_attr_t *a, int s)
{
    if (s != PTHREAD_CREATE_DETACHED && s != PTHREAD_CREATE_JOINABLE)
        return EINVAL;
    a->detachstate = s;
    return 0;
}
int pthread_attr_getdetachstate(const pthread_attr_t *a, int *s)
{
    *s = a->detachstate;
    return 0;
}
int pthread_attr_setstacksize(pthread_attr_t *a, size_t n)
{
    if (n < PTHREAD_STACK_MIN)
        return EINVAL;
    a->stacksize = n;
    return 0;
}
int pthread_attr_getstacksize(const pthread_attr_t *a, size_t *n)
{
    *n = a->stacksize;
    return 0;
}

int pthread_create(pthread_t *out, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    if (!out || !fn)
        return EINVAL;
    if (attr && !attr->is_initialized)
        return EINVAL;
    static unsigned n;
    char name[32];
    ksnprintf(name, sizeof name, "thread-%u", ++n);
    struct lu_thread *t = thread_create(name, fn, arg, attr ? attr->stacksize : DEFAULT_STACK,
                                        attr && attr->detachstate == PTHREAD_CREATE_DETACHED);
    if (!t)
        return EAGAIN;
    /* POSIX: a new thread starts with its creator's signal mask (it blocks
     * everything until here, which only defers a signal meant for it) */
    t->sig_blocked = thread_current()->sig_blocked;
    *out = t;
    return 0;
}

pthread_t pthread_self(void) { return thread_current(); }
int pthread_equal(pthread_t a, pthread_t b) { return a == b; }

void pthread_exit(void *retval) { thread_exit(retval); }

int pthread_join(pthread_t t, void **retval)
{
    unsigned long f = irq_save();
    int r = 0;
    if (!thread_is_live(t))
        r = ESRCH;
    else if (t == thread_current())
        r = EDEADLK;
    else if (t->detached || t->joined)
        r = EINVAL;
    if (r) {
        irq_restore(f);
        return r;
    }
    t->joined = true;
    while (t->state != T_EXITED)
        sched_block(&t->joiners, 0);
    if (retval)
        *retval = t->retval;
    thread_reap(t);
    irq_restore(f);
    return 0;
}

int pthread_detach(pthread_t t)
{
    unsigned long f = irq_save();
    int r = 0;
    if (!thread_is_live(t))
        r = ESRCH;
    else if (t->detached || t->joined)
        r = EINVAL;
    else if (t->state == T_EXITED)
        thread_reap(t);
    else
        t->detached = true;
    irq_restore(f);
    return r;
}

int pthread_setname_np(pthread_t t, const char *name)
{
    if (!thread_is_live(t))
        return ESRCH;
    return -thread_rename(t, name);
}

int pthread_getname_np(pthread_t t, char *buf, size_t len)
{
    if (!thread_is_live(t))
        return ESRCH;
    if (strlen(t->name) >= len)
        return ERANGE;
    strcpy(buf, t->name);
    return 0;
}

void pthread_yield(void) { sched_yield_now(); }

/* ---- mutexes --------------------------------------------------------------- */

int pthread_mutexattr_init(pthread_mutexattr_t *a)
{
    *a = (pthread_mutexattr_t){.is_initialized = 1, .type = PTHREAD_MUTEX_DEFAULT};
    return 0;
}
int pthread_mutexattr_destroy(pthread_mutexattr_t *a)
{
    a->is_initialized = 0;
    return 0;
}
int pthread_mutexattr_settype(pthread_mutexattr_t *a, int type)
{
    if (type < PTHREAD_MUTEX_NORMAL || type > PTHREAD_MUTEX_DEFAULT)
        return EINVAL;
    a->type = type;
    return 0;
}
int pthread_mutexattr_gettype(const pthread_mutexattr_t *a, int *type)
{
    *type = a->type;
    return 0;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    if (!m || (a && !a->is_initialized))
        return EINVAL;
    *m = (pthread_mutex_t){.type = a ? a->type : PTHREAD_MUTEX_DEFAULT, .magic = LU_MUTEX_MAGIC};
    return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
    if (!m || m->magic != LU_MUTEX_MAGIC)
        return EINVAL;
    if (m->owner || m->waiters.head)
        return EBUSY;
    m->magic = 0;
    return 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    if (!m || m->magic != LU_MUTEX_MAGIC)
        return EINVAL;
    return -kmutex_lock(m, 0);
}

static uint64_t abs_to_mono(const struct timespec *ts, int clock)
{
    uint64_t ns = (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
    if (clock == CLOCK_REALTIME)
        ns = ns > time_boot_epoch_ns() ? ns - time_boot_epoch_ns() : 1;
    return ns ? ns : 1;
}

static bool ts_valid(const struct timespec *ts)
{
    return ts && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L && ts->tv_sec >= 0;
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
    if (!m || m->magic != LU_MUTEX_MAGIC || !ts_valid(abstime))
        return EINVAL;
    return -kmutex_lock(m, abs_to_mono(abstime, CLOCK_REALTIME));
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
    if (!m || m->magic != LU_MUTEX_MAGIC)
        return EINVAL;
    return -kmutex_trylock(m);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    if (!m || m->magic != LU_MUTEX_MAGIC)
        return EINVAL;
    return -kmutex_unlock(m);
}

/* ---- condition variables -------------------------------------------------- */

int pthread_condattr_init(pthread_condattr_t *a)
{
    *a = (pthread_condattr_t){.is_initialized = 1, .clock = CLOCK_REALTIME};
    return 0;
}
int pthread_condattr_destroy(pthread_condattr_t *a)
{
    a->is_initialized = 0;
    return 0;
}
int pthread_condattr_setclock(pthread_condattr_t *a, clockid_t c)
{
    if (c != CLOCK_REALTIME && c != CLOCK_MONOTONIC)
        return EINVAL;
    a->clock = c;
    return 0;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
    if (!c || (a && !a->is_initialized))
        return EINVAL;
    *c = (pthread_cond_t){.magic = LU_COND_MAGIC, .clock = a ? (int)a->clock : (int)CLOCK_REALTIME};
    return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
    if (!c || c->magic != LU_COND_MAGIC)
        return EINVAL;
    if (c->waiters.head)
        return EBUSY;
    c->magic = 0;
    return 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (!c || c->magic != LU_COND_MAGIC || !m || m->magic != LU_MUTEX_MAGIC)
        return EINVAL;
    return -kcond_wait(c, m, 0);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
    if (!c || c->magic != LU_COND_MAGIC || !m || m->magic != LU_MUTEX_MAGIC || !ts_valid(abstime))
        return EINVAL;
    return -kcond_wait(c, m, abs_to_mono(abstime, c->clock));
}

int pthread_cond_signal(pthread_cond_t *c)
{
    if (!c || c->magic != LU_COND_MAGIC)
        return EINVAL;
    return kcond_signal(c, false);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
    if (!c || c->magic != LU_COND_MAGIC)
        return EINVAL;
    return kcond_signal(c, true);
}

/* ---- once and keys ---------------------------------------------------------- */

static pthread_mutex_t once_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

int pthread_once(pthread_once_t *o, void (*fn)(void))
{
    if (!o || !fn)
        return EINVAL;
    if (__atomic_load_n(&o->init_executed, __ATOMIC_ACQUIRE))
        return 0;
    kmutex_lock(&once_lock, 0);
    if (!o->init_executed) {
        fn();
        __atomic_store_n(&o->init_executed, 1, __ATOMIC_RELEASE);
    }
    kmutex_unlock(&once_lock);
    return 0;
}

/* The key table is the scheduler's (sched/keys.c): a thread's exit runs
 * the destructors. */
int pthread_key_create(pthread_key_t *k, void (*dtor)(void *))
{
    int r = thread_key_create(dtor);
    if (r < 0)
        return -r;
    *k = (pthread_key_t)r;
    return 0;
}

int pthread_key_delete(pthread_key_t k) { return -thread_key_delete(k); }
void *pthread_getspecific(pthread_key_t k) { return thread_key_get(k); }
int pthread_setspecific(pthread_key_t k, const void *v) { return -thread_key_set(k, v); }
