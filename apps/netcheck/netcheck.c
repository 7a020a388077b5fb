/*
 * netcheck: the BSD socket API an app gets, checked from inside the app,
 * in both builds (Linux sockets in the hostbuild, lwIP in the image). Its
 * test (tests/test_netcheck.py) runs TCP and UDP echo servers on the host
 * and boots it with --net:
 *
 *   netcheck [--port P] HOST TCP_ECHO_PORT UDP_ECHO_PORT
 *
 * HOST is how the app reaches the host: 10.0.2.2 from the image (QEMU's
 * user network maps it to 127.0.0.1), 127.0.0.1 in the hostbuild. After the
 * outgoing checks it listens on P (80 in the image: the forwarded port),
 * prints "netcheck: listening", answers one connection from the test, and
 * exits with the number of failed checks. Each check prints "ok - ..." or
 * "not ok - ...".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>

extern const int netcheck_default_port; /* port_{image,host}.c */

static int failures;

static void check(int cond, const char *what)
{
    printf("%s - %s\n", cond ? "ok" : "not ok", what);
    if (!cond) {
        printf("  (errno %d: %s)\n", errno, strerror(errno));
        failures++;
    }
    fflush(stdout);
}

/* Waits for @events on @fd with poll(); the revents, or 0 on timeout. */
static int wait_poll(int fd, short events, int ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, ms);
    return n == 1 ? p.revents : 0;
}

static void names(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST},
                    *ai;
    int rc = getaddrinfo(host, port, &hints, &ai);
    check(rc == 0 && ai && ai->ai_family == AF_INET && ai->ai_addrlen == sizeof(struct sockaddr_in) &&
              ((struct sockaddr_in *)ai->ai_addr)->sin_port == htons((uint16_t)atoi(port)),
          "getaddrinfo of a numeric address and port");
    if (rc == 0)
        freeaddrinfo(ai);
    check(getaddrinfo("not-a-number", port, &hints, &ai) != 0, "getaddrinfo AI_NUMERICHOST refuses a name");
    struct in_addr a;
    char buf[INET_ADDRSTRLEN];
    check(inet_pton(AF_INET, "192.0.2.33", &a) == 1 && a.s_addr == htonl(0xc0000221) &&
              inet_ntop(AF_INET, &a, buf, sizeof buf) && !strcmp(buf, "192.0.2.33"),
          "inet_pton / inet_ntop round trip");
    check(inet_pton(AF_INET, "300.1.1.1", &a) == 0, "inet_pton rejects 300.1.1.1");
}

/* TCP to the host's echo server: non-blocking connect, poll, select,
 * EAGAIN, socket options, shutdown. */
static void tcp_client(const char *host, int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    check(s >= 0, "socket(AF_INET, SOCK_STREAM)");
    int fl = fcntl(s, F_GETFL, 0);
    check(fl >= 0 && fcntl(s, F_SETFL, fl | O_NONBLOCK) == 0 && (fcntl(s, F_GETFL, 0) & O_NONBLOCK),
          "fcntl F_SETFL O_NONBLOCK, and F_GETFL shows it");
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &sa.sin_addr);
    int rc = connect(s, (struct sockaddr *)&sa, sizeof sa);
    check(rc == 0 || errno == EINPROGRESS, "non-blocking connect returns 0 or EINPROGRESS");
    check(wait_poll(s, POLLOUT, 10000) & POLLOUT, "poll: POLLOUT once connected");
    int err = -1;
    socklen_t len = sizeof err;
    check(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0, "getsockopt SO_ERROR is 0");
    char buf[64];
    errno = 0;
    check(recv(s, buf, sizeof buf, 0) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK),
          "recv with nothing to read: EAGAIN");
    int one = 1, v = 0;
    len = sizeof v;
    check(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0 &&
              getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v,
          "setsockopt / getsockopt TCP_NODELAY");
    v = 0;
    len = sizeof v;
    check(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0 &&
              getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len) == 0 && v,
          "setsockopt / getsockopt SO_KEEPALIVE");
    struct sockaddr_in peer;
    len = sizeof peer;
    check(getpeername(s, (struct sockaddr *)&peer, &len) == 0 && peer.sin_port == sa.sin_port, "getpeername");

    check(send(s, "ping\n", 5, 0) == 5, "send");
    check(wait_poll(s, POLLIN, 10000) & POLLIN, "poll: POLLIN when the echo arrives");
    ssize_t n = 0;
    for (int i = 0; i < 100 && n < 5; i++) {
        ssize_t k = recv(s, buf + n, sizeof buf - (size_t)n, 0);
        if (k > 0)
            n += k;
        else
            wait_poll(s, POLLIN, 100);
    }
    check(n == 5 && !memcmp(buf, "ping\n", 5), "recv: the echo");

    check(write(s, "pong\n", 5) == 5, "write() on a socket descriptor");
    fd_set r;
    FD_ZERO(&r);
    FD_SET(s, &r);
    struct timeval tv = {.tv_sec = 10};
    check(select(s + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(s, &r),
          "select: readable when the echo arrives");
    n = 0;
    for (int i = 0; i < 100 && n < 5; i++) {
        ssize_t k = read(s, buf + n, sizeof buf - (size_t)n);
        if (k > 0)
            n += k;
        else
            wait_poll(s, POLLIN, 100);
    }
    check(n == 5 && !memcmp(buf, "pong\n", 5), "read() on a socket descriptor: the echo");

    check(shutdown(s, SHUT_WR) == 0, "shutdown(SHUT_WR)");
    wait_poll(s, POLLIN, 10000);
    check(recv(s, buf, sizeof buf, 0) == 0, "recv: 0 (end of stream) after the peer closes");
    check(close(s) == 0, "close");
}

static void udp(const char *host, int port)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    check(s >= 0, "socket(AF_INET, SOCK_DGRAM)");
    struct timeval tv = {.tv_sec = 2};
    check(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "setsockopt SO_RCVTIMEO");
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)}, from;
    inet_pton(AF_INET, host, &to.sin_addr);
    char buf[64];
    ssize_t n = -1;
    /* UDP may be lost: a few tries */
    for (int i = 0; i < 5 && n != 9; i++) {
        check(sendto(s, "datagram!", 9, 0, (struct sockaddr *)&to, sizeof to) == 9 || i, "sendto");
        socklen_t len = sizeof from;
        n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    }
    check(n == 9 && !memcmp(buf, "datagram!", 9) && from.sin_port == to.sin_port,
          "recvfrom: the echo, from the echo server's port");
    close(s);
}

/* Listens, shows accept's EAGAIN, then serves the test's one connection. */
static void tcp_server(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    check(bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 4) == 0, "bind and listen");
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    check(getsockname(s, (struct sockaddr *)&me, &len) == 0 && me.sin_port == a.sin_port, "getsockname");
    fcntl(s, F_SETFL, fcntl(s, F_GETFL, 0) | O_NONBLOCK);
    errno = 0;
    check(accept(s, NULL, NULL) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK),
          "non-blocking accept with nobody waiting: EAGAIN");
    printf("netcheck: listening on %d\n", port);
    fflush(stdout);
    check(wait_poll(s, POLLIN, 30000) & POLLIN, "poll on a listener: POLLIN when a client connects");
    int c = accept(s, NULL, NULL);
    check(c >= 0, "accept");
    char buf[64];
    struct timeval tv = {.tv_sec = 10};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n = recv(c, buf, sizeof buf, 0);
    check(n == 6 && !memcmp(buf, "hello\n", 6), "recv on an accepted socket (blocking, SO_RCVTIMEO)");
    check(send(c, "bye\n", 4, 0) == 4, "send on an accepted socket");
    close(c);
    close(s);
}

int main(int argc, char **argv)
{
    int port = netcheck_default_port;
    if (argc > 2 && !strcmp(argv[1], "--port")) {
        port = atoi(argv[2]);
        argv += 2;
        argc -= 2;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: netcheck [--port P] HOST TCP_ECHO_PORT UDP_ECHO_PORT\n");
        return 2;
    }
    names(argv[1], argv[2]);
    tcp_client(argv[1], atoi(argv[2]));
    udp(argv[1], atoi(argv[3]));
    tcp_server(port);
    printf("netcheck: %d failed\n", failures);
    return failures;
}
