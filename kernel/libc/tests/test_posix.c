/* The POSIX surface programs link against, in both builds: where the
 * builds differ by design, expect.h says how. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <lucent/plat.h>
#include <lucent/test.h>
#include "expect.h"

#define CHECK_FAILS(call, err)                                                                               \
    do {                                                                                                     \
        errno = 0;                                                                                           \
        LU_CHECK_EQ((long)(call), -1);                                                                       \
        LU_CHECK_EQ(errno, err);                                                                             \
    } while (0)

LU_TEST(posix_fork_exec_wait)
{
    errno = 0;
    pid_t p = fork();
    if (p == 0)
        _exit(7);
    if (expect.processes) {
        int status = 0;
        LU_CHECK(p > 0);
        LU_CHECK_EQ(waitpid(p, &status, 0), p);
        LU_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
        LU_CHECK(system(NULL) != 0);
    } else {
        LU_CHECK_EQ(p, -1);
        LU_CHECK_EQ(errno, ENOSYS);
        char *argv[] = {"true", NULL};
        CHECK_FAILS(execve("/bin/true", argv, NULL), ENOSYS);
        LU_CHECK_EQ(system(NULL), 0); /* no shell */
        CHECK_FAILS(system("true"), ENOSYS);
        LU_CHECK_EQ(getppid(), 0);
        LU_CHECK_EQ(getuid(), 0);
    }
    /* no child left to wait for, in either build */
    CHECK_FAILS(wait(NULL), ECHILD);
    CHECK_FAILS(waitpid(-1, NULL, WNOHANG), ECHILD);
    LU_CHECK_EQ(geteuid(), getuid());
    LU_CHECK_EQ(getegid(), getgid());
}

LU_TEST(posix_names_without_files)
{
    struct stat st;
    CHECK_FAILS(stat("/lucent-no-such/file", &st), ENOENT);
    CHECK_FAILS(mkdir("/lucent-no-such/dir", 0777), ENOENT);
    CHECK_FAILS(unlink("/lucent-no-such"), ENOENT);
    CHECK_FAILS(link("/lucent-no-such", "/lucent-no-such-2"), ENOENT);
    CHECK_FAILS(open("/lucent-no-such", O_RDONLY), ENOENT);
    CHECK_FAILS(mkdir("/dev", 0777), EEXIST);
    CHECK_FAILS(rmdir("/lucent-no-such"), ENOENT);
    CHECK_FAILS(chmod("/lucent-no-such", 0644), ENOENT);
    CHECK_FAILS(symlink("/dev/null", "/lucent-no-such/link"), ENOENT);
    char target[64];
    CHECK_FAILS(readlink("/dev/null", target, sizeof target), EINVAL); /* not a link */
    CHECK_FAILS(readlink("/lucent-no-such", target, sizeof target), ENOENT);
    LU_CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode));
    LU_CHECK(stat("/dev/../dev//null", &st) == 0 && S_ISCHR(st.st_mode));
    if (!expect.writable_root) {
        CHECK_FAILS(mkdir("/lucent-new", 0777), EROFS);
        CHECK_FAILS(open("/lucent-new", O_WRONLY | O_CREAT, 0666), EROFS);
        CHECK_FAILS(unlink("/dev/null"), EROFS);
        CHECK_FAILS(chdir("/dev"), EACCES); /* the working directory stays / */
        char cwd[8];
        LU_CHECK(getcwd(cwd, sizeof cwd) && !strcmp(cwd, "/"));
    }
}

LU_TEST(posix_readdir_dev)
{
    DIR *d = opendir("/dev");
    LU_CHECK(d != NULL);
    if (!d)
        return;
    int seen = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, "null") || !strcmp(e->d_name, "zero") || !strcmp(e->d_name, "urandom"))
            seen++;
    }
    LU_CHECK_EQ(seen, 3);
    LU_CHECK_EQ(closedir(d), 0);
    errno = 0;
    LU_CHECK(opendir("/lucent-no-such") == NULL && errno == ENOENT);
    LU_CHECK(opendir("/dev/null") == NULL && errno == ENOTDIR);
}

LU_TEST(posix_root_user)
{
    struct passwd *pw = getpwuid(getuid());
    LU_CHECK(pw != NULL && pw->pw_dir != NULL && pw->pw_uid == getuid());
}

static void check_chr(int fd, unsigned major, unsigned minor)
{
    struct stat st;
    LU_CHECK_EQ(fstat(fd, &st), 0);
    LU_CHECK(S_ISCHR(st.st_mode));
    LU_CHECK_EQ(st.st_rdev, (major << 8) | minor); /* Linux's encoding of small numbers */
}

LU_TEST(posix_dev_null_zero)
{
    char buf[64];
    int fd = open("/dev/null", O_RDWR);
    LU_CHECK(fd >= 3);
    LU_CHECK_EQ(read(fd, buf, sizeof buf), 0);
    LU_CHECK_EQ(write(fd, "abc", 3), 3);
    check_chr(fd, 1, 3);
    CHECK_FAILS(fsync(fd), EINVAL);        /* a device: nothing to sync */
    CHECK_FAILS(ftruncate(fd, 0), EINVAL); /* not a file */
    LU_CHECK_EQ(close(fd), 0);
    CHECK_FAILS(fsync(fd), EBADF);
    CHECK_FAILS(read(fd, buf, 1), EBADF);
    CHECK_FAILS(close(fd), EBADF);

    fd = open("/dev/zero", O_RDONLY);
    LU_CHECK(fd >= 3);
    memset(buf, 0x5a, sizeof buf);
    LU_CHECK_EQ(read(fd, buf, sizeof buf), (long)sizeof buf);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof buf; i++)
        nonzero += buf[i] != 0;
    LU_CHECK_EQ(nonzero, 0);
    check_chr(fd, 1, 5);
    CHECK_FAILS(write(fd, "x", 1), EBADF); /* opened read-only */
    LU_CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
    close(fd);
}

LU_TEST(posix_dev_urandom)
{
    unsigned char a[64], b[64];
    int fd = open("/dev/urandom", O_RDONLY);
    LU_CHECK(fd >= 3);
    LU_CHECK_EQ(read(fd, a, sizeof a), (long)sizeof a);
    LU_CHECK_EQ(read(fd, b, sizeof b), (long)sizeof b);
    LU_CHECK(memcmp(a, b, sizeof a) != 0);
    int zero = 0;
    for (size_t i = 0; i < sizeof a; i++)
        zero += a[i] == 0;
    LU_CHECK(zero < 16); /* 64 random bytes hold ~0.25 zeros */
    check_chr(fd, 1, 9);
    close(fd);
    /* a large read spans many of the source's chunks */
    static unsigned char big[5000];
    fd = open("/dev/random", O_RDONLY);
    LU_CHECK_EQ(read(fd, big, sizeof big), (long)sizeof big);
    LU_CHECK(memcmp(big + 4096, a, 32) != 0);
    check_chr(fd, 1, 8);
    close(fd);
}

static uint64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

LU_TEST(posix_cpu_time_advances_with_work_only)
{
    struct tms t0, t1;
    clock_t c0 = clock();
    uint64_t r0 = cpu_us();
    times(&t0);
    uint64_t end = lu_plat_now_ns() + 300000000ULL; /* 0.3 s of busy loop */
    volatile unsigned x = 0;
    while (lu_plat_now_ns() < end)
        x++;
    clock_t c1 = clock();
    uint64_t r1 = cpu_us();
    times(&t1);
    /* On a loaded machine the loop gets part of the CPU: at least 20 ms of
     * the 300 counts as ours, and never more than the wall time. */
    double clock_s = (double)(c1 - c0) / CLOCKS_PER_SEC;
    LU_CHECK(clock_s > 0.02 && clock_s < 0.6);
    LU_CHECK(r1 - r0 > 20000 && r1 - r0 < 600000);
    LU_CHECK(t1.tms_utime + t1.tms_stime > t0.tms_utime + t0.tms_stime);
    LU_CHECK(sysconf(_SC_CLK_TCK) > 0);

    /* sleeping is not CPU time */
    r0 = cpu_us();
    usleep(200000);
    r1 = cpu_us();
    LU_CHECK(r1 - r0 < 100000);
}

LU_TEST(posix_sysinfo)
{
    struct utsname u;
    LU_CHECK_EQ(uname(&u), 0);
    LU_CHECK(!strcmp(u.sysname, expect.sysname));
    LU_CHECK(!strcmp(u.machine, "x86_64"));
    LU_CHECK(u.release[0] != '\0');
    LU_CHECK_EQ(sysconf(_SC_PAGESIZE), getpagesize());
    LU_CHECK_EQ(getpagesize(), 4096);
    LU_CHECK_EQ(sysconf(_SC_NPROCESSORS_ONLN), (long)lu_plat_cpu_count());
    LU_CHECK(sysconf(_SC_NPROCESSORS_CONF) >= sysconf(_SC_NPROCESSORS_ONLN));
    LU_CHECK(sysconf(_SC_OPEN_MAX) >= 16);
    long pages = sysconf(_SC_PHYS_PAGES);
    uint64_t ram = lu_plat_ram_bytes();
    LU_CHECK(pages > 0 && (uint64_t)pages * 4096 <= ram + ram / 8 && (uint64_t)pages * 4096 >= ram - ram / 8);
    CHECK_FAILS(sysconf(-1), EINVAL);
}

LU_TEST(posix_rlimits)
{
    struct rlimit r, s;
    LU_CHECK_EQ(getrlimit(RLIMIT_STACK, &r), 0);
    LU_CHECK(r.rlim_cur >= 16384);
    LU_CHECK_EQ(getrlimit(RLIMIT_NOFILE, &r), 0);
    LU_CHECK(r.rlim_cur >= 16 && r.rlim_cur <= r.rlim_max);
    s = r;
    s.rlim_cur = 20;
    LU_CHECK_EQ(setrlimit(RLIMIT_NOFILE, &s), 0);
    LU_CHECK(getrlimit(RLIMIT_NOFILE, &s) == 0 && s.rlim_cur == 20);
    LU_CHECK_EQ(setrlimit(RLIMIT_NOFILE, &r), 0); /* back up to the hard limit */
    s = (struct rlimit){r.rlim_max, r.rlim_max - 1};
    CHECK_FAILS(setrlimit(RLIMIT_NOFILE, &s), EINVAL); /* soft above hard */
    CHECK_FAILS(getrlimit(-1, &s), EINVAL);
    if (expect.hard_limit_is_machine) {
        LU_CHECK_EQ(getrlimit(RLIMIT_AS, &r), 0);
        LU_CHECK_EQ(r.rlim_max, lu_plat_ram_bytes());
        s = (struct rlimit){r.rlim_max + 4096, r.rlim_max + 4096};
        CHECK_FAILS(setrlimit(RLIMIT_AS, &s), EPERM);
    }
}

LU_TEST(posix_mmap_anonymous)
{
    size_t pg = 4096;
    unsigned char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    LU_CHECK(p != MAP_FAILED);
    if (p == MAP_FAILED)
        return;
    LU_CHECK_EQ((uintptr_t)p % pg, 0);
    int nonzero = 0;
    for (size_t i = 0; i < 3 * pg; i++)
        nonzero += p[i] != 0;
    LU_CHECK_EQ(nonzero, 0);
    memset(p, 0xab, 3 * pg);
    LU_CHECK_EQ(mprotect(p, pg, PROT_READ), 0);
    LU_CHECK_EQ(p[10], 0xab); /* still readable */
    LU_CHECK_EQ(munmap(p + pg, pg), 0);
    CHECK_FAILS(mprotect(p, 3 * pg, PROT_READ), ENOMEM); /* the hole */
    LU_CHECK_EQ(mprotect(p + 2 * pg, pg, PROT_READ | PROT_WRITE), 0);
    p[2 * pg] = 1;
    LU_CHECK_EQ(munmap(p, 3 * pg), 0); /* the hole is no error */
    CHECK_FAILS(munmap(p + 1, pg), EINVAL);
    CHECK_FAILS(munmap(p, 0), EINVAL);
    LU_CHECK_EQ(mprotect(p, 0, PROT_READ), 0);
    CHECK_FAILS(mprotect(p + 1, pg, PROT_READ), EINVAL);
    CHECK_FAILS(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    CHECK_FAILS(mmap(NULL, pg, PROT_READ, MAP_PRIVATE, -1, 0), EBADF);
    void *wx = mmap(NULL, pg, PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (expect.wx_mappings) {
        LU_CHECK(wx != MAP_FAILED);
        munmap(wx, pg);
    } else {
        LU_CHECK(wx == MAP_FAILED && errno == EACCES);
    }
    /* growing moves and keeps the contents; shrinking stays */
    unsigned char *m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[100] = 42;
    CHECK_FAILS(mremap(m, pg, 4 * pg, 0), ENOMEM);
    unsigned char *g = mremap(m, pg, 4 * pg, MREMAP_MAYMOVE);
    LU_CHECK(g != MAP_FAILED && g[100] == 42 && g[3 * pg] == 0);
    LU_CHECK(mremap(g, 4 * pg, 2 * pg, 0) == g);
    LU_CHECK_EQ(munmap(g, 2 * pg), 0);
    /* a big one, and its pages come back for the next */
    unsigned char *big = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    LU_CHECK(big != MAP_FAILED);
    big[(1 << 20) - 1] = 1;
    LU_CHECK_EQ(munmap(big, 1 << 20), 0);
}

LU_TEST(posix_dlopen_fails_with_reason)
{
    dlerror();
    LU_CHECK(dlopen("liblucent-no-such-module.so", RTLD_NOW) == NULL);
    const char *e = dlerror();
    LU_CHECK(e != NULL && e[0] != '\0');
    LU_CHECK(dlerror() == NULL); /* reported once */
}
