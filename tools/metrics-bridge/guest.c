/* The bridge's lucent.metrics client (see guest.h; framing in
 * docs/metrics.md). Every wait is bounded by the scrape's deadline. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"

#define MAX_BODY (64u << 20) /* a reply claiming more is not from a guest */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void guest_init(struct guest *g, const char *path)
{
    memset(g, 0, sizeof *g);
    snprintf(g->path, sizeof g->path, "%s", path);
    g->fd = -1;
}

static void drop(struct guest *g)
{
    if (g->fd >= 0)
        close(g->fd);
    g->fd = -1;
    g->len = g->off = 0;
}

/* A token nobody else can guess, so no other peer's bytes can pass for our
 * ack. getrandom only fails before the kernel's pool is ready, at boot;
 * then the clock and the pid still make it unique to this connection. */
static void new_token(struct guest *g)
{
    uint64_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 40);
    }
    snprintf(g->token, sizeof g->token, "%016llx", (unsigned long long)r);
    g->acked = false;
}

static enum guest_error connect_guest(struct guest *g)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", g->path);
    g->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (g->fd < 0)
        return GUEST_CONNECT;
    /* A UNIX connect completes at once or fails at once (EAGAIN: the
     * listener's backlog is full, which is a busy guest: give up now). */
    if (connect(g->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        drop(g);
        return GUEST_CONNECT;
    }
    new_token(g);
    return GUEST_OK;
}

static int wait_fd(int fd, short ev, int64_t deadline)
{
    int64_t left = deadline - now_ms();
    if (left <= 0)
        return 0;
    struct pollfd p = {.fd = fd, .events = ev};
    int r = poll(&p, 1, (int)left);
    return r < 0 && errno == EINTR ? wait_fd(fd, ev, deadline) : r;
}

static enum guest_error send_all(struct guest *g, const char *p, size_t n, int64_t deadline)
{
    while (n) {
        ssize_t w = send(g->fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(g->fd, POLLOUT, deadline) <= 0)
                return GUEST_TIMEOUT;
        } else {
            return GUEST_CLOSED;
        }
    }
    return GUEST_OK;
}

/* Makes at least @need unconsumed bytes available. */
static enum guest_error fill(struct guest *g, size_t need, int64_t deadline)
{
    if (g->off && g->len - g->off < need) { /* compact */
        memmove(g->buf, g->buf + g->off, g->len - g->off);
        g->len -= g->off;
        g->off = 0;
    }
    while (g->len - g->off < need) {
        if (g->cap - g->len < 65536) {
            size_t cap = g->cap ? g->cap * 2 : 131072;
            char *p = realloc(g->buf, cap);
            if (!p)
                return GUEST_PROTOCOL;
            g->buf = p;
            g->cap = cap;
        }
        ssize_t r = recv(g->fd, g->buf + g->len, g->cap - g->len, 0);
        if (r > 0)
            g->len += (size_t)r;
        else if (r == 0)
            return GUEST_CLOSED;
        else if (errno == EAGAIN || errno == EINTR) {
            if (wait_fd(g->fd, POLLIN, deadline) <= 0)
                return GUEST_TIMEOUT;
        } else
            return GUEST_CLOSED;
    }
    return GUEST_OK;
}

/* Skips to just past the guest's ack of our token, SOH "session" SP TOKEN
 * LF: the bytes before it are an earlier peer's. They are dropped as they
 * come, keeping only a tail that could be the start of the ack. */
static enum guest_error await_ack(struct guest *g, int64_t deadline)
{
    char ack[48];
    size_t alen = (size_t)snprintf(ack, sizeof ack, "\x01session %s\n", g->token);
    for (;;) {
        size_t have = g->len - g->off;
        char *at = have ? memmem(g->buf + g->off, have, ack, alen) : NULL; /* buf is NULL at first */
        if (at) {
            g->off = (size_t)(at - g->buf) + alen;
            g->acked = true;
            return GUEST_OK;
        }
        if (have >= alen)
            g->off = g->len - (alen - 1);
        if (g->len - g->off > MAX_BODY) /* cannot happen: the tail is short */
            return GUEST_PROTOCOL;
        enum guest_error e = fill(g, g->len - g->off + 1, deadline);
        if (e)
            return e;
    }
}

/* Reads a reply header "ok|err SEQ LEN\n". */
static enum guest_error read_header(struct guest *g, bool *ok, uint32_t *seq, size_t *blen, int64_t deadline)
{
    for (size_t need = 1;; need++) {
        enum guest_error e = fill(g, need, deadline);
        if (e)
            return e;
        char *h = g->buf + g->off, *nl = memchr(h, '\n', g->len - g->off);
        if (!nl) {
            if (g->len - g->off > 40)
                return GUEST_PROTOCOL;
            need = g->len - g->off;
            continue;
        }
        *nl = '\0';
        char status[4];
        unsigned long s, n;
        char extra;
        int f = sscanf(h, "%3s %lu %lu%c", status, &s, &n, &extra);
        g->off = (size_t)(nl + 1 - g->buf);
        if (f != 3 || (strcmp(status, "ok") && strcmp(status, "err")) || s > UINT32_MAX || n > MAX_BODY)
            return GUEST_PROTOCOL;
        *ok = status[0] == 'o';
        *seq = (uint32_t)s;
        *blen = n;
        return GUEST_OK;
    }
}

static enum guest_error scrape(struct guest *g, bool om, int64_t deadline, char **body, size_t *len)
{
    if (g->fd < 0) {
        enum guest_error e = connect_guest(g);
        if (e)
            return e;
    }
    if (++g->seq == 0) /* 0 is what the guest puts on replies to garbage */
        g->seq = 1;
    /* the opener and the request in one write: the guest answers both */
    char req[96];
    int n = 0;
    if (!g->acked)
        n = snprintf(req, sizeof req, "\x01session %s\n", g->token);
    n += snprintf(req + n, sizeof req - (size_t)n, "%s %u\n", om ? "openmetrics" : "metrics", g->seq);
    enum guest_error e = send_all(g, req, (size_t)n, deadline);
    if (e)
        return e;
    if (!g->acked && (e = await_ack(g, deadline)))
        return e;
    for (;;) {
        bool ok;
        uint32_t seq;
        size_t blen;
        if ((e = read_header(g, &ok, &seq, &blen, deadline)) || (e = fill(g, blen, deadline)))
            return e;
        char *b = g->buf + g->off;
        g->off += blen;
        if (seq != g->seq) /* after our ack only our replies come */
            return GUEST_PROTOCOL;
        if (!ok)
            return GUEST_ERROR_REPLY;
        *body = malloc(blen + 1);
        if (!*body)
            return GUEST_PROTOCOL;
        memcpy(*body, b, blen);
        (*body)[blen] = '\0';
        *len = blen;
        return GUEST_OK;
    }
}

enum guest_error guest_scrape(struct guest *g, bool om, int timeout_ms, char **body, size_t *len)
{
    enum guest_error e = scrape(g, om, now_ms() + timeout_ms, body, len);
    /* One connection per scrape: the channel serves one host peer at a
     * time, so holding it would lock out other tools between scrapes; and
     * after an error it means starting clean, never reading the rest of a
     * half reply as the next one. */
    drop(g);
    return e;
}

const char *guest_error_name(enum guest_error e)
{
    static const char *const names[] = {"ok", "connect", "timeout", "closed", "protocol", "guest_error"};
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "unknown";
}
