/*
 * Calls that name a concept a single-process unikernel does not have
 * (fork, exec, wait, pipes to children ...). Each fails with its errno, and
 * the first call of each function says so once on the console, so a port
 * that reaches one is told why instead of guessing from an errno; every
 * call is counted (lucent_unsupported_calls_total{function=...}) and traced
 * (category "libc", event "unsupported").
 */
#ifndef LU_KERNEL_UNSUPPORTED_H
#define LU_KERNEL_UNSUPPORTED_H

/* Notes (once), counts and traces a call of @function, which must be a
 * string that lives as long as the program (a literal); sets errno to @err
 * and returns -1, so a call site reads `return lu_unsupported("fork", ENOSYS);`. */
int lu_unsupported(const char *function, int err);

#endif
