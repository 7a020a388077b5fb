/*
 * newlib's system-call layer (built with --disable-newlib-supplied-syscalls,
 * so these names carry no underscore). File descriptors 0-2 are the
 * console; there is no filesystem, so every other descriptor is EBADF.
 */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include "../kernel.h"

int write(int fd, const void *buf, size_t n)
{
    if (fd != 1 && fd != 2)
        return errno = EBADF, -1;
    console_write(buf, n);
    return (int)n;
}

int read(int fd, void *buf, size_t n)
{
    if (fd != 0)
        return errno = EBADF, -1;
    /* The console has no input line discipline yet: report end of file. */
    (void)buf;
    (void)n;
    return 0;
}

int close(int fd) { return fd >= 0 && fd <= 2 ? 0 : (errno = EBADF, -1); }

int fstat(int fd, struct stat *st)
{
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
