/*
 * Signals for Lucent images: newlib's <sys/signal.h> with the POSIX
 * struct sigaction in place of newlib's. Outside RTEMS, newlib declares a
 * struct sigaction with sa_handler only and no SA_SIGINFO, SA_RESETHAND,
 * SA_NODEFER or SA_RESTART, so programs written for Linux do not compile.
 * newlib's own objects never use the structure (its signal.o keeps a table
 * of plain handlers, and ours, kernel/libc/signal.c, replaces that object),
 * so the layout here is a contract between the app and the kernel only.
 *
 * newlib's declarations are read under another name (the #define below)
 * and ours follow. kernel/include comes before newlib on the include path,
 * and <signal.h> includes this file, so every image compile sees it.
 */
#ifndef LU_SYS_SIGNAL_H
#define LU_SYS_SIGNAL_H

#define sigaction lu_newlib_sigaction
#include_next <sys/signal.h>
#undef sigaction

#ifdef __cplusplus
extern "C" {
#endif

struct sigaction {
    union {
        void (*lu_handler)(int);
        void (*lu_sigaction)(int, siginfo_t *, void *);
    } lu_u;
    sigset_t sa_mask;
    int sa_flags;
};
#define sa_handler lu_u.lu_handler
#define sa_sigaction lu_u.lu_sigaction

/* Linux's values; SA_NOCLDSTOP (1) is newlib's and Linux's alike. */
#define SA_SIGINFO 0x00000004
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_NOMASK SA_NODEFER
#define SA_ONESHOT SA_RESETHAND

/* si_code of a signal the kernel raised (alarm, setitimer), as Linux. */
#define SI_KERNEL 0x80

int sigaction(int sig, const struct sigaction *act, struct sigaction *old);

#ifdef __cplusplus
}
#endif
#endif
