/*
 * target.c: the traced process. Either one that runs already (PID), or
 * one this tool starts (BINARY): forked, held before exec until the probes
 * are attached, so its first event is traced; it ends with the tool.
 *
 * Its memory is read for string arguments while it lives (elfmeta.c reads
 * them from the file after); its exit is seen through a pidfd, which
 * unlike kill(pid, 0) also sees a zombie whose parent has not reaped it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lbt.h"

static void read_line(const char *path, char *buf, size_t len)
{
    buf[0] = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    if (fgets(buf, (int)len, f))
        buf[strcspn(buf, "\n")] = 0;
    fclose(f);
}

int lbt_target_pid(struct lbt_target *t, pid_t pid)
{
    char path[64];
    memset(t, 0, sizeof *t);
    t->pid = pid;
    t->go_fd = -1;
    t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (t->pidfd < 0 && errno == ESRCH) {
        fprintf(stderr, "lucent-bpftrace: no process with pid %d\n", (int)pid);
        return -ESRCH;
    }
    if (t->pidfd < 0 && kill(pid, 0) < 0 && errno == ESRCH) {
        fprintf(stderr, "lucent-bpftrace: no process with pid %d\n", (int)pid);
        return -ESRCH;
    }
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, t->exe, sizeof t->exe - 1);
    if (n < 0) {
        int r = -errno;
        fprintf(stderr, "lucent-bpftrace: cannot read %s: %s%s\n", path, strerror(errno),
                errno == EACCES || errno == EPERM ? " (run as root)" : "");
        return r;
    }
    t->exe[n] = 0;
    /* a replaced or deleted file: its inode is still reachable through /proc */
    if (access(t->exe, R_OK) != 0)
        snprintf(t->exe, sizeof t->exe, "%s", path);
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    read_line(path, t->name, sizeof t->name);
    return 0;
}

int lbt_target_spawn(struct lbt_target *t, const char *path, char **argv)
{
    memset(t, 0, sizeof *t);
    t->pidfd = -1;
    t->child = true;
    if (!realpath(path, t->exe) || access(t->exe, X_OK) != 0) {
        int r = -errno;
        fprintf(stderr, "lucent-bpftrace: %s: %s\n", path, strerror(errno));
        return r;
    }
    const char *base = strrchr(t->exe, '/');
    snprintf(t->name, sizeof t->name, "%.15s", base ? base + 1 : t->exe);
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        char c;
        /* the run ends with the tool, like `bpftrace -c` */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(127);
        execv(t->exe, argv);
        fprintf(stderr, "lucent-bpftrace: exec %s: %s\n", t->exe, strerror(errno));
        _exit(127);
    }
    close(go[0]);
    t->go_fd = go[1];
    t->pid = pid;
    return 0;
}

int lbt_target_release(struct lbt_target *t)
{
    if (t->go_fd < 0)
        return 0;
    int r = write(t->go_fd, "g", 1) == 1 ? 0 : -errno;
    close(t->go_fd);
    t->go_fd = -1;
    return r;
}

bool lbt_target_alive(struct lbt_target *t)
{
    if (t->exited)
        return false;
    if (t->child) {
        if (waitpid(t->pid, &t->status, WNOHANG) == t->pid)
            t->exited = true;
    } else if (t->pidfd >= 0) {
        struct pollfd p = {.fd = t->pidfd, .events = POLLIN};
        if (poll(&p, 1, 0) > 0)
            t->exited = true;
    } else if (kill(t->pid, 0) < 0 && errno == ESRCH) {
        t->exited = true;
    }
    return !t->exited;
}

void lbt_target_stop(struct lbt_target *t)
{
    if (!t->child)
        return;
    lbt_target_release(t);
    if (!lbt_target_alive(t))
        return;
    kill(t->pid, SIGTERM);
    for (int i = 0; i < 200 && lbt_target_alive(t); i++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    if (lbt_target_alive(t)) {
        kill(t->pid, SIGKILL);
        if (waitpid(t->pid, &t->status, 0) == t->pid)
            t->exited = true;
    }
}

int lbt_target_read(struct lbt_target *t, uint64_t addr, void *buf, size_t len)
{
    /* page by page: process_vm_readv stops at the first unmapped page */
    size_t got = 0;
    while (got < len) {
        size_t chunk = 4096 - ((addr + got) & 4095);
        if (chunk > len - got)
            chunk = len - got;
        struct iovec local = {(char *)buf + got, chunk};
        struct iovec remote = {(void *)(uintptr_t)(addr + got), chunk};
        ssize_t n = process_vm_readv(t->pid, &local, 1, &remote, 1, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (memchr((char *)buf + got - (size_t)n, 0, (size_t)n))
            break;
    }
    return got ? (int)got : -EFAULT;
}

int lbt_thread_name(struct lbt_target *t, uint32_t tid, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%u/comm", (int)t->pid, tid);
    read_line(path, buf, len);
    return buf[0] ? 0 : -ENOENT;
}

void lbt_target_find_base(struct lbt_target *t, uint64_t first_load_vaddr)
{
    char path[64], line[4096 + 128], self[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)t->pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    /* the executable's file, as the maps name it */
    snprintf(path, sizeof path, "/proc/%d/exe", (int)t->pid);
    ssize_t n = readlink(path, self, sizeof self - 1);
    self[n > 0 ? n : 0] = 0;
    while (n > 0 && fgets(line, sizeof line, f)) {
        unsigned long lo, off;
        int at = 0;
        if (sscanf(line, "%lx-%*x %*s %lx %*s %*s %n", &lo, &off, &at) < 2 || !at)
            continue;
        char *file = line + at;
        file[strcspn(file, "\n")] = 0;
        if (off == 0 && strncmp(file, self, (size_t)n) == 0) {
            t->base = lo - first_load_vaddr;
            t->base_known = true;
            break;
        }
    }
    fclose(f);
}

int lbt_target_tids(struct lbt_target *t, uint32_t *tids, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)t->pid);
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    int n = 0;
    for (struct dirent *de; n < max && (de = readdir(d));)
        if (de->d_name[0] != '.')
            tids[n++] = (uint32_t)strtoul(de->d_name, NULL, 10);
    closedir(d);
    return n;
}
