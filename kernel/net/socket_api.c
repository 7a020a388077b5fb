/*
 * The BSD socket API under its standard names: thin wrappers over lwIP's
 * lwip_* functions (lwipopts.h turns lwIP's own renaming macros off). Each
 * entry point that can create or use a socket first makes sure the stack is
 * running (net_start), so an app needs no Lucent-specific call.
 *
 * The descriptor hooks for libc/syscalls.c live here too, in the same
 * object as socket(): any app that can own a socket links them, and one
 * that cannot gets syscalls.c's weak EBADF versions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <lucent/trace.h>
#include "net.h"

/* Tracing (category "net"): connections accepted and sockets closed. */
LU_TRACEPOINT(tcp_accept, "net", INSTANT, (int, listener), (int, fd));
LU_TRACEPOINT(sock_close, "net", INSTANT, (int, fd));

static inline void up(void) { net_start(); }

int socket(int domain, int type, int protocol)
{
    up();
    return lwip_socket(domain, type, protocol);
}

int bind(int s, const struct sockaddr *a, socklen_t l) { return lwip_bind(s, a, l); }
int listen(int s, int backlog) { return lwip_listen(s, backlog); }
int accept(int s, struct sockaddr *a, socklen_t *l)
{
    int fd = lwip_accept(s, a, l);
    if (fd >= 0)
        lu_trace_tcp_accept(s, fd);
    return fd;
}
int connect(int s, const struct sockaddr *a, socklen_t l) { return lwip_connect(s, a, l); }
ssize_t recv(int s, void *b, size_t n, int f) { return lwip_recv(s, b, n, f); }
ssize_t recvfrom(int s, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l)
{
    return lwip_recvfrom(s, b, n, f, a, l);
}
ssize_t recvmsg(int s, struct msghdr *m, int f) { return lwip_recvmsg(s, m, f); }
ssize_t send(int s, const void *b, size_t n, int f) { return lwip_send(s, b, n, f); }
ssize_t sendto(int s, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l)
{
    return lwip_sendto(s, b, n, f, a, l);
}
ssize_t sendmsg(int s, const struct msghdr *m, int f) { return lwip_sendmsg(s, m, f); }
int shutdown(int s, int how) { return lwip_shutdown(s, how); }
int setsockopt(int s, int lv, int n, const void *v, socklen_t l) { return lwip_setsockopt(s, lv, n, v, l); }
int getsockopt(int s, int lv, int n, void *v, socklen_t *l) { return lwip_getsockopt(s, lv, n, v, l); }
int getpeername(int s, struct sockaddr *a, socklen_t *l) { return lwip_getpeername(s, a, l); }
int getsockname(int s, struct sockaddr *a, socklen_t *l) { return lwip_getsockname(s, a, l); }

int ioctl(int fd, unsigned long cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (fd < LU_NET_FD_BASE)
        return errno = ENOTTY, -1;
    return lwip_ioctl(fd, (long)cmd, arg);
}

int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    up();
    return lwip_poll(fds, n, timeout_ms);
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    up();
    return lwip_select(nfds, r, w, e, tv);
}

int inet_pton(int af, const char *src, void *dst) { return lwip_inet_pton(af, src, dst); }
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
    return lwip_inet_ntop(af, src, dst, size);
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
    up();
    return lwip_getaddrinfo(node, service, hints, res);
}
void freeaddrinfo(struct addrinfo *ai) { lwip_freeaddrinfo(ai); }
struct hostent *gethostbyname(const char *name)
{
    up();
    return lwip_gethostbyname(name);
}

const char *gai_strerror(int err)
{
    switch (err) {
    case 0: return "success";
    case EAI_NONAME: return "name or service not known";
    case EAI_SERVICE: return "service not supported";
    case EAI_FAIL: return "non-recoverable failure in name resolution";
    case EAI_MEMORY: return "memory allocation failure";
    case EAI_FAMILY: return "address family not supported";
    default: return "unknown getaddrinfo error";
    }
}

/* ---- descriptor hooks (libc/syscalls.c) ----------------------------------- */

ssize_t net_fd_read(int fd, void *buf, size_t n) { return lwip_read(fd, buf, n); }
ssize_t net_fd_write(int fd, const void *buf, size_t n) { return lwip_write(fd, buf, n); }
int net_fd_close(int fd)
{
    lu_trace_sock_close(fd);
    return lwip_close(fd);
}
int net_fd_fcntl(int fd, int cmd, int arg) { return lwip_fcntl(fd, cmd, arg); }
