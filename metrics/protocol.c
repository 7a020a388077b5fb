/*
 * The lucent.metrics framing (docs/metrics.md has the grammar):
 *
 *   opener:   SOH "session" SP TOKEN LF      TOKEN: 1 to 32 of [0-9A-Za-z]
 *   ack:      SOH "session" SP TOKEN LF      (the same bytes, sent back)
 *   request:  VERB [SEQ] LF           at most 128 bytes; CR before LF allowed
 *   reply:    ("ok" | "err") SP SEQ SP LENGTH LF BODY
 *
 * Sessions keep one host peer's bytes from reaching the next. The guest
 * cannot see where a peer's bytes end: in the image, QEMU can hand over a
 * half line, the close, the next connect and the next peer's bytes with no
 * interrupt in between (kernel/drivers/virtio_console.c, vcon_rx_boundary).
 * So a peer says where it begins: SOH (0x01, never part of a request)
 * drops whatever line is in progress, however it got there, and nothing
 * before it is answered afterwards. The ack tells the peer where its own
 * replies begin: anything it reads before that belongs to an earlier peer
 * (a late reply), and it discards it. The bridge opens every connection
 * with a fresh random token. Lines without an opener are still served, for
 * a person at socat; only a peer that opens a session gets the guarantee.
 *
 * This file is the part that faces the host's bytes, so it trusts nothing:
 * any byte sequence gets, line by line, either an answer or an error reply,
 * and the state it keeps is bounded (one line). It is the fuzz target's
 * subject (metrics/fuzz/).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

int lu_metrics_parse_request(const char *line, size_t len, struct lu_metrics_req *req, const char **why)
{
    static const struct {
        const char *word;
        enum lu_metrics_verb verb;
    } verbs[] = {{"metrics", LU_REQ_METRICS}, {"openmetrics", LU_REQ_OPENMETRICS}, {"ping", LU_REQ_PING}};
    if (len && line[len - 1] == '\r')
        len--;
    size_t w = 0;
    while (w < len && line[w] != ' ')
        w++;
    req->verb = 0;
    req->seq = 0;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strlen(verbs[i].word) == w && memcmp(line, verbs[i].word, w) == 0)
            req->verb = verbs[i].verb;
    if (!req->verb) {
        *why = w ? "unknown request" : "empty request";
        return -EINVAL;
    }
    if (w == len)
        return 0;
    /* one space, then 1 to 10 digits that fit 32 bits */
    const char *p = line + w + 1, *end = line + len;
    if (p == end || end - p > 10) {
        *why = "bad sequence number";
        return -EINVAL;
    }
    uint64_t seq = 0;
    for (; p < end; p++) {
        if (!is_digit(*p)) {
            *why = "bad sequence number";
            return -EINVAL;
        }
        seq = seq * 10 + (uint64_t)(*p - '0');
    }
    if (seq > UINT32_MAX) {
        *why = "bad sequence number";
        return -EINVAL;
    }
    req->seq = (uint32_t)seq;
    return 0;
}

static int reply_send(lu_metrics_reply_fn reply, void *ctx, bool ok, uint32_t seq, const char *body,
                      size_t blen)
{
    char hdr[48];
    size_t n = 0;
    const char *status = ok ? "ok " : "err ";
    memcpy(hdr, status, strlen(status));
    n += strlen(status);
    n += fmt_fixed(hdr + n, seq, false, 0);
    hdr[n++] = ' ';
    n += fmt_fixed(hdr + n, blen, false, 0);
    hdr[n++] = '\n';
    return reply(ctx, hdr, n, body, blen);
}

static int send_error(struct lu_metrics_conn *c, lu_metrics_reply_fn reply, void *ctx, uint32_t seq,
                      const char *why)
{
    char body[96];
    size_t n = strlen(why);
    if (n > sizeof body - 2)
        n = sizeof body - 2;
    memcpy(body, why, n);
    body[n++] = '\n';
    c->errors++;
    return reply_send(reply, ctx, false, seq, body, n);
}

static bool is_token_char(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* The line after SOH: "session TOKEN" is acknowledged with the same bytes;
 * anything else is an error, and the line state is clean either way. */
static int open_session(struct lu_metrics_conn *c, const char *line, size_t len, lu_metrics_reply_fn reply,
                        void *ctx)
{
    static const char word[] = "session ";
    size_t w = sizeof word - 1;
    c->requests++;
    if (len && line[len - 1] == '\r')
        len--;
    bool ok = len > w && len - w <= LU_METRICS_TOKEN_MAX && memcmp(line, word, w) == 0;
    for (size_t i = w; ok && i < len; i++)
        ok = is_token_char(line[i]);
    if (!ok)
        return send_error(c, reply, ctx, 0, "bad session opener");
    char ack[1 + sizeof word + LU_METRICS_TOKEN_MAX + 1];
    ack[0] = LU_METRICS_SOH;
    memcpy(ack + 1, line, len);
    ack[1 + len] = '\n';
    c->sessions++;
    return reply(ctx, ack, len + 2, "", 0);
}

/* Answers one complete line. */
static int answer(struct lu_metrics_conn *c, const char *line, size_t len, lu_metrics_reply_fn reply,
                  void *ctx)
{
    struct lu_metrics_req req;
    const char *why = "bad request";
    c->requests++;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)line[i];
        if ((ch < 0x20 && ch != '\r') || ch >= 0x7f)
            return send_error(c, reply, ctx, 0, "request is not printable ASCII");
    }
    if (lu_metrics_parse_request(line, len, &req, &why))
        return send_error(c, reply, ctx, 0, why);
    if (req.verb == LU_REQ_PING)
        return reply_send(reply, ctx, true, req.seq, "pong\n", 5);
    char *body;
    size_t blen;
    int r = lu_metrics_render(req.verb == LU_REQ_OPENMETRICS ? LU_METRICS_OPENMETRICS : LU_METRICS_PROMETHEUS,
                              &body, &blen);
    if (r)
        return send_error(c, reply, ctx, req.seq, "out of memory");
    r = reply_send(reply, ctx, true, req.seq, body, blen);
    free(body);
    return r;
}

int lu_metrics_conn_feed(struct lu_metrics_conn *c, const char *data, size_t n, lu_metrics_reply_fn reply,
                         void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        char ch = data[i];
        if (ch == LU_METRICS_SOH) {
            /* A peer begins here: what came before is not its own. */
            c->len = 0;
            c->discarding = false;
            c->opening = true;
            continue;
        }
        if (c->discarding) {
            if (ch == '\n')
                c->discarding = false;
            continue;
        }
        if (ch == '\n') {
            int r = c->opening ? open_session(c, c->line, c->len, reply, ctx)
                               : answer(c, c->line, c->len, reply, ctx);
            c->len = 0;
            c->opening = false;
            if (r)
                return r;
            continue;
        }
        if (c->len == LU_METRICS_REQ_MAX - 1) {
            /* Too long to be a request: say so once, skip to the next LF. */
            c->len = 0;
            c->discarding = true;
            c->opening = false;
            c->requests++;
            int r = send_error(c, reply, ctx, 0, "request too long");
            if (r)
                return r;
            continue;
        }
        c->line[c->len++] = ch;
    }
    return 0;
}

void lu_metrics_conn_reset(struct lu_metrics_conn *c)
{
    c->len = 0;
    c->discarding = false;
    c->opening = false;
}
