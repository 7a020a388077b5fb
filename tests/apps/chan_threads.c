/*
 * chan-threads: several threads write framed messages to one channel at
 * once, with blocking writes, while the main thread reads what the host
 * sends back. The host checks that every message arrives whole (blocking
 * writes do not interleave) and in order per thread.
 *   chan-threads [NAME] [THREADS] [MESSAGES]
 * Each message is "<thread> <seq> " padded with the letter 'a' + thread to
 * 3000 + seq % 5000 bytes, then '\n': most span more than one buffer.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/plat.h>

static struct lu_chan *ch;
static int messages;

static void *writer(void *arg)
{
    int t = (int)(intptr_t)arg;
    char *msg = malloc(8192);
    if (!msg)
        return (void *)1;
    for (int i = 0; i < messages; i++) {
        int n = snprintf(msg, 8192, "%d %d ", t, i);
        int len = 3000 + i % 5000;
        memset(msg + n, 'a' + t, (size_t)(len - n));
        msg[len] = '\n';
        if (lu_chan_write(ch, msg, (size_t)len + 1, 0) != len + 1) {
            printf("chan-threads: thread %d: write %d failed\n", t, i);
            free(msg);
            return (void *)1;
        }
    }
    free(msg);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "lucent.test";
    int threads = argc > 2 ? atoi(argv[2]) : 4;
    messages = argc > 3 ? atoi(argv[3]) : 200;
    ch = lu_chan_open(name);
    if (!ch) {
        printf("chan-threads: no channel %s\n", name);
        return 3;
    }
    lu_chan_wait(ch, LU_CHAN_WRITABLE, -1);
    pthread_t tid[16];
    if (threads > 16)
        threads = 16;
    for (int t = 0; t < threads; t++)
        pthread_create(&tid[t], NULL, writer, (void *)(intptr_t)t);
    int bad = 0;
    for (int t = 0; t < threads; t++) {
        void *r;
        pthread_join(tid[t], &r);
        bad |= r != NULL;
    }
    /* The host says it has everything by sending one byte. */
    char c;
    ssize_t n = lu_chan_read(ch, &c, 1, 0);
    printf("chan-threads: %d threads x %d messages written, host %s\n", threads, messages,
           n == 1 ? "confirmed" : "left");
    return bad || n != 1;
}
