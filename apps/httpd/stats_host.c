/* /stats in the hostbuild: Linux keeps its socket state in /proc, so only
 * httpd's own counters are served. */
#include "server.h"

int net_stats_text(char *buf, size_t len)
{
    if (len)
        buf[0] = '\0';
    return 0;
}
