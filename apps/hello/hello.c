/*
 * hello: the smallest complete Lucent app. It prints, allocates, reads the
 * clock and exits with a chosen code, and it is the same source in both
 * builds.
 *   hello [EXIT_CODE] [--crash]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* noinline so the crash test can find this name in the backtrace. */
__attribute__((noinline)) static void crash_on_null(volatile int *p) { *p = 42; }

int main(int argc, char **argv)
{
    int code = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--crash") == 0)
            crash_on_null(NULL);
        else
            code = atoi(argv[i]);
    }
    printf("hello from lucent\n");

    size_t n = 1 << 20;
    char *buf = malloc(n);
    if (!buf) {
        perror("malloc");
        return 1;
    }
    memset(buf, 'x', n);
    printf("allocated %zu bytes: %s\n", n, buf[n - 1] == 'x' ? "ok" : "corrupt");
    free(buf);

    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("monotonic clock: %s\n",
           (b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec)) ? "ok" : "backwards");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("wall clock: %s\n", now.tv_sec > 1600000000 ? "ok" : "unset");
    printf("exiting with %d\n", code);
    return code;
}
