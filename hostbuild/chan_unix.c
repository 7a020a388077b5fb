/*
 * Channels for the hostbuild: plat.h's lu_chan_* over UNIX sockets.
 *
 * Each channel is a listening socket <run dir>/<name>.sock (chan_rundir.c)
 * and at most one accepted host peer. There is no helper thread: every call
 * on a channel first accepts a waiting peer when it has none, so the
 * connection state is current whenever anyone looks at it, and a second
 * host tool waits in the listen backlog until the first one leaves (as it
 * would on QEMU's chardev socket, which serves one client).
 *
 * Locking. ch->lock guards the peer fd, the flags and the stats, and every
 * system call on the peer is made under it with MSG_DONTWAIT, so it is held
 * only for short non-blocking calls and a peer fd is never closed under
 * another thread's recv/send. Waiting happens outside the lock in ppoll(),
 * on the peer (or the listen socket) plus the channel's "wake" eventfd: any
 * connect or disconnect signals the current wake fd and installs a fresh
 * one, which wakes every thread that was polling an fd that may just have
 * been closed. ch->wlock is held for a whole blocking write, so concurrent
 * writers' messages never interleave; a non-blocking writer only tries it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <lucent/plat.h>
#include "chan_unix.h"

#define FOREVER UINT64_MAX

struct lu_chan {
    struct lu_chan *next; /* the registry; channels live until exit */
    char name[64];
    char path[108];
    int listen_fd;
    pthread_mutex_t lock;
    pthread_mutex_t wlock;
    int peer;            /* -1: no host peer */
    int wake;            /* eventfd, replaced on each connect/disconnect; -1 if none */
    bool accept_failing; /* accept() fails for lack of fds: poll slowly, not the listen fd */
    bool peer_closed;    /* the peer closed with bytes still unread: see block() */
    bool hangup_pending; /* a disconnect no lu_chan_wait has reported yet */
    bool epipe_pending;  /* a disconnect no reader has been told of yet */
    struct lu_chan_stats st;
};

static struct lu_chan *chans;
static pthread_mutex_t chans_lock = PTHREAD_MUTEX_INITIALIZER;

/* Wakes every thread in block() and arms a new wake fd for the next change.
 * If eventfd() fails (fd exhaustion) waiters fall back to polling every
 * 10 ms rather than missing the change. */
static void changed(struct lu_chan *ch)
{
    if (ch->wake >= 0) {
        uint64_t one = 1;
        (void)!write(ch->wake, &one, sizeof one);
        close(ch->wake);
    }
    ch->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

static void drop_peer(struct lu_chan *ch)
{
    close(ch->peer);
    ch->peer = -1;
    ch->peer_closed = false;
    ch->st.disconnects++;
    ch->hangup_pending = ch->epipe_pending = true;
    changed(ch);
}

/* Brings the connection state up to date (lock held). With @peek, also
 * notices a peer that has left and whose bytes have all been read; reads
 * and writes notice that themselves, from recv/send. */
static void refresh(struct lu_chan *ch, bool peek)
{
    if (ch->peer >= 0 && peek) {
        char c;
        ssize_t n = recv(ch->peer, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            drop_peer(ch);
    }
    if (ch->peer < 0) {
        int fd = accept4(ch->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        ch->accept_failing = fd < 0 && errno != EAGAIN && errno != EINTR && errno != ECONNABORTED;
        if (fd >= 0) {
            ch->peer = fd;
            ch->st.connects++;
            changed(ch);
        }
    }
}

/* Sleeps (lock released) until the peer shows @ev, a peer arrives when there
 * is none, the connection changes, or @deadline passes; then relocks. The
 * caller re-checks its condition: wake-ups may be spurious. */
static void block(struct lu_chan *ch, short ev, uint64_t deadline)
{
    struct pollfd p[2] = {{.fd = -1}, {.fd = -1, .events = POLLIN}};
    /* A peer that closed with bytes unread stays connected until a reader
     * reaches the end (or a write fails), but its POLLHUP never clears:
     * only readers and writers, who act on it, may poll it then. */
    if (ch->peer >= 0 && (ev || !ch->peer_closed))
        p[0] = (struct pollfd){.fd = ch->peer, .events = ev};
    else if (!ch->accept_failing)
        p[0] = (struct pollfd){.fd = ch->listen_fd, .events = POLLIN};
    /* Our own reference to the wake fd: the one in ch may be replaced and
     * closed while we sleep, and that replacement is what we wait for. */
    if (ch->wake >= 0)
        p[1].fd = fcntl(ch->wake, F_DUPFD_CLOEXEC, 0);
    uint64_t wait = deadline;
    if (p[1].fd < 0 || ch->accept_failing)
        wait = 10000000; /* see changed() and refresh() */
    if (deadline != FOREVER) {
        uint64_t now = lu_plat_now_ns();
        uint64_t left = deadline > now ? deadline - now : 0;
        wait = wait < left ? wait : left;
    }
    uint64_t conn = ch->st.connects;
    pthread_mutex_unlock(&ch->lock);
    struct timespec ts = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
    ppoll(p, 2, wait == FOREVER ? NULL : &ts, NULL);
    if (p[1].fd >= 0)
        close(p[1].fd);
    pthread_mutex_lock(&ch->lock);
    if (p[0].fd >= 0 && p[0].fd == ch->peer && conn == ch->st.connects && (p[0].revents & POLLHUP))
        ch->peer_closed = true;
}

static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof((struct lu_chan *)0)->name || name[0] == '.')
        return false;
    for (const char *c = name; *c; c++)
        if (!(*c == '.' || *c == '-' || *c == '_' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
              (*c >= 'A' && *c <= 'Z')))
            return false;
    return true;
}

/* Returns NULL only when the socket cannot be made; says why on stderr once
 * per attempt, since the caller has no errno to look at. */
struct lu_chan *lu_chan_open(const char *name)
{
    if (!name || !name_ok(name)) {
        fprintf(stderr, "lucent: channel '%s': bad name\n", name ? name : "(null)");
        return NULL;
    }
    pthread_mutex_lock(&chans_lock);
    struct lu_chan *ch;
    for (ch = chans; ch; ch = ch->next)
        if (strcmp(ch->name, name) == 0)
            goto out;
    int err;
    const char *dir = chan_run_dir(&err);
    ch = dir ? calloc(1, sizeof *ch) : NULL;
    if (!ch) {
        fprintf(stderr, "lucent: channel %s: run dir: %s\n", name, strerror(dir ? ENOMEM : -err));
        goto out;
    }
    ch->listen_fd = chan_listen(dir, name, ch->path, sizeof ch->path);
    if (ch->listen_fd < 0) {
        fprintf(stderr, "lucent: channel %s: %s/%s.sock: %s\n", name, dir, name, strerror(-ch->listen_fd));
        free(ch);
        ch = NULL;
        goto out;
    }
    snprintf(ch->name, sizeof ch->name, "%s", name);
    pthread_mutex_init(&ch->lock, NULL);
    pthread_mutex_init(&ch->wlock, NULL);
    ch->peer = -1;
    ch->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    ch->next = chans;
    chans = ch;
out:
    pthread_mutex_unlock(&chans_lock);
    return ch;
}

bool lu_chan_connected(struct lu_chan *ch)
{
    pthread_mutex_lock(&ch->lock);
    refresh(ch, true);
    bool up = ch->peer >= 0;
    pthread_mutex_unlock(&ch->lock);
    return up;
}

ssize_t lu_chan_read(struct lu_chan *ch, void *buf, size_t len, unsigned flags)
{
    ssize_t r;
    pthread_mutex_lock(&ch->lock);
    uint64_t discs = ch->st.disconnects;
    for (;;) {
        /* Checked before any recv, so a read never returns bytes from two
         * connections without an -EPIPE between them. */
        if (ch->epipe_pending || ch->st.disconnects != discs) {
            ch->epipe_pending = false;
            r = -EPIPE;
            break;
        }
        refresh(ch, false);
        if (ch->peer >= 0) {
            r = recv(ch->peer, buf, len, MSG_DONTWAIT);
            if (r > 0 || (r == 0 && len == 0)) {
                ch->st.bytes_in += (uint64_t)r;
                break;
            }
            if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                drop_peer(ch); /* end of stream: the peer left */
                continue;
            }
            if (errno == EINTR)
                continue;
            if (flags & LU_CHAN_NONBLOCK) {
                r = -EAGAIN;
                break;
            }
        } else if (flags & LU_CHAN_NONBLOCK) {
            r = -EPIPE;
            break;
        }
        block(ch, POLLIN, FOREVER);
    }
    pthread_mutex_unlock(&ch->lock);
    return r;
}

/* The send loop of lu_chan_write (both locks held). */
static ssize_t send_all(struct lu_chan *ch, const char *buf, size_t len, bool nonblock)
{
    uint64_t discs = ch->st.disconnects;
    size_t done = 0;
    refresh(ch, false);
    while (done < len || len == 0) {
        /* A peer that left mid-message must not get the rest sent to the
         * next one. */
        if (ch->peer < 0 || ch->st.disconnects != discs)
            return nonblock && done ? (ssize_t)done : -EPIPE;
        if (len == 0)
            return 0;
        ssize_t n = send(ch->peer, buf + done, len - done, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
            ch->st.bytes_out += (uint64_t)n;
        } else if (errno == EAGAIN) {
            if (nonblock)
                return done ? (ssize_t)done : -EAGAIN;
            block(ch, POLLOUT, FOREVER);
        } else if (errno != EINTR) {
            drop_peer(ch); /* EPIPE or ECONNRESET: the peer left */
        }
    }
    return (ssize_t)done;
}

ssize_t lu_chan_write(struct lu_chan *ch, const void *buf, size_t len, unsigned flags)
{
    bool nonblock = flags & LU_CHAN_NONBLOCK;
    ssize_t r = -EAGAIN;
    /* A non-blocking writer never queues behind a blocking one. */
    if (nonblock ? pthread_mutex_trylock(&ch->wlock) == 0 : pthread_mutex_lock(&ch->wlock) == 0) {
        pthread_mutex_lock(&ch->lock);
        r = send_all(ch, buf, len, nonblock);
        pthread_mutex_unlock(&ch->wlock);
    } else {
        pthread_mutex_lock(&ch->lock);
    }
    if (nonblock && r < 0)
        ch->st.writes_dropped++;
    pthread_mutex_unlock(&ch->lock);
    return r;
}

/* The events of @events that hold now (lock held). As in the image's
 * driver, READABLE means a read would not wait, which includes the -EPIPE
 * owed for a peer that left (as EOF makes a socket readable), and HANGUP is
 * reported whether asked for or not (as POLLHUP is): a thread waiting for
 * data must learn that none will come from this peer. */
static int ready(struct lu_chan *ch, int events, uint64_t discs)
{
    int got = 0;
    if (ch->peer >= 0 && (events & (LU_CHAN_READABLE | LU_CHAN_WRITABLE))) {
        struct pollfd p = {.fd = ch->peer, .events = POLLIN | POLLOUT};
        poll(&p, 1, 0);
        if (p.revents & POLLIN)
            got |= LU_CHAN_READABLE;
        if (p.revents & POLLOUT)
            got |= LU_CHAN_WRITABLE;
    }
    if (ch->epipe_pending)
        got |= LU_CHAN_READABLE;
    if (ch->hangup_pending || ch->st.disconnects != discs) {
        ch->hangup_pending = false;
        got |= LU_CHAN_HANGUP;
    }
    return got & (events | LU_CHAN_HANGUP);
}

int lu_chan_wait(struct lu_chan *ch, int events, int64_t timeout_ns)
{
    uint64_t deadline = timeout_ns < 0 ? FOREVER : lu_plat_now_ns() + (uint64_t)timeout_ns;
    short ev = (short)((events & LU_CHAN_READABLE ? POLLIN : 0) | (events & LU_CHAN_WRITABLE ? POLLOUT : 0));
    pthread_mutex_lock(&ch->lock);
    uint64_t discs = ch->st.disconnects;
    int got;
    for (;;) {
        refresh(ch, true);
        got = ready(ch, events, discs);
        if (got || (deadline != FOREVER && lu_plat_now_ns() >= deadline))
            break;
        block(ch, ev, deadline);
    }
    pthread_mutex_unlock(&ch->lock);
    return got;
}

void lu_chan_get_stats(struct lu_chan *ch, struct lu_chan_stats *out)
{
    pthread_mutex_lock(&ch->lock);
    refresh(ch, true);
    *out = ch->st;
    pthread_mutex_unlock(&ch->lock);
}
