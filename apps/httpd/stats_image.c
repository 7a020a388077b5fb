/* /stats in the image: lwIP's pools and counters (lucent/net.h). */
#include <lucent/net.h>
#include "server.h"

int net_stats_text(char *buf, size_t len) { return lu_net_stats_text(buf, len); }
