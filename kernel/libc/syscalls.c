/*
 * newlib's system-call layer (built with --disable-newlib-supplied-syscalls,
 * so these names carry no underscore). File descriptors 0-2 are the
 * console; sockets are LU_NET_FD_BASE (16) and up (kernel/net); there is no
 * filesystem, so every other descriptor is EBADF.
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

/* A slice per read and write, on the calling thread (category "syscall"). */
LU_TRACE_SLICE(write, "syscall", (int, fd), (size_t, len));
LU_TRACE_SLICE(read, "syscall", (int, fd), (size_t, len));

/* Weak: an image whose app uses no sockets links no kernel/net (a plain
 * archive), so kernel/net/socket_api.c is not there to define these. */
__attribute__((weak)) ssize_t net_fd_read(int fd, void *buf, size_t n) { return errno = EBADF, -1; }
__attribute__((weak)) ssize_t net_fd_write(int fd, const void *buf, size_t n) { return errno = EBADF, -1; }
__attribute__((weak)) int net_fd_close(int fd) { return errno = EBADF, -1; }
__attribute__((weak)) int net_fd_fcntl(int fd, int cmd, int arg) { return errno = EBADF, -1; }

int write(int fd, const void *buf, size_t n)
{
    LU_TRACE_SCOPED(write, fd, n);
    if (fd >= LU_NET_FD_BASE)
        return (int)net_fd_write(fd, buf, n);
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
    if (fd != 0)
        return errno = EBADF, -1;
    /* The console has no input line discipline yet: report end of file. */
    (void)buf;
    (void)n;
    return 0;
}

int close(int fd)
{
    if (fd >= LU_NET_FD_BASE)
        return net_fd_close(fd);
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
    if (fd < 0 || fd > 2)
        return errno = EBADF, -1;
    *st = (struct stat){.st_mode = S_IFCHR};
    return 0;
}

int isatty(int fd) { return fd >= 0 && fd <= 2; }

off_t lseek(int fd, off_t off, int whence) { return errno = ESPIPE, -1; }

int open(const char *path, int flags, ...) { return errno = ENOENT, -1; }

int getpid(void) { return (int)lu_plat_process_id(); }

int kill(int pid, int sig)
{
    if (pid != getpid())
        return errno = ESRCH, -1;
    if (sig == SIGABRT)
        LU_PANIC("abort() called");
    kernel_exit(128 + sig);
}

void _exit(int status) { kernel_exit(status); }

/* newlib's crt hooks: constructors run through __libc_init_array. */
void _init(void) {}
void _fini(void) {}
