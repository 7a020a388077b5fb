/*
 * guest.h: the bridge's client side of the lucent.metrics channel.
 *
 * One connection to <run dir>/lucent.metrics.sock per scrape, so other
 * host tools can use the channel between scrapes. Replies carry the
 * request's sequence number and stale ones are skipped: a guest that was
 * paused may answer a timed-out scrape late, and under QEMU that answer can
 * reach the next connection. Not thread-safe: the caller serializes
 * scrapes.
 */
#ifndef LU_BRIDGE_GUEST_H
#define LU_BRIDGE_GUEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest {
    char path[108];
    int fd;
    uint32_t seq;
    char *buf; /* bytes received and not yet consumed: buf[off, len) */
    size_t len, off, cap;
};

enum guest_error {
    GUEST_OK = 0,
    GUEST_CONNECT,
    GUEST_TIMEOUT,
    GUEST_CLOSED,
    GUEST_PROTOCOL,
    GUEST_ERROR_REPLY
};

void guest_init(struct guest *g, const char *socket_path);
/* Asks for one exposition (OpenMetrics when @om) and waits at most
 * @timeout_ms in all. On GUEST_OK sets *body (malloc'ed, caller frees) and
 * *len. */
enum guest_error guest_scrape(struct guest *g, bool om, int timeout_ms, char **body, size_t *len);
const char *guest_error_name(enum guest_error e);

#endif
