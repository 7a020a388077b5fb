/*
 * A thread per connection, blocking sockets. lwIP is built for this: a
 * thread waiting in recv() sleeps on its own connection's mailbox, and
 * nothing scans every connection per event. (A poll() loop was the first
 * version; with 200 busy connections each lwip_poll() call scanned all 200
 * sockets, and under TCG that capped the image at about 140 requests/s.)
 *
 * Each connection has a head buffer of max_head bytes and answers one
 * request at a time, so a pipelining client cannot make it buffer without
 * bound. Deadlines: a request head must be complete within request_timeout
 * of its first byte (slowloris gets 408 and is closed); a kept-alive
 * connection with nothing pending is closed after idle_timeout; a client
 * that stops reading its response is cut after SEND_TIMEOUT_S. Past
 * max_conns, a new connection gets a 503 and is closed at once, so a flood
 * costs a few bytes per attempt and no thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <lucent/trace.h>
#include "content.h"
#include "routes.h"
#include "server.h"
#include "httpd_metrics.h"

/* One slice per request (category "http"), from its answer being ready to
 * its last byte sent. The method is a static string; the path (without
 * the query) and the Host header are the request's own bytes, copied into
 * the trace at the call (up to 128 and 64 bytes), 404s included. */
LU_TRACE_SLICE(http_request, "http", (const char *, method), (lu_trace_str, path), (int, status),
               (lu_trace_str, host, 64));

#define SEND_TIMEOUT_S 10

struct conn {
    int fd;
    const struct server_config *cfg;
    char *in;
    size_t in_len;
};

static struct {
    unsigned long accepted, refused, requests, errors, timeouts, open;
} st;
#define COUNT(field, d) __atomic_add_fetch(&st.field, (d), __ATOMIC_RELAXED)

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int httpd_stats_text(char *buf, size_t len)
{
    int n = snprintf(buf, len,
                     "httpd.accepted %lu\nhttpd.refused %lu\nhttpd.requests %lu\nhttpd.errors %lu\n"
                     "httpd.timeouts %lu\nhttpd.open %lu\n",
                     st.accepted, st.refused, st.requests, st.errors, st.timeouts, st.open);
    if (n < 0 || (size_t)n >= len)
        return n;
    return n + net_stats_text(buf + n, len - (size_t)n);
}

static void set_timeout(int fd, int opt, uint64_t ms)
{
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv);
}

/* Sends all of @r; false when the peer is gone or stopped reading. */
static bool send_all(int fd, const struct response *r)
{
    for (size_t off = 0; off < r->len;) {
        ssize_t n = send(fd, r->data + off, r->len - off, 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return false;
        }
        off += (size_t)n;
    }
    return true;
}

/* Replies with an error status and reports that the connection must end. */
static bool fail(struct conn *c, int status)
{
    struct response r;
    COUNT(errors, 1);
    httpd_metrics_error(status);
    if (error_reply(status, &r) == 0) {
        send_all(c->fd, &r);
        free(r.data);
    }
    return false;
}

/* Drops @n bytes from the front of the head buffer. */
static void consume(struct conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

/* Reads more into the head buffer before @deadline (ms). Returns >0 for
 * bytes read, 0 at end of stream or on error, -ETIMEDOUT past the deadline. */
static ssize_t fill(struct conn *c, uint64_t deadline)
{
    for (;;) {
        uint64_t now = now_ms();
        if (now >= deadline)
            return -ETIMEDOUT;
        set_timeout(c->fd, SO_RCVTIMEO, deadline - now);
        ssize_t n = recv(c->fd, c->in + c->in_len, c->cfg->max_head - c->in_len, 0);
        if (n > 0) {
            c->in_len += (size_t)n;
            return n;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return 0;
    }
}

/* Skips a request body of @len bytes (already checked against max_body). */
static bool skip_body(struct conn *c, size_t len, uint64_t deadline)
{
    for (;;) {
        size_t k = len < c->in_len ? len : c->in_len;
        consume(c, k);
        len -= k;
        if (!len)
            return true;
        ssize_t n = fill(c, deadline);
        if (n == -ETIMEDOUT)
            return COUNT(timeouts, 1), fail(c, 408);
        if (n <= 0)
            return false;
    }
}

/* The begin of the http_request slice (see above). */
static void trace_request(const struct http_request *req, const struct response *r)
{
    static const char *const methods[] = {[HTTP_GET] = "GET", [HTTP_HEAD] = "HEAD", [HTTP_OTHER] = "other"};
    int status = r->len > 12 ? atoi(r->data + 9) : 0; /* "HTTP/1.1 200 ..." */
    lu_trace_http_request_begin(methods[req->method], lu_trace_strn(req->path, req->path_len), status,
                                lu_trace_strn(req->host, req->host ? req->host_len : 0));
}

/* Serves one request; false when the connection is done. */
static bool serve_one(struct conn *c)
{
    const struct server_config *cfg = c->cfg;
    /* Wait for the first byte of the next request (idle), then for the rest
     * of its head (request_timeout from that first byte). */
    uint64_t started = 0;
    for (;;) {
        if (c->in_len) {
            if (!started)
                started = now_ms();
            struct http_request req;
            int rc = http_parse(c->in, c->in_len, cfg->max_head, &req);
            if (rc < 0)
                return fail(c, -rc);
            if (rc > 0) {
                if (req.content_length > cfg->max_body)
                    return fail(c, 413);
                struct response r;
                uint64_t t0 = lu_plat_now_ns();
                if (route(&req, &r) != 0)
                    return fail(c, 503);
                COUNT(requests, 1);
                if (lu_trace_http_request_begin_enabled())
                    trace_request(&req, &r);
                bool ok = send_all(c->fd, &r);
                httpd_metrics_request(req.method, r.data, r.len, t0);
                lu_trace_http_request_end();
                free(r.data);
                consume(c, req.head_len);
                return ok && !r.close &&
                       skip_body(c, req.content_length, now_ms() + (uint64_t)cfg->request_timeout * 1000);
            }
        }
        uint64_t deadline = started ? started + (uint64_t)cfg->request_timeout * 1000
                                    : now_ms() + (uint64_t)cfg->idle_timeout * 1000;
        ssize_t n = fill(c, deadline);
        if (n == -ETIMEDOUT && started)
            return COUNT(timeouts, 1), fail(c, 408);
        if (n <= 0)
            return false; /* idle timeout, end of stream or reset */
    }
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_timeout(c->fd, SO_SNDTIMEO, SEND_TIMEOUT_S * 1000);
    while (serve_one(c))
        ;
    close(c->fd);
    free(c->in);
    free(c);
    COUNT(open, -1UL);
    return NULL;
}

static int listen_on(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -errno;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 256) < 0) {
        int e = errno;
        close(s);
        return -e;
    }
    return s;
}

static void refuse(int fd)
{
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nServer: lucent-httpd\r\n"
                               "Content-Length: 0\r\nConnection: close\r\n\r\n";
    send(fd, busy, sizeof busy - 1, MSG_DONTWAIT);
    close(fd);
    COUNT(refused, 1);
}

int server_run(const struct server_config *cfg)
{
    int ls = listen_on(cfg->port);
    if (ls < 0)
        return ls;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, httpd_thread_stack);
    printf("httpd: listening on port %d (at most %d connections)\n", cfg->port, cfg->max_conns);
    fflush(stdout);

    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            /* Out of descriptors or memory: let connections finish. */
            usleep(10000);
            continue;
        }
        COUNT(accepted, 1);
        if (__atomic_load_n(&st.open, __ATOMIC_RELAXED) >= (unsigned long)cfg->max_conns) {
            refuse(fd);
            continue;
        }
        struct conn *c = malloc(sizeof *c);
        char *in = malloc(cfg->max_head);
        pthread_t t;
        if (c && in)
            *c = (struct conn){.fd = fd, .cfg = cfg, .in = in};
        COUNT(open, 1);
        if (!c || !in || pthread_create(&t, &attr, conn_main, c) != 0) {
            COUNT(open, -1UL);
            free(c);
            free(in);
            refuse(fd);
        }
    }
}
