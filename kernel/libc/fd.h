/*
 * The descriptor table for descriptors that are neither the console (0-2)
 * nor sockets (LU_NET_FD_BASE and up, kernel/net): 3 to LU_NET_FD_BASE - 1.
 * Each descriptor is an ops struct (one per kind: a device today, a file
 * when a filesystem comes) and the object it acts on; read, write, fstat
 * and close in syscalls.c dispatch through it, so a new kind adds an ops
 * struct, not a case in each call.
 */
#ifndef LU_KERNEL_FD_H
#define LU_KERNEL_FD_H
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define FD_FIRST 3

struct fd_ops {
    /* Each returns bytes moved (0: end of file) or -errno. */
    ssize_t (*read)(void *obj, void *buf, size_t n);
    ssize_t (*write)(void *obj, const void *buf, size_t n);
    int (*fstat)(void *obj, struct stat *st);
    int (*close)(void *obj); /* may be NULL: nothing to release */
};

/* Installs @ops/@obj opened with @flags (O_RDONLY ...) in the lowest free
 * slot: returns the descriptor, or -EMFILE when all are taken. */
int fd_install(const struct fd_ops *ops, void *obj, int flags);
/* The descriptor's kind, object and open flags, or -EBADF. */
int fd_lookup(int fd, const struct fd_ops **ops, void **obj, int *flags);
/* Frees the slot after the kind's close; returns that close's result. */
int fd_release(int fd);
/* Whether @fd is one this table owns (FD_FIRST..LU_NET_FD_BASE-1). */
int fd_in_table(int fd);

#endif
