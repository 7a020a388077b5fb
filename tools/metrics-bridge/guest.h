/*
 * guest.h: the bridge's client side of the lucent.metrics channel.
 *
 * One connection to <run dir>/lucent.metrics.sock per scrape, so other
 * host tools can use the channel between scrapes. Each connection opens a
 * session with a fresh random token (metrics/protocol.c): the guest drops
 * whatever an earlier peer left half sent, and everything read before the
 * guest's ack of our token is an earlier peer's (a late answer to a scrape
 * that timed out, the rest of a reply to a peer that left) and skipped.
 * Not thread-safe: the caller serializes scrapes.
 */
#ifndef LU_BRIDGE_GUEST_H
#define LU_BRIDGE_GUEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest {
    char path[108];
    int fd;
    bool acked;     /* the guest acknowledged this connection's token */
    char token[17]; /* 16 hex digits, fresh per connection */
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
