/*
 * newlib's locks (built with --enable-newlib-retargetable-locking) and its
 * per-thread state (built with __DYNAMIC_REENT__): both answered by the
 * scheduler, so stdio, malloc and errno are thread-safe and per-thread.
 */
#include <errno.h>
#include <reent.h>
#include <stdlib.h>
#include <sys/lock.h>
#include "../sched/sched.h"
#include "locks.h"

struct __lock {
    pthread_mutex_t m;
};

#define LOCK(name) struct __lock name = {PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP}
LOCK(__lock___sinit_recursive_mutex);
LOCK(__lock___sfp_recursive_mutex);
LOCK(__lock___atexit_recursive_mutex);
LOCK(__lock___at_quick_exit_mutex);
LOCK(__lock___malloc_recursive_mutex);
LOCK(__lock___env_recursive_mutex);
LOCK(__lock___tz_mutex);
LOCK(__lock___dd_hash_mutex);
LOCK(__lock___arc4random_mutex);

void __retarget_lock_init(_LOCK_T *lock)
{
    *lock = malloc(sizeof(struct __lock));
    if (*lock)
        (*lock)->m = (pthread_mutex_t)PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
}
void __retarget_lock_init_recursive(_LOCK_T *lock) { __retarget_lock_init(lock); }
void __retarget_lock_close(_LOCK_T lock) { free(lock); }
void __retarget_lock_close_recursive(_LOCK_T lock) { free(lock); }
void __retarget_lock_acquire(_LOCK_T lock) { kmutex_lock(&lock->m, 0); }
void __retarget_lock_acquire_recursive(_LOCK_T lock) { kmutex_lock(&lock->m, 0); }
int __retarget_lock_try_acquire(_LOCK_T lock) { return kmutex_trylock(&lock->m) == 0; }
int __retarget_lock_try_acquire_recursive(_LOCK_T lock) { return kmutex_trylock(&lock->m) == 0; }
void __retarget_lock_release(_LOCK_T lock) { kmutex_unlock(&lock->m); }
void __retarget_lock_release_recursive(_LOCK_T lock) { kmutex_unlock(&lock->m); }

/* Before the scheduler runs, newlib's global state serves; after, each
 * thread's own. The main thread keeps using the global one so nothing
 * written to stdout during boot is stranded in another buffer. */
static bool threads_up;
void locks_threads_up(void) { threads_up = true; }

struct _reent *__getreent(void)
{
    if (!threads_up)
        return _impure_ptr;
    struct lu_thread *t = thread_current();
    return t->tid == 1 ? _impure_ptr : &t->reent;
}
