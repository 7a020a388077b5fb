/*
 * Mutexes and condition variables: the one blocking primitive set under
 * pthreads, newlib's locks and lwIP's sys_arch.
 *
 * Unlock frees the mutex and wakes the first waiter, which then competes
 * for it like anyone else (barging, as Linux's futex mutexes). A direct
 * hand-off would be fairer, but it makes a woken thread that has not run
 * yet the owner: on one CPU every trylock then fails until the scheduler
 * gets round to it, and non-blocking channel writes (which must not wait)
 * were refused for no reason. A waiter that loses the race queues again.
 */
#include <errno.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include "sched.h"

static bool sched_up(void) { return cpu_self()->current != NULL; }

/* Takes @m if it is free or already ours and recursive (irqs off).
 * Returns true when @self now holds it. */
static bool take(pthread_mutex_t *m, struct lu_thread *self)
{
    if (!m->owner) {
        m->owner = self;
        m->count = 1;
        self->locks_held++;
        return true;
    }
    if (m->owner == self && m->type == PTHREAD_MUTEX_RECURSIVE) {
        m->count++;
        return true;
    }
    return false;
}

int kmutex_trylock(pthread_mutex_t *m)
{
    if (!sched_up())
        return 0;
    struct lu_thread *self = thread_current();
    unsigned long f = irq_save();
    int r = 0;
    if (!take(m, self))
        r = m->owner == self && m->type == PTHREAD_MUTEX_ERRORCHECK ? -EDEADLK : -EBUSY;
    irq_restore(f);
    return r;
}

int kmutex_lock(pthread_mutex_t *m, uint64_t deadline)
{
    if (!sched_up())
        return 0; /* before threads exist there is nobody to exclude */
    struct lu_thread *self = thread_current();
    unsigned long f = irq_save();
    int r = 0;
    if (take(m, self)) {
        /* free, or a recursive re-lock */
    } else if (m->owner == self) {
        if (m->type == PTHREAD_MUTEX_ERRORCHECK || m->type == PTHREAD_MUTEX_DEFAULT)
            r = -EDEADLK;
        else
            LU_PANIC("thread '%s' locked a normal mutex it already holds", self->name);
    } else {
        do {
            if (sched_block(&m->waiters, deadline) == -ETIMEDOUT && !take(m, self)) {
                r = -ETIMEDOUT;
                break;
            }
        } while (m->owner != self && !take(m, self));
    }
    irq_restore(f);
    return r;
}

int kmutex_unlock(pthread_mutex_t *m)
{
    if (!sched_up())
        return 0;
    struct lu_thread *self = thread_current();
    unsigned long f = irq_save();
    if (m->owner != self) {
        irq_restore(f);
        return -EPERM;
    }
    if (--m->count == 0) {
        m->owner = NULL;
        self->locks_held--;
        if (m->waiters.head)
            sched_wake_one(&m->waiters);
    }
    irq_restore(f);
    return 0;
}

int kcond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline)
{
    struct lu_thread *self = thread_current();
    unsigned long f = irq_save();
    if (m->owner != self) {
        irq_restore(f);
        return -EPERM;
    }
    /* Releasing the mutex and queueing on the condition happen with
     * interrupts off, so no signal can fall between them. */
    unsigned depth = m->count;
    m->count = 1;
    kmutex_unlock(m);
    int r = sched_block(&c->waiters, deadline);
    kmutex_lock(m, 0);
    m->count = depth;
    irq_restore(f);
    return r;
}

int kcond_signal(pthread_cond_t *c, bool all)
{
    unsigned long f = irq_save();
    if (all)
        sched_wake_all(&c->waiters);
    else
        sched_wake_one(&c->waiters);
    irq_restore(f);
    return 0;
}
