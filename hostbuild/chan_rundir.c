/*
 * The run directory and the listening sockets in it (see chan_unix.h).
 *
 * Host tools find a program's channels at <run dir>/<name>.sock, the same
 * paths the launcher gives QEMU's chardevs for an image, so a tool cannot
 * tell the builds apart. The directory is private (0700): anyone who can
 * connect can read the trace and drive the gdb stub.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <lucent/plat.h>
#include "chan_unix.h"

static pthread_once_t dir_once = PTHREAD_ONCE_INIT;
static char dir_path[PATH_MAX];
static int dir_err;
static pid_t dir_made; /* the process that created the leaf removes it at exit */

/* Socket files to unlink at exit. Appended under sock_lock, read at exit
 * without it: entries are published with a release store and never freed. */
struct sock_file {
    struct sock_file *next;
    pid_t owner;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};
static struct sock_file *sock_files;
static pthread_mutex_t sock_lock = PTHREAD_MUTEX_INITIALIZER;

/* Runs in every process that inherited the handler, so a forked child
 * that exits leaves its parent's sockets alone and removes only its own. */
static void cleanup(void)
{
    pid_t me = getpid();
    for (struct sock_file *s = __atomic_load_n(&sock_files, __ATOMIC_ACQUIRE); s; s = s->next)
        if (s->owner == me)
            unlink(s->path);
    /* Only when we made it, and only if empty: another tool may have put
     * files there (the launcher owns a LUCENT_RUN_DIR and cleans it). */
    if (dir_made == me)
        rmdir(dir_path);
}

/* mkdir 0700. An existing directory must be ours, or another user could
 * pre-create /tmp/lucent-$UID and watch our sockets; if it is ours but open
 * to others (older launchers made parents 0755), it is closed. Returns 1
 * when it created @p, 0 when it was there, or -errno. */
static int make_private_dir(const char *p, int must_be_private)
{
    if (mkdir(p, 0700) == 0)
        return 1;
    if (errno != EEXIST)
        return -errno;
    struct stat st;
    if (lstat(p, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    if (must_be_private && st.st_uid != getuid())
        return -EPERM;
    if (must_be_private && (st.st_mode & 077) && chmod(p, 0700) < 0)
        return -errno;
    return 0;
}

/* mkdir -p for a directory the user named (LUCENT_RUN_DIR, made 0700 by the
 * launcher): what they chose is their business, so only the ones we create
 * are made private. Each socket is still only connectable by its owner
 * (connect needs write permission, which the umask normally withholds). */
static int make_dirs(char *p)
{
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        int r = mkdir(p, 0700) < 0 && errno != EEXIST ? -errno : 0;
        *s = '/';
        if (r)
            return r;
    }
    return make_private_dir(p, 0);
}

/* Formats into dir_path; the arguments may be dir_path itself. */
static int set_dir(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int set_dir(const char *fmt, ...)
{
    char tmp[sizeof dir_path];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return -ENAMETOOLONG;
    memcpy(dir_path, tmp, (size_t)n + 1);
    return 0;
}

static int resolve_dir(void)
{
    int r;
    const char *given = lu_plat_getopt("run_dir");
    if (given && *given) {
        if ((r = set_dir("%s", given)))
            return r;
        for (size_t n = strlen(dir_path); n > 1 && dir_path[n - 1] == '/'; n--)
            dir_path[n - 1] = '\0';
        r = make_dirs(dir_path);
        return r < 0 ? r : 0;
    }
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && *xdg) {
        r = set_dir("%s/lucent", xdg);
    } else {
        r = set_dir("/tmp/lucent-%u", (unsigned)getuid());
        if (r >= 0)
            r = make_private_dir(dir_path, 1);
        if (r >= 0)
            r = set_dir("%s/lucent", dir_path);
    }
    if (r >= 0)
        r = make_private_dir(dir_path, 1);
    if (r >= 0)
        r = set_dir("%s/%s-%u", dir_path, lu_plat_program_name(), (unsigned)getpid());
    if (r >= 0) {
        r = make_private_dir(dir_path, 1);
        dir_made = r == 1 ? getpid() : 0;
    }
    return r < 0 ? r : 0;
}

static void init_dir(void)
{
    dir_err = resolve_dir();
    if (!dir_err)
        atexit(cleanup);
}

const char *chan_run_dir(int *err)
{
    pthread_once(&dir_once, init_dir);
    *err = dir_err;
    return dir_err ? NULL : dir_path;
}

/* True when something accepts connections at @addr: a live owner. */
static int someone_listens(const struct sockaddr_un *addr)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 1; /* cannot tell: leave the file alone */
    int r = connect(fd, (const struct sockaddr *)addr, sizeof *addr);
    int e = errno;
    close(fd);
    return r == 0 || e != ECONNREFUSED;
}

int chan_listen(const char *dir, const char *name, char *path, size_t len)
{
    struct sock_file *sf = calloc(1, sizeof *sf);
    if (!sf)
        return -ENOMEM;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int n = snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%s.sock", dir, name);
    if (n < 0 || (size_t)n >= sizeof addr.sun_path || (size_t)n >= len) {
        free(sf);
        return -ENAMETOOLONG;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        free(sf);
        return -errno;
    }
    int r = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    if (r < 0 && errno == EADDRINUSE && !someone_listens(&addr)) {
        unlink(addr.sun_path); /* left by a process that died without cleaning up */
        r = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    }
    /* A small backlog: peers beyond the first wait there until it leaves. */
    if (r < 0 || listen(fd, 8) < 0) {
        r = -errno;
        close(fd);
        free(sf);
        return r;
    }
    memcpy(sf->path, addr.sun_path, sizeof sf->path);
    sf->owner = getpid();
    memcpy(path, addr.sun_path, (size_t)n + 1);
    pthread_mutex_lock(&sock_lock);
    sf->next = sock_files;
    __atomic_store_n(&sock_files, sf, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&sock_lock);
    return fd;
}
