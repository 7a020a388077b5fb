/*
 * metrics/internal.h: what the metrics files share and the tests reach.
 * Not part of the API (that is include/lucent/metrics.h).
 */
#ifndef LU_METRICS_INTERNAL_H
#define LU_METRICS_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <lucent/metrics.h>

/* buf.c: a growing output buffer. Appends never fail; the first allocation
 * failure sets `err` and later appends do nothing, so a renderer checks
 * once, at the end. */
struct mbuf {
    char *p;
    size_t len, cap;
    int err; /* 0 or -ENOMEM */
};
void mbuf_put(struct mbuf *b, const char *s, size_t n);
void mbuf_puts(struct mbuf *b, const char *s);
void mbuf_putc(struct mbuf *b, char c);
void mbuf_put_u64(struct mbuf *b, uint64_t v);
/* v / 10^decimals, exactly, without trailing zeros: "0.005", "-3", "12.5" */
void mbuf_put_fixed(struct mbuf *b, uint64_t magnitude, bool negative, unsigned decimals);
/* The same into @out (48 bytes suffice); returns its length. */
size_t fmt_fixed(char *out, uint64_t magnitude, bool negative, unsigned decimals);
/* Escapes for the exposition: label values get \\ \" \n; help text gets \\ \n
 * (and \" in OpenMetrics). */
void mbuf_put_label_value(struct mbuf *b, const char *s);
void mbuf_put_help(struct mbuf *b, const char *s, bool escape_quote);

/* registry.c: the sorted, validated descriptor list, built at first use. */
int registry_get(const struct lu_metric *const **list, size_t *n);
bool metric_name_ok(const char *s);
bool label_name_ok(const char *s);

/* vec.c */
enum { VEC_EMPTY = 0, VEC_CLAIMED = 1, VEC_READY = 2 };
/* Splits a slot's NUL-separated values into @out (nlabels entries). */
void vec_slot_values(const struct lu_metric_vec *v, const struct lu_vec_slot *s, const char **out);
static inline void *vec_value(const struct lu_metric_vec *v, uint32_t i)
{
    return (char *)v->values + (size_t)i * v->value_size;
}

/* protocol.c: the lucent.metrics framing (docs/metrics.md). */
#define LU_METRICS_REQ_MAX 128 /* bytes in a request line, LF included */
enum lu_metrics_verb { LU_REQ_METRICS = 1, LU_REQ_OPENMETRICS, LU_REQ_PING };
struct lu_metrics_req {
    enum lu_metrics_verb verb;
    uint32_t seq;
};
/* Parses one request line (without its LF). Returns 0, or -EINVAL with a
 * reason in *why. */
int lu_metrics_parse_request(const char *line, size_t len, struct lu_metrics_req *req, const char **why);

/* SOH starts a session opener (protocol.c says why); a token is at most
 * this long, so an opener always fits a request line. */
#define LU_METRICS_SOH '\x01'
#define LU_METRICS_TOKEN_MAX 32

/* Per-connection state: the partial request line. */
struct lu_metrics_conn {
    char line[LU_METRICS_REQ_MAX];
    size_t len;
    bool discarding; /* skipping the rest of an overlong line */
    bool opening;    /* the line in progress followed an SOH */
    uint64_t requests, errors, sessions;
};
/* Sends one reply: header then body. Returns 0 or -errno (the peer left). */
typedef int (*lu_metrics_reply_fn)(void *ctx, const char *hdr, size_t hlen, const char *body, size_t blen);
/* Feeds received bytes; answers each complete line through @reply (a
 * session ack is a reply with the ack as @hdr and an empty body). Returns
 * 0, or the first error @reply returned. */
int lu_metrics_conn_feed(struct lu_metrics_conn *c, const char *data, size_t n, lu_metrics_reply_fn reply,
                         void *ctx);
void lu_metrics_conn_reset(struct lu_metrics_conn *c);

/* server.c: the serving loop over any byte transport (lu_chan in real
 * programs, a stand-in in tests). read blocks; -EPIPE means the peer left
 * and the next read waits for a new one. */
struct lu_metrics_io {
    ssize_t (*read)(void *ctx, void *buf, size_t len);
    ssize_t (*write)(void *ctx, const void *buf, size_t len);
    void *ctx;
};
/* Serves until read returns an error other than -EPIPE/-EINTR/-EAGAIN;
 * returns that error. */
int lu_metrics_serve(const struct lu_metrics_io *io);
/* lu_metrics_server_start over @io instead of the channel. */
int lu_metrics_server_start_io(const struct lu_metrics_io *io, const char *what);

#endif
