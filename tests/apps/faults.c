/* Faults on purpose, for the image's memory-protection tests:
 *   faults stack-overflow   unbounded recursion in a thread named "deep-thread"
 *   faults write-text       a store into this program's own code
 *   faults exec-heap        a call into freshly written heap memory
 *   faults smash            overruns a stack buffer (the stack protector)
 *   faults sleep            prints how long usleep(200000) took, in ms
 * Each fault must end the run with a report; reaching the line after the
 * fault means protection is missing, and the program says so. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) static int recurse(volatile char *prev, int depth)
{
    volatile char frame[512];
    frame[0] = (char)depth;
    if (prev)
        frame[1] = prev[0];
    return recurse(frame, depth + 1) + frame[0];
}

static void *deep(void *arg)
{
    pthread_setname_np(pthread_self(), "deep-thread");
    return (void *)(long)recurse(NULL, 0);
}

__attribute__((noinline)) static void smash(const char *src, size_t n)
{
    char buf[16];
    memcpy(buf, src, n); /* overruns buf: the canary must catch it */
    __asm__ volatile("" ::"r"(buf) : "memory");
}

__attribute__((noinline, used)) int victim(int x) { return x + 1; }

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "stack-overflow")) {
        pthread_t t;
        pthread_create(&t, NULL, deep, NULL);
        pthread_join(t, NULL);
    } else if (!strcmp(mode, "write-text")) {
        volatile unsigned char *code = (unsigned char *)(void *)victim;
        code[0] = 0xc3;
    } else if (!strcmp(mode, "exec-heap")) {
        unsigned char *buf = malloc(64);
        memset(buf, 0xc3, 64); /* ret */
        ((void (*)(void))(void *)buf)();
    } else if (!strcmp(mode, "smash")) {
        char big[64];
        memset(big, 'A', sizeof big);
        smash(big, sizeof big);
    } else if (!strcmp(mode, "sleep")) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        usleep(200000);
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("slept %ld ms\n", (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
        return 0;
    } else {
        fprintf(stderr, "usage: faults stack-overflow|write-text|exec-heap|sleep\n");
        return 2;
    }
    printf("PROTECTION MISSING: %s did not fault\n", mode);
    return 1;
}
