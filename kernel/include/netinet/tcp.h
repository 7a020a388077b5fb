/* TCP socket options (TCP_NODELAY, TCP_KEEPIDLE, ...) come from lwIP's
 * sockets.h; this header exists because portable code includes it. */
#ifndef LU_NETINET_TCP_H
#define LU_NETINET_TCP_H
#include <sys/socket.h>
#endif
