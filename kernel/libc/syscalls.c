/*
 * newlib's system-call layer (built with --disable-newlib-supplied-syscalls,
 * so these names carry no underscore): the calls on descriptors. 0-2 are
 * the console; 3 to LU_NET_FD_BASE - 1 are the descriptor table (fd.c:
 * devices today, opened by namespace.c); sockets are LU_NET_FD_BASE (16)
 * and up (kernel/net). Processes, names, time and memory have their own
 * files beside this one (README.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <lucent/plat.h>
#include <lucent/trace.h>
#include "../drivers/console.h"
#include "../exit.h"
#include "../net/net.h"
#include "fd.h"
#include "stdin.h"

/* A slice per read and write, on the calling thread (category "syscall"). */
LU_TRACE_SLICE(write, "syscall", (int, fd), (size_t, len));
LU_TRACE_SLICE(read, "syscall", (int, fd), (size_t, len));

/* Weak: an image whose app uses no sockets links no kernel/net (a plain
 * archive), so kernel/net/socket_api.c is not there to define these. */
__attribute__((weak)) ssize_t net_fd_read(int fd, void *buf, size_t n) { return errno = EBADF, -1; }
__attribute__((weak)) ssize_t net_fd_write(int fd, const void *buf, size_t n) { return errno = EBADF, -1; }
__attribute__((weak)) int net_fd_close(int fd) { return errno = EBADF, -1; }
__attribute__((weak)) int net_fd_fcntl(int fd, int cmd, int arg) { return errno = EBADF, -1; }

static int fail(int r) { return r < 0 ? (errno = -r, -1) : r; }

/* The table's descriptor @fd, if open for @dir (O_RDONLY or O_WRONLY). */
static int table_fd(int fd, int dir, const struct fd_ops **ops, void **obj)
{
    int flags, r = fd_lookup(fd, ops, obj, &flags);
    if (r == 0 && (flags & O_ACCMODE) != O_RDWR && (flags & O_ACCMODE) != dir)
        r = -EBADF;
    return r;
}

int write(int fd, const void *buf, size_t n)
{
    LU_TRACE_SCOPED(write, fd, n);
    if (fd >= LU_NET_FD_BASE)
        return (int)net_fd_write(fd, buf, n);
    if (fd_in_table(fd)) {
        const struct fd_ops *ops;
        void *obj;
        int r = table_fd(fd, O_WRONLY, &ops, &obj);
        return fail(r < 0 ? r : (int)ops->write(obj, buf, n));
    }
    if (fd != 1 && fd != 2)
        return errno = EBADF, -1;
    console_write(buf, n);
    return (int)n;
}

int read(int fd, void *buf, size_t n)
{
    LU_TRACE_SCOPED(read, fd, n);
    if (fd >= LU_NET_FD_BASE)
        return (int)net_fd_read(fd, buf, n);
    if (fd_in_table(fd)) {
        const struct fd_ops *ops;
        void *obj;
        int r = table_fd(fd, O_RDONLY, &ops, &obj);
        return fail(r < 0 ? r : (int)ops->read(obj, buf, n));
    }
    if (fd != 0)
        return errno = EBADF, -1;
    return fail((int)stdin_read(buf, n)); /* the launcher's stdin (stdin.c) */
}

int close(int fd)
{
    if (fd >= LU_NET_FD_BASE)
        return net_fd_close(fd);
    if (fd_in_table(fd))
        return fail(fd_release(fd));
    return fd >= 0 && fd <= 2 ? 0 : (errno = EBADF, -1);
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int arg = va_arg(ap, int);
    va_end(ap);
    if (fd >= LU_NET_FD_BASE)
        return net_fd_fcntl(fd, cmd, arg);
    if (fd_in_table(fd)) {
        const struct fd_ops *ops;
        void *obj;
        int flags, r = fd_lookup(fd, &ops, &obj, &flags);
        if (r == 0 && cmd == F_GETFL)
            return flags & O_ACCMODE;
        return fail(r < 0 ? r : cmd == F_SETFL || cmd == F_GETFD || cmd == F_SETFD ? 0 : -EINVAL);
    }
    if (fd < 0 || fd > 2)
        return errno = EBADF, -1;
    return cmd == F_GETFL ? O_RDWR : cmd == F_SETFL ? 0 : (errno = EINVAL, -1);
}

int fstat(int fd, struct stat *st)
{
    if (fd >= LU_NET_FD_BASE) {
        *st = (struct stat){.st_mode = S_IFSOCK};
        return 0;
    }
    if (fd_in_table(fd)) {
        const struct fd_ops *ops;
        void *obj;
        int r = fd_lookup(fd, &ops, &obj, NULL);
        return fail(r < 0 ? r : ops->fstat(obj, st));
    }
    if (fd < 0 || fd > 2)
        return errno = EBADF, -1;
    *st = (struct stat){.st_mode = S_IFCHR};
    return 0;
}

/* stdout and stderr are the console; stdin is a terminal when the
 * launcher's is (stdin.c). */
int isatty(int fd) { return fd == 0 ? stdin_isatty() : fd == 1 || fd == 2; }

/* 0 when @fd is open (console, table or socket), else -EBADF. */
static int fd_open(int fd)
{
    const struct fd_ops *ops;
    void *obj;
    if (fd >= 0 && fd <= 2)
        return 0;
    if (fd >= LU_NET_FD_BASE)
        return net_fd_fcntl(fd, F_GETFL, 0) < 0 ? -EBADF : 0;
    return fd_lookup(fd, &ops, &obj, NULL);
}

/* Nothing open today is a file: no data to sync (EINVAL, as Linux says
 * for a terminal or a device), no length to set, and the device nodes sit
 * in a read-only namespace (namespace.c). */
int fsync(int fd)
{
    int r = fd_open(fd);
    return fail(r < 0 ? r : -EINVAL);
}
int fdatasync(int fd) { return fsync(fd); }
int ftruncate(int fd, off_t len)
{
    int r = fd_open(fd);
    return fail(r < 0 ? r : -EINVAL);
}
int fchmod(int fd, mode_t mode)
{
    int r = fd_open(fd);
    return fail(r < 0 ? r : -EROFS);
}
int fchown(int fd, uid_t uid, gid_t gid)
{
    int r = fd_open(fd);
    return fail(r < 0 ? r : -EROFS);
}

/* Devices ignore the offset (Linux's null, zero and urandom answer 0);
 * the console and sockets cannot seek. */
off_t lseek(int fd, off_t off, int whence)
{
    const struct fd_ops *ops;
    void *obj;
    if (fd_in_table(fd))
        return fail(fd_lookup(fd, &ops, &obj, NULL));
    return errno = fd >= 0 && (fd <= 2 || fd >= LU_NET_FD_BASE) ? ESPIPE : EBADF, -1;
}

int getpid(void) { return (int)lu_plat_process_id(); }

void _exit(int status) { kernel_exit(status); }

/* newlib's crt hooks: constructors run through __libc_init_array. */
void _init(void) {}
void _fini(void) {}
