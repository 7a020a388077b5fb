/* Name resolution for Lucent images: getaddrinfo (numeric addresses, and
 * names through lwIP's DNS client when DHCP or dns= gave a server),
 * freeaddrinfo, gai_strerror, gethostbyname. */
#ifndef LU_NETDB_H
#define LU_NETDB_H
#include <netinet/in.h>
#include "lwip/netdb.h"

#ifdef __cplusplus
extern "C" {
#endif
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res);
void freeaddrinfo(struct addrinfo *ai);
const char *gai_strerror(int err);
struct hostent *gethostbyname(const char *name);
#ifdef __cplusplus
}
#endif
#endif
