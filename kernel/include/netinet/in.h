/* Internet addresses for Lucent images: lwIP's sockaddr_in, IPPROTO_*,
 * INADDR_* and byte-order macros (see sys/socket.h). */
#ifndef LU_NETINET_IN_H
#define LU_NETINET_IN_H
#include <sys/socket.h>
#include "lwip/inet.h"
#endif
