/*
 * Names without a filesystem. Until a VFS exists the image's namespace is
 * read-only and holds "/", "/dev" and the device nodes (devices.c); the
 * working directory is "/". Every call that takes a path answers from that
 * namespace with the errno a read-only filesystem holding only those names
 * gives: a missing name is ENOENT (stat, open, unlink, a link's source, a
 * mkdir whose parent is missing); creating or removing one in a directory
 * that exists is EROFS, and so is changing one (chmod, utimes); a name that
 * exists cannot be made again (EEXIST). Directories can be read (readdir).
 * A VFS replaces this file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>
#include "devices.h"
#include "fd.h"

#define DIR_MODE (S_IFDIR | 0755)

/* Reduces @path to an absolute name without "//", "." or ".." in @out
 * (NAME_MAX-sized pieces, PATH_MAX in all): 0, -ENOENT for "" or
 * -ENAMETOOLONG. */
static int canon(const char *path, char *out, size_t size)
{
    if (!path || !*path)
        return -ENOENT;
    size_t len = 0;
    out[0] = '\0';
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *end = p;
        while (*end && *end != '/')
            end++;
        size_t n = (size_t)(end - p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* nothing, or this directory */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (len && out[len - 1] != '/')
                len--;
            if (len)
                len--;
            out[len] = '\0';
        } else {
            if (len + 1 + n + 1 > size)
                return -ENAMETOOLONG;
            out[len++] = '/';
            memcpy(out + len, p, n);
            len += n;
            out[len] = '\0';
        }
        p = end;
    }
    if (!len)
        strcpy(out, "/");
    return 0;
}

/* What @name (canonical) is: 0 and its stat, or -ENOENT. */
static int lookup(const char *name, struct stat *st, const struct dev_node **dev)
{
    *dev = NULL;
    if (!strcmp(name, "/") || !strcmp(name, "/dev")) {
        *st =
            (struct stat){.st_mode = DIR_MODE, .st_ino = name[1] ? 2 : 1, .st_nlink = 2, .st_blksize = 4096};
        return 0;
    }
    if (!strncmp(name, "/dev/", 5) && (*dev = dev_find(name + 5))) {
        dev_stat(*dev, st);
        return 0;
    }
    return -ENOENT;
}

/* The errno for making or removing @path: ENOENT when its directory does
 * not exist (or is not one), else EROFS; EEXIST comes first for making. */
static int change(const char *path, bool make)
{
    char name[256];
    struct stat st;
    const struct dev_node *dev;
    int r = canon(path, name, sizeof name);
    if (r < 0)
        return r;
    if (lookup(name, &st, &dev) == 0)
        return make ? -EEXIST : (S_ISDIR(st.st_mode) && !strcmp(name, "/") ? -EBUSY : -EROFS);
    if (make) {
        *strrchr(name, '/') = '\0';
        if (lookup(name[0] ? name : "/", &st, &dev) < 0 || !S_ISDIR(st.st_mode))
            return -ENOENT;
        return -EROFS;
    }
    return -ENOENT;
}

static int fail(int r) { return r < 0 ? (errno = -r, -1) : r; }

static int stat_path(const char *path, struct stat *st)
{
    char name[256];
    const struct dev_node *dev;
    int r = canon(path, name, sizeof name);
    return r < 0 ? r : lookup(name, st, &dev);
}

int stat(const char *path, struct stat *st) { return fail(stat_path(path, st)); }
int lstat(const char *path, struct stat *st) { return fail(stat_path(path, st)); }

int access(const char *path, int mode)
{
    struct stat st;
    int r = stat_path(path, &st);
    if (r == 0 && (mode & W_OK) && S_ISDIR(st.st_mode))
        r = -EROFS;
    if (r == 0 && (mode & X_OK) && !S_ISDIR(st.st_mode))
        r = -EACCES;
    return fail(r);
}

int open(const char *path, int flags, ...)
{
    char name[256];
    struct stat st;
    const struct dev_node *dev;
    int r = canon(path, name, sizeof name);
    if (r == 0)
        r = lookup(name, &st, &dev);
    if (r == -ENOENT && (flags & O_CREAT))
        r = change(path, true);
    else if (r == 0 && (flags & O_CREAT) && (flags & O_EXCL))
        r = -EEXIST;
    else if (r == 0 && !dev)
        r = (flags & O_ACCMODE) != O_RDONLY ? -EISDIR : -EACCES; /* directories: no readdir until a VFS */
    if (r == 0)
        r = fd_install(dev->ops, (void *)dev, flags);
    return fail(r);
}

/* chmod, chown, utimes: the name must exist; it cannot change. */
static int alter(const char *path)
{
    struct stat st;
    int r = stat_path(path, &st);
    return r < 0 ? r : -EROFS;
}

int chmod(const char *path, mode_t mode) { return fail(alter(path)); }
int chown(const char *path, uid_t uid, gid_t gid) { return fail(alter(path)); }
int utimes(const char *path, const struct timeval *times) { return fail(alter(path)); }
int utime(const char *path, const struct utimbuf *times) { return fail(alter(path)); }

int truncate(const char *path, off_t len)
{
    struct stat st;
    int r = stat_path(path, &st);
    return fail(r < 0 ? r : S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL);
}

/* There are no symbolic links: an existing name is not one (EINVAL). */
ssize_t readlink(const char *path, char *buf, size_t size)
{
    struct stat st;
    int r = stat_path(path, &st);
    return fail(r < 0 ? r : -EINVAL);
}

int symlink(const char *target, const char *path) { return fail(change(path, true)); }

int mkdir(const char *path, mode_t mode) { return fail(change(path, true)); }
int rmdir(const char *path) { return fail(change(path, false)); }
int unlink(const char *path) { return fail(change(path, false)); }

int link(const char *old, const char *new)
{
    struct stat st;
    int r = stat_path(old, &st);
    if (r == 0)
        r = change(new, true);
    return fail(r);
}

/* The working directory stays "/" until a VFS: changing to it works,
 * to /dev is refused rather than ignored, so relative names never mean
 * something other than what the program asked. */
int chdir(const char *path)
{
    char name[256];
    struct stat st;
    const struct dev_node *dev;
    int r = canon(path, name, sizeof name);
    if (r == 0)
        r = lookup(name, &st, &dev);
    if (r == 0 && !S_ISDIR(st.st_mode))
        r = -ENOTDIR;
    if (r == 0 && strcmp(name, "/"))
        r = -EACCES;
    return fail(r);
}

/* A NULL buffer is allocated, as glibc and the BSDs do. */
char *getcwd(char *buf, size_t size)
{
    if (buf && size < 2) {
        errno = size ? ERANGE : EINVAL;
        return NULL;
    }
    if (!buf && !(buf = malloc(size > 2 ? size : 2)))
        return NULL;
    strcpy(buf, "/");
    return buf;
}

/* Directory streams: "." and "..", then the directory's names. */
struct lu_dir {
    bool dev; /* /dev, else / */
    unsigned next;
    struct dirent ent;
};

DIR *opendir(const char *path)
{
    char name[256];
    struct stat st;
    const struct dev_node *dev;
    int r = canon(path, name, sizeof name);
    if (r == 0)
        r = lookup(name, &st, &dev);
    if (r == 0 && !S_ISDIR(st.st_mode))
        r = -ENOTDIR;
    DIR *d = r == 0 ? calloc(1, sizeof *d) : NULL;
    if (r == 0 && !d)
        r = -ENOMEM;
    if (r < 0) {
        errno = -r;
        return NULL;
    }
    d->dev = strcmp(name, "/") != 0;
    return d;
}

struct dirent *readdir(DIR *d)
{
    unsigned i = d->next++;
    const char *name = NULL;
    unsigned char type = DT_DIR;
    ino_t ino = d->dev ? 2 : 1;
    if (i == 0) {
        name = ".";
    } else if (i == 1) {
        name = "..", ino = 1;
    } else if (!d->dev && i == 2) {
        name = "dev", ino = 2;
    } else if (d->dev) {
        const struct dev_node *n = dev_at(i - 2);
        struct stat st;
        if (n) {
            dev_stat(n, &st);
            name = n->name, type = DT_CHR, ino = st.st_ino;
        }
    }
    if (!name)
        return NULL; /* the end, errno untouched */
    d->ent.d_ino = ino;
    d->ent.d_type = type;
    strcpy(d->ent.d_name, name);
    return &d->ent;
}

void rewinddir(DIR *d) { d->next = 0; }

int closedir(DIR *d)
{
    free(d);
    return 0;
}
