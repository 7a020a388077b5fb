/*
 * Prints the monotonic and real-time clocks, waits for a line on stdin, and
 * prints them again: tests/integration/test_clock.py compares the elapsed
 * time with what the host saw between the two lines.
 */
#include <stdio.h>
#include <time.h>

static void report(const char *tag)
{
    struct timespec mono, real;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &real);
    printf("%s %lld.%09ld %lld.%09ld\n", tag, (long long)mono.tv_sec, mono.tv_nsec, (long long)real.tv_sec,
           real.tv_nsec);
    fflush(stdout);
}

int main(void)
{
    char line[64];
    report("t0");
    if (!fgets(line, sizeof line, stdin))
        return 1;
    report("t1");
    return 0;
}
