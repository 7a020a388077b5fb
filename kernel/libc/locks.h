/* newlib's locks and per-thread state (locks.c). */
#ifndef LU_KERNEL_LOCKS_H
#define LU_KERNEL_LOCKS_H

/* Once the scheduler runs: each thread but main gets its own newlib state
 * (__getreent). */
void locks_threads_up(void);

#endif
