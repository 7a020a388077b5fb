/* Threads and CPUs for the hostbuild: Linux tids, names from /proc. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <lucent/plat.h>

static __thread uint32_t my_tid;

uint32_t lu_plat_thread_id(void)
{
    if (!my_tid)
        my_tid = (uint32_t)syscall(SYS_gettid);
    return my_tid;
}

uint32_t lu_plat_process_id(void) { return (uint32_t)getpid(); }

unsigned lu_plat_cpu_id(void)
{
    int c = sched_getcpu();
    return c < 0 ? 0 : (unsigned)c % lu_plat_cpu_count();
}

unsigned lu_plat_cpu_count(void)
{
    static unsigned n;
    if (!n) {
        long c = sysconf(_SC_NPROCESSORS_CONF);
        n = c > 0 ? (unsigned)c : 1;
    }
    return n;
}

uint64_t lu_plat_ram_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    if (!fgets(buf, (int)len, f)) {
        fclose(f);
        return -EIO;
    }
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

int lu_plat_thread_name(uint32_t tid, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%u/comm", tid);
    return read_line(path, buf, len) ? -ESRCH : 0;
}

static const char *state_name(char s)
{
    switch (s) {
    case 'R': return "running";
    case 'S': return "sleeping";
    case 'D': return "blocked";
    case 'T':
    case 't': return "stopped";
    default: return "other";
    }
}

int lu_plat_thread_foreach(int (*fn)(const struct lu_plat_thread_info *, void *), void *arg)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -errno;
    long tick = sysconf(_SC_CLK_TCK);
    struct dirent *e;
    int r = 0;
    while (!r && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        struct lu_plat_thread_info t = {.tid = (uint32_t)atoi(e->d_name)};
        if (lu_plat_thread_name(t.tid, t.name, sizeof t.name))
            continue;
        char path[64], stat[512];
        snprintf(path, sizeof path, "/proc/self/task/%u/stat", t.tid);
        if (read_line(path, stat, sizeof stat) == 0) {
            /* fields after the ")" that ends the name: state is field 3,
             * utime 14, stime 15 */
            char *p = strrchr(stat, ')');
            char st = '?';
            unsigned long ut = 0, stime = 0;
            if (p &&
                sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &st, &ut, &stime) >= 1) {
                snprintf(t.state, sizeof t.state, "%s", state_name(st));
                t.cpu_ns = (uint64_t)(ut + stime) * (1000000000ULL / (uint64_t)tick);
            }
        }
        r = fn(&t, arg);
    }
    closedir(d);
    return r;
}
