/*
 * Thread-specific data: the key table and each thread's values, kept with
 * the threads because a thread's exit runs the destructors. libc/pthread.c
 * puts the POSIX names on these. Keys are few (THREAD_KEYS_MAX) and
 * created rarely, so a flat table does.
 */
#include <errno.h>
#include <arch/cpu.h>
#include "sched.h"

static struct {
    bool used;
    void (*dtor)(void *);
} keys[THREAD_KEYS_MAX];

int thread_key_create(void (*dtor)(void *))
{
    unsigned long f = irq_save();
    for (unsigned i = 0; i < THREAD_KEYS_MAX; i++)
        if (!keys[i].used) {
            keys[i].used = true;
            keys[i].dtor = dtor;
            for (struct lu_thread *t = thread_list; t; t = t->all_next)
                t->keys[i] = NULL;
            irq_restore(f);
            return (int)i;
        }
    irq_restore(f);
    return -EAGAIN;
}

int thread_key_delete(unsigned k)
{
    if (k >= THREAD_KEYS_MAX || !keys[k].used)
        return -EINVAL;
    keys[k].used = false;
    return 0;
}

void *thread_key_get(unsigned k)
{
    return k < THREAD_KEYS_MAX && keys[k].used ? thread_current()->keys[k] : NULL;
}

int thread_key_set(unsigned k, const void *v)
{
    if (k >= THREAD_KEYS_MAX || !keys[k].used)
        return -EINVAL;
    thread_current()->keys[k] = (void *)v;
    return 0;
}

/* POSIX: destructors run for non-NULL values, repeated while some remain
 * (up to PTHREAD_DESTRUCTOR_ITERATIONS, 4). */
void thread_keys_run_destructors(struct lu_thread *t)
{
    for (int round = 0; round < 4; round++) {
        bool again = false;
        for (unsigned i = 0; i < THREAD_KEYS_MAX; i++) {
            void *v = t->keys[i];
            if (v && keys[i].used && keys[i].dtor) {
                t->keys[i] = NULL;
                keys[i].dtor(v);
                again = true;
            }
        }
        if (!again)
            return;
    }
}
