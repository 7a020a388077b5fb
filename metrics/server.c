/*
 * The lucent.metrics server: one thread that reads requests from the
 * channel and writes replies, forever. A peer that leaves, or sends
 * garbage, costs it nothing but an error reply; the next peer starts clean
 * when it opens a session (protocol.c), which the bridge always does, even
 * where the channel cannot tell the server that the last peer left.
 *
 * Threads come from pthreads, which both builds have (glibc; the image's
 * kernel/libc/pthread.c).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

LU_COUNTER_VEC(requests, "lucent_metrics_requests_total",
               "Requests answered on the lucent.metrics channel, by result.", 4, LU_LABEL_NAMES("result"));
LU_COUNTER(peers, "lucent_metrics_peers_total", "Host peers that connected to lucent.metrics.");

static int start_state; /* 0: not tried; else the result, stored once */
static const char *status_text = "not started";

struct serve_ctx {
    const struct lu_metrics_io *io;
    uint64_t replied_ok, replied_err;
};

static int write_all(const struct lu_metrics_io *io, const char *p, size_t n)
{
    while (n) {
        ssize_t w = io->write(io->ctx, p, n);
        if (w == -EINTR || w == -EAGAIN)
            continue;
        if (w < 0)
            return (int)w;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int reply(void *arg, const char *hdr, size_t hlen, const char *body, size_t blen)
{
    struct serve_ctx *s = arg;
    /* "ok ...", "err ..." or a session ack (SOH ...), which is an ok */
    lu_counter_inc(lu_counter_vec_at(&requests, LU_VALUES(hdr[0] == 'e' ? "error" : "ok")));
    int r = write_all(s->io, hdr, hlen);
    return r ? r : write_all(s->io, body, blen);
}

int lu_metrics_serve(const struct lu_metrics_io *io)
{
    struct lu_metrics_conn conn = {0};
    struct serve_ctx s = {.io = io};
    char buf[512];
    bool connected = false;
    for (;;) {
        ssize_t n = io->read(io->ctx, buf, sizeof buf);
        if (n == -EPIPE || n == 0) {
            /* the peer left: forget its half line, wait for the next */
            lu_metrics_conn_reset(&conn);
            connected = false;
            continue;
        }
        if (n == -EINTR || n == -EAGAIN)
            continue;
        if (n < 0)
            return (int)n;
        if (!connected) {
            connected = true;
            lu_counter_inc(&peers);
        }
        if (lu_metrics_conn_feed(&conn, buf, (size_t)n, reply, &s))
            lu_metrics_conn_reset(&conn); /* a reply failed: the peer is gone */
    }
}

static void *server_main(void *arg)
{
    /* the app's signals are for the app's threads to take, not this helper */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    lu_metrics_serve(arg);
    return NULL;
}

static int claimed; /* one starter wins; the others report its result */

int lu_metrics_server_start_io(const struct lu_metrics_io *io, const char *what)
{
    int r = __atomic_load_n(&start_state, __ATOMIC_ACQUIRE);
    if (r)
        return r > 0 ? 0 : r;
    if (__atomic_exchange_n(&claimed, 1, __ATOMIC_ACQ_REL)) {
        while (!(r = __atomic_load_n(&start_state, __ATOMIC_ACQUIRE)))
            __asm__ volatile("pause");
        return r > 0 ? 0 : r;
    }
    pthread_t t;
    int e = pthread_create(&t, NULL, server_main, (void *)io);
    if (e) {
        r = -e;
        status_text = "could not start the server thread";
    } else {
        pthread_detach(t);
        r = 1;
        status_text = what;
    }
    __atomic_store_n(&start_state, r, __ATOMIC_RELEASE);
    return r > 0 ? 0 : r;
}

/* lu_chan as a server transport. The contract says a reader sees -EPIPE
 * once per departure and then blocks; should a platform repeat it, waiting
 * for the channel keeps this thread from spinning. */
static ssize_t chan_read(void *ch, void *buf, size_t len)
{
    static bool last_was_epipe;
    if (last_was_epipe)
        lu_chan_wait(ch, LU_CHAN_READABLE, 100000000);
    ssize_t n = lu_chan_read(ch, buf, len, 0);
    last_was_epipe = n == -EPIPE;
    return n;
}
static ssize_t chan_write(void *ch, const void *buf, size_t len) { return lu_chan_write(ch, buf, len, 0); }

int lu_metrics_server_start(void)
{
    static struct lu_metrics_io io = {chan_read, chan_write, NULL};
    int r = __atomic_load_n(&start_state, __ATOMIC_ACQUIRE);
    if (r)
        return r > 0 ? 0 : r;
    const char *opt = lu_plat_getopt("metrics");
    if (opt && (strcmp(opt, "off") == 0 || strcmp(opt, "0") == 0)) {
        status_text = "disabled (metrics=off)";
        return -ECANCELED;
    }
    io.ctx = lu_chan_open("lucent.metrics");
    if (!io.ctx) {
        status_text = "no channel lucent.metrics";
        return -ENODEV;
    }
    return lu_metrics_server_start_io(&io, "serving lucent.metrics");
}

const char *lu_metrics_server_status(void) { return status_text; }

/* Every program linked with metrics serves them without asking. */
__attribute__((constructor)) static void autostart(void) { lu_metrics_server_start(); }
