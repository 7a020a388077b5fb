/* poll() for Lucent images, over socket descriptors (struct pollfd and
 * POLLIN/POLLOUT/... are lwIP's, from sys/socket.h). */
#ifndef LU_POLL_H
#define LU_POLL_H
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif
int poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);
#ifdef __cplusplus
}
#endif
#endif
