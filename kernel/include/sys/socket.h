/*
 * BSD sockets for Lucent images: lwIP's types and constants (lwip/sockets.h)
 * under the standard names, implemented by kernel/net/socket_api.c. Socket
 * descriptors start at 16; read, write, close and fcntl work on them too.
 * newlib has no networking headers; this file and its siblings
 * (netinet/in.h, netinet/tcp.h, arpa/inet.h, poll.h, netdb.h) fill the gap.
 */
#ifndef LU_SYS_SOCKET_H
#define LU_SYS_SOCKET_H
#include <sys/time.h>
#include <sys/types.h>
#include "lwip/sockets.h"

#ifdef __cplusplus
extern "C" {
#endif

int socket(int domain, int type, int protocol);
int bind(int s, const struct sockaddr *addr, socklen_t len);
int listen(int s, int backlog);
int accept(int s, struct sockaddr *addr, socklen_t *len);
int connect(int s, const struct sockaddr *addr, socklen_t len);
ssize_t recv(int s, void *buf, size_t len, int flags);
ssize_t recvfrom(int s, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen);
ssize_t recvmsg(int s, struct msghdr *msg, int flags);
ssize_t send(int s, const void *buf, size_t len, int flags);
ssize_t sendto(int s, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen);
ssize_t sendmsg(int s, const struct msghdr *msg, int flags);
int shutdown(int s, int how);
int setsockopt(int s, int level, int name, const void *val, socklen_t len);
int getsockopt(int s, int level, int name, void *val, socklen_t *len);
int getpeername(int s, struct sockaddr *addr, socklen_t *len);
int getsockname(int s, struct sockaddr *addr, socklen_t *len);
int ioctl(int fd, unsigned long cmd, ...);

#ifdef __cplusplus
}
#endif
#endif
