/*
 * libFuzzer target: the bridge's reader of guest replies
 * (tools/metrics-bridge/guest.c). The bridge is a host process that reads
 * whatever the guest writes on lucent.metrics, and a guest can be broken or
 * hostile, so its reply parser is fuzzed like the guest's request parser.
 *
 * Input: byte 0 picks the format and the sequence number the bridge is at;
 * the rest is what "the guest" sends. It is written into one end of a
 * socketpair whose writing side is then shut, so every scrape ends at once
 * (a reply, a protocol error, or EOF) and never waits on the timeout.
 * The connection's session token is FUZZ_TOKEN (the seeds hold its ack).
 * Checks: no crash or sanitizer report, and a successful scrape returns a
 * body that is a byte-exact slice of the input after the first ack of the
 * token: nothing sent before the ack (an earlier peer's) is ever taken.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "guest.h"

#define FUZZ_TOKEN "f00dcafe"
static const char ack[] = "\x01session " FUZZ_TOKEN "\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 100000) /* must fit the socket buffer: nobody reads while we write */
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
        abort();
    int big = 1 << 20;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    size_t off = 0;
    while (off < size - 1) {
        ssize_t w = write(sv[1], data + 1 + off, size - 1 - off);
        if (w <= 0)
            break; /* the rest is cut off, as a guest that stops writing */
        off += (size_t)w;
    }
    shutdown(sv[1], SHUT_WR);

    struct guest g;
    guest_init(&g, "/nonexistent");
    g.fd = sv[0]; /* already "connected" */
    memcpy(g.token, FUZZ_TOKEN, sizeof FUZZ_TOKEN);
    g.seq = data[0] % 5; /* the scrape asks with seq + 1: small, so replies can match */
    char *body = NULL;
    size_t len = 0;
    enum guest_error e = guest_scrape(&g, data[0] & 0x80, 2000, &body, &len);
    if (e == GUEST_OK) {
        const uint8_t *a = memmem(data + 1, size - 1, ack, sizeof ack - 1);
        if (!a)
            abort(); /* a body without our ack */
        const uint8_t *after = a + sizeof ack - 1, *end = data + size;
        if (!body || body[len] != '\0' || !memmem(after, (size_t)(end - after), body, len))
            abort();
        free(body);
    } else if (e == GUEST_TIMEOUT || !guest_error_name(e)) {
        abort(); /* EOF is always there: nothing may wait for the deadline */
    }
    /* guest_scrape closed sv[0] */
    close(sv[1]);
    free(g.buf);
    return 0;
}
