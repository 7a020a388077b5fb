/*
 * Lucent's pthread types for the image. This file takes the place of
 * newlib's sys/_pthreadtypes.h (kernel/include comes first on the include
 * path): newlib declares mutexes and condition variables as 32-bit handles
 * into a table, which would need an allocation on first use and a lookup on
 * every lock. Here they are real structures that the kernel's scheduler
 * operates on directly (kernel/sched/sync.c), with static initializers.
 * pthread.h itself is newlib's; only the types and initializers change.
 */
#ifndef _SYS__PTHREADTYPES_H_
#define _SYS__PTHREADTYPES_H_

#include <sys/sched.h>

struct lu_thread;
typedef struct lu_thread *pthread_t;

#define PTHREAD_SCOPE_PROCESS 0
#define PTHREAD_SCOPE_SYSTEM 1
#define PTHREAD_INHERIT_SCHED 1
#define PTHREAD_EXPLICIT_SCHED 2
#define PTHREAD_CREATE_DETACHED 0
#define PTHREAD_CREATE_JOINABLE 1
#define PTHREAD_STACK_MIN 16384

typedef struct {
    int is_initialized;
    void *stackaddr;
    size_t stacksize;
    int contentionscope;
    int inheritsched;
    int schedpolicy;
    struct sched_param schedparam;
    int detachstate;
} pthread_attr_t;

#define PTHREAD_MUTEX_NORMAL 0
#define PTHREAD_MUTEX_RECURSIVE 1
#define PTHREAD_MUTEX_ERRORCHECK 2
#define PTHREAD_MUTEX_DEFAULT 3

/* Threads waiting on a mutex or condition variable, FIFO. */
struct lu_waitq {
    struct lu_thread *head, *tail;
};

#define LU_MUTEX_MAGIC 0x6d757478u /* "mutx": initialized and not destroyed */
#define LU_COND_MAGIC 0x636f6e64u  /* "cond" */

typedef struct {
    struct lu_thread *owner;
    unsigned count; /* recursion depth */
    int type;
    unsigned magic;
    struct lu_waitq waiters;
} pthread_mutex_t;

typedef struct {
    int is_initialized;
    int type;
    int recursive;
} pthread_mutexattr_t;

#define _PTHREAD_MUTEX_INITIALIZER                                                                           \
    {                                                                                                        \
        0, 0, PTHREAD_MUTEX_DEFAULT, LU_MUTEX_MAGIC, { 0, 0 }                                                \
    }
#define PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP                                                               \
    {                                                                                                        \
        0, 0, PTHREAD_MUTEX_RECURSIVE, LU_MUTEX_MAGIC, { 0, 0 }                                              \
    }

typedef struct {
    unsigned magic;
    int clock; /* clockid_t for timed waits: CLOCK_REALTIME by default */
    struct lu_waitq waiters;
} pthread_cond_t;

#define _PTHREAD_COND_INITIALIZER                                                                            \
    {                                                                                                        \
        LU_COND_MAGIC, 1 /* CLOCK_REALTIME */, { 0, 0 }                                                      \
    }

typedef struct {
    int is_initialized;
    clock_t clock;
} pthread_condattr_t;

typedef unsigned pthread_key_t;

typedef struct {
    int is_initialized;
    int init_executed;
} pthread_once_t;

#define _PTHREAD_ONCE_INIT                                                                                   \
    {                                                                                                        \
        1, 0                                                                                                 \
    }

#endif
