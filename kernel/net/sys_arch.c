/*
 * lwIP's operating-system layer (NO_SYS=0) on Lucent's threads.
 *
 * One CPU: a semaphore or mailbox is protected by turning interrupts off
 * around its few lines, and waiters sleep on a wait queue (sched_block).
 * That makes sys_sem_signal safe from an interrupt handler, which the
 * virtio-net driver relies on. Mutexes are the kernel's FIFO mutexes.
 * Timeouts are lwIP's milliseconds, turned into monotonic deadlines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/plat.h>
#include <arch/cpu.h>
#include "lwip/opt.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "../sched/sched.h"

static uint64_t deadline_of(u32_t timeout_ms)
{
    return timeout_ms ? lu_plat_now_ns() + (uint64_t)timeout_ms * 1000000u : 0;
}

static u32_t elapsed_ms(uint64_t start) { return (u32_t)((lu_plat_now_ns() - start) / 1000000u); }

void sys_init(void) {}

u32_t sys_now(void) { return (u32_t)(lu_plat_now_ns() / 1000000u); }

sys_prot_t sys_arch_protect(void) { return irq_save(); }
void sys_arch_unprotect(sys_prot_t pval) { irq_restore(pval); }

unsigned lu_net_rand(void)
{
    unsigned long v;
    unsigned char ok;
    __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
    return ok ? (unsigned)v : (unsigned)lu_plat_cycles() * 2654435761u;
}

/* ---- semaphores ------------------------------------------------------------ */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
    *sem = (sys_sem_t){.count = count, .valid = 1};
    SYS_STATS_INC_USED(sem);
    return ERR_OK;
}

void sys_sem_free(sys_sem_t *sem)
{
    SYS_STATS_DEC(sem.used);
    sem->valid = 0;
}

void sys_sem_signal(sys_sem_t *sem)
{
    unsigned long f = irq_save();
    sem->count++;
    sched_wake_one(&sem->waiters);
    irq_restore(f);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout_ms)
{
    uint64_t start = lu_plat_now_ns(), deadline = deadline_of(timeout_ms);
    unsigned long f = irq_save();
    while (sem->count == 0) {
        if (sched_block(&sem->waiters, deadline) == -ETIMEDOUT && sem->count == 0) {
            irq_restore(f);
            return SYS_ARCH_TIMEOUT;
        }
    }
    sem->count--;
    irq_restore(f);
    return elapsed_ms(start);
}

/* ---- mutexes ----------------------------------------------------------------- */

err_t sys_mutex_new(sys_mutex_t *m)
{
    *m = (sys_mutex_t){.m = PTHREAD_MUTEX_INITIALIZER, .valid = 1};
    SYS_STATS_INC_USED(mutex);
    return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *m)
{
    SYS_STATS_DEC(mutex.used);
    m->valid = 0;
}

void sys_mutex_lock(sys_mutex_t *m) { kmutex_lock(&m->m, 0); }
void sys_mutex_unlock(sys_mutex_t *m) { kmutex_unlock(&m->m); }

/* ---- mailboxes: a ring of pointers -------------------------------------------- */

err_t sys_mbox_new(sys_mbox_t *mb, int size)
{
    if (size <= 0)
        size = 16;
    void **slots = calloc((size_t)size, sizeof(void *));
    if (!slots)
        return ERR_MEM;
    *mb = (sys_mbox_t){.slots = slots, .size = size, .valid = 1};
    SYS_STATS_INC_USED(mbox);
    return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mb)
{
    /* lwIP drains a mailbox before freeing it; anything left is its leak. */
    SYS_STATS_DEC(mbox.used);
    free(mb->slots);
    mb->slots = NULL;
    mb->valid = 0;
}

/* Interrupts off. */
static void put(sys_mbox_t *mb, void *msg)
{
    mb->slots[(mb->head + mb->count) % mb->size] = msg;
    mb->count++;
    sched_wake_one(&mb->readers);
}

static void *take(sys_mbox_t *mb)
{
    void *msg = mb->slots[mb->head];
    mb->head = (mb->head + 1) % mb->size;
    mb->count--;
    sched_wake_one(&mb->writers);
    return msg;
}

void sys_mbox_post(sys_mbox_t *mb, void *msg)
{
    unsigned long f = irq_save();
    while (mb->count == mb->size)
        sched_block(&mb->writers, 0);
    put(mb, msg);
    irq_restore(f);
}

err_t sys_mbox_trypost(sys_mbox_t *mb, void *msg)
{
    unsigned long f = irq_save();
    err_t r = ERR_MEM;
    if (mb->count < mb->size) {
        put(mb, msg);
        r = ERR_OK;
    } else {
        SYS_STATS_INC(mbox.err);
    }
    irq_restore(f);
    return r;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mb, void *msg) { return sys_mbox_trypost(mb, msg); }

u32_t sys_arch_mbox_fetch(sys_mbox_t *mb, void **msg, u32_t timeout_ms)
{
    uint64_t start = lu_plat_now_ns(), deadline = deadline_of(timeout_ms);
    unsigned long f = irq_save();
    while (mb->count == 0) {
        if (sched_block(&mb->readers, deadline) == -ETIMEDOUT && mb->count == 0) {
            irq_restore(f);
            return SYS_ARCH_TIMEOUT;
        }
    }
    void *m = take(mb);
    irq_restore(f);
    if (msg)
        *msg = m;
    return elapsed_ms(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mb, void **msg)
{
    unsigned long f = irq_save();
    if (mb->count == 0) {
        irq_restore(f);
        return SYS_MBOX_EMPTY;
    }
    void *m = take(mb);
    irq_restore(f);
    if (msg)
        *msg = m;
    return 0;
}

/* ---- threads ------------------------------------------------------------------- */

struct start {
    lwip_thread_fn fn;
    void *arg;
};

static void *trampoline(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    s.fn(s.arg);
    return NULL;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
    struct start *s = malloc(sizeof *s);
    if (!s)
        LU_PANIC("lwIP: no memory to start thread %s", name);
    *s = (struct start){fn, arg};
    struct lu_thread *t = thread_create(name, trampoline, s,
                                        stacksize > 0 ? (size_t)stacksize : DEFAULT_THREAD_STACKSIZE, true);
    if (!t)
        LU_PANIC("lwIP: cannot start thread %s", name);
    return t;
}
