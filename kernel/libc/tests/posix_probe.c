/* Calls the image does not support, and faults on purpose, for
 * test_posix.py:
 *   posix-probe fork        fork() twice; prints each result and errno,
 *                           then lucent_unsupported_calls_total's lines
 *   posix-probe prot-none   touches a page mprotect made PROT_NONE
 *   posix-probe read-only   writes to a page mprotect made read-only
 *   posix-probe urandom     reads /dev/urandom, then prints the virtio
 *                           queue operations (the rng device's, if any)
 *   posix-probe link-all    references every hook newlib's libc.a wants,
 *                           then jumps with _setjmp/_longjmp
 * Reaching the line after a fault means protection is missing, and the
 * program says so. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>
#include <lucent/metrics.h>

static int print_metric(const char *family)
{
    char *text;
    size_t len;
    if (lu_metrics_render(LU_METRICS_PROMETHEUS, &text, &len) < 0)
        return 1;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (!strncmp(line, family, strlen(family)))
            printf("metric: %s\n", line);
    free(text);
    return 0;
}

static int fork_twice(void)
{
    for (int i = 0; i < 2; i++) {
        errno = 0;
        pid_t p = fork();
        if (p == 0)
            _exit(0);
        int e = errno;
        if (p > 0)
            waitpid(p, NULL, 0);
        printf("fork %d: %s errno=%s\n", i + 1, p < 0 ? "-1" : "child", p < 0 ? strerror(e) : "0");
    }
    fflush(stdout);
    return print_metric("lucent_unsupported_calls_total");
}

/* BSD's _setjmp/_longjmp, which Lua picks on POSIX systems, and the stdio
 * locks its io library takes. */
static int jumps(void)
{
    static jmp_buf env;
    volatile int n = 0;
    if (_setjmp(env) < 3) {
        n++;
        _longjmp(env, n);
    }
    flockfile(stdout);
    printf("jumped %d times\n", n);
    funlockfile(stdout);
    return n == 3 ? 0 : 1;
}

static volatile char *protected_page(int prot)
{
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p, (size_t)page, prot) < 0) {
        perror("mmap/mprotect");
        exit(2);
    }
    printf("protected %p\n", (void *)p);
    fflush(stdout);
    return p;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "fork"))
        return fork_twice();
    if (!strcmp(mode, "urandom")) {
        static unsigned char buf[4096];
        int fd = open("/dev/urandom", O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
        int zero = 0;
        for (size_t i = 0; i < sizeof buf; i++)
            zero += buf[i] == 0;
        printf("read %zd bytes, %d zero\n", n, zero);
        fflush(stdout);
        return print_metric("lucent_virtio_queue_operations_total");
    }
    if (!strcmp(mode, "prot-none")) {
        volatile char *p = protected_page(PROT_NONE);
        printf("read %d\n", p[0]);
    } else if (!strcmp(mode, "read-only")) {
        volatile char *p = protected_page(PROT_READ);
        p[0] = 1;
    } else if (!strcmp(mode, "link-all")) {
        /* the hooks newlib's own functions reach (system, remove, clock ...) */
        struct stat st;
        struct tms t;
        int s;
        printf("%d %d %d %d %d %d %d %d %ld\n", execve("/x", argv, NULL), link("/a", "/b"), mkdir("/x", 0777),
               stat("/x", &st), unlink("/x"), wait(&s), system("true"), remove("/x"), (long)times(&t));
        return jumps();
    } else {
        fprintf(stderr, "usage: posix-probe fork|urandom|prot-none|read-only|link-all\n");
        return 2;
    }
    printf("PROTECTION MISSING: %s did not fault\n", mode);
    return 1;
}
