/*
 * The network stack's kernel-side entry points (kernel/net/). Apps never
 * call these: the first socket call starts the stack (socket_api.c), and
 * read/write/close on a socket descriptor arrive through libc/syscalls.c.
 */
#ifndef LU_KERNEL_NET_H
#define LU_KERNEL_NET_H
#include <stddef.h>
#include <sys/types.h>

/* Socket descriptors are LU_NET_FD_BASE and up (lwipopts.h's
 * LWIP_SOCKET_OFFSET); libc/syscalls.c sends those here. */
#define LU_NET_FD_BASE 16

/* Starts lwIP's thread, attaches virtio-net and configures the address
 * (ip=/gw=/dns= on the kernel command line, else DHCP, waiting up to
 * net_wait= seconds, 5 by default). Idempotent and thread-safe; returns 0
 * even without a network device (sockets then reach no other host,
 * addresses). */
int net_start(void);

/* libc/syscalls.c's hooks for descriptors >= LU_NET_FD_BASE. Weak defaults
 * there answer EBADF when no app code pulled in the socket layer. */
ssize_t net_fd_read(int fd, void *buf, size_t n);
ssize_t net_fd_write(int fd, const void *buf, size_t n);
int net_fd_close(int fd);
int net_fd_fcntl(int fd, int cmd, int arg);

/* The stack's one interface, for metrics; NULL before net_start. */
struct netif *net_netif(void);

#endif
