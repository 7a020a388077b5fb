/*
 * Mutexes and condition variables: the one blocking primitive set under
 * pthreads, newlib's locks and lwIP's sys_arch. A mutex is handed directly
 * to the first waiter on unlock (FIFO, no barging), so no waiter starves.
 */
#include <errno.h>
#include "../arch/x86_64/irq.h"
#include "../kernel.h"
#include "sched.h"

static bool sched_up(void) { return cpu_self()->current != NULL; }

/* Takes @m if it is free or already ours and recursive (irqs off).
 * Returns true when @self now holds it. */
static bool take(pthread_mutex_t *m, struct lu_thread *self)
{
    if (!m->owner) {
        m->owner = self;
        m->count = 1;
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
        /* Wait for the hand-off: unlock makes us the owner before waking us. */
        while (m->owner != self) {
            if (sched_block(&m->waiters, deadline) == -ETIMEDOUT && m->owner != self) {
                r = -ETIMEDOUT;
                break;
            }
        }
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
        struct lu_thread *next = m->waiters.head;
        m->owner = next;
        if (next) {
            m->count = 1;
            sched_wake_one(&m->waiters);
        }
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
