/* <sys/ioctl.h>, which newlib lacks: ioctl() itself answers sockets
 * (kernel/net/socket_api.c); other descriptors fail with EBADF. */
#ifndef LU_SYS_IOCTL_H
#define LU_SYS_IOCTL_H

int ioctl(int fd, unsigned long cmd, ...);

#endif
