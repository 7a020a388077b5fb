/*
 * lwIP's OS types (NO_SYS=0) on Lucent's scheduler. Semaphores and
 * mailboxes are built directly on wait queues with interrupts off (one CPU),
 * so a semaphore may be signalled from an interrupt handler; mutexes are the
 * kernel's pthread mutexes. See kernel/net/sys_arch.c.
 */
#ifndef LU_LWIP_ARCH_SYS_ARCH_H
#define LU_LWIP_ARCH_SYS_ARCH_H
#include <pthread.h>

typedef struct {
    volatile int count;
    int valid;
    struct lu_waitq waiters;
} sys_sem_t;

typedef struct {
    pthread_mutex_t m;
    int valid;
} sys_mutex_t;

typedef struct {
    void **slots;
    int size, head, count;
    int valid;
    struct lu_waitq readers, writers;
} sys_mbox_t;

typedef struct lu_thread *sys_thread_t;
typedef unsigned long sys_prot_t; /* the saved RFLAGS of irq_save */

#define sys_sem_valid(s) ((s)->valid)
#define sys_sem_set_invalid(s) ((s)->valid = 0)
#define sys_mutex_valid(m) ((m)->valid)
#define sys_mutex_set_invalid(m) ((m)->valid = 0)
#define sys_mbox_valid(b) ((b)->valid)
#define sys_mbox_set_invalid(b) ((b)->valid = 0)

#endif
