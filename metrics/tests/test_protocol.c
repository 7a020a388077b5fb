/* The lucent.metrics framing: parsing, garbage, and the serving loop over
 * an in-memory transport. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/metrics.h>
#include <lucent/test.h>
#include "../internal.h"

LU_TEST(protocol_parses_requests)
{
    struct lu_metrics_req r;
    const char *why = NULL;
    LU_CHECK_EQ(lu_metrics_parse_request("metrics", 7, &r, &why), 0);
    LU_CHECK(r.verb == LU_REQ_METRICS && r.seq == 0);
    LU_CHECK_EQ(lu_metrics_parse_request("ping 4294967295\r", 16, &r, &why), 0);
    LU_CHECK(r.verb == LU_REQ_PING && r.seq == 4294967295u);
    LU_CHECK_EQ(lu_metrics_parse_request("openmetrics 12", 14, &r, &why), 0);
    LU_CHECK(r.verb == LU_REQ_OPENMETRICS && r.seq == 12);
    const char *bad[] = {"",
                         "metric",
                         "metrics ",
                         "metrics 4294967296",
                         "metrics 12a",
                         "metrics  1",
                         "METRICS",
                         "metrics 99999999999",
                         "ping -1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        LU_CHECK_EQ(lu_metrics_parse_request(bad[i], strlen(bad[i]), &r, &why), -EINVAL);
}

struct capture {
    char out[1 << 17];
    size_t len;
    int replies;
};

static int capture_reply(void *ctx, const char *hdr, size_t hlen, const char *body, size_t blen)
{
    struct capture *c = ctx;
    c->replies++;
    if (c->len + hlen + blen < sizeof c->out) {
        memcpy(c->out + c->len, hdr, hlen);
        memcpy(c->out + c->len + hlen, body, blen);
        c->len += hlen + blen;
        c->out[c->len] = '\0';
    }
    return 0;
}

LU_TEST(protocol_answers_garbage_with_errors)
{
    static struct capture c;
    struct lu_metrics_conn conn = {0};
    memset(&c, 0, sizeof c);
    const char in[] = "hello\n\x02\xff\n  \nping 7\r\n";
    LU_CHECK_EQ(lu_metrics_conn_feed(&conn, in, sizeof in - 1, capture_reply, &c), 0);
    LU_CHECK_EQ(c.replies, 4);
    LU_CHECK(strcmp(c.out, "err 0 16\nunknown request\n"
                           "err 0 31\nrequest is not printable ASCII\n"
                           "err 0 14\nempty request\n"
                           "ok 7 5\npong\n") == 0);
}

LU_TEST(protocol_overlong_line_gets_one_error_then_resyncs)
{
    static struct capture c;
    struct lu_metrics_conn conn = {0};
    memset(&c, 0, sizeof c);
    char junk[1000];
    memset(junk, 'a', sizeof junk);
    /* arrives in pieces, as a stream does */
    for (int i = 0; i < 3; i++)
        LU_CHECK_EQ(lu_metrics_conn_feed(&conn, junk, sizeof junk, capture_reply, &c), 0);
    LU_CHECK_EQ(lu_metrics_conn_feed(&conn, "\npi", 3, capture_reply, &c), 0);
    LU_CHECK_EQ(lu_metrics_conn_feed(&conn, "ng 1\n", 5, capture_reply, &c), 0);
    LU_CHECK(strcmp(c.out, "err 0 17\nrequest too long\nok 1 5\npong\n") == 0);
}

LU_TEST(protocol_metrics_reply_is_length_prefixed)
{
    static struct capture c;
    struct lu_metrics_conn conn = {0};
    memset(&c, 0, sizeof c);
    LU_CHECK_EQ(lu_metrics_conn_feed(&conn, "metrics 3\n", 10, capture_reply, &c), 0);
    unsigned long seq = 0, len = 0;
    char *nl = strchr(c.out, '\n');
    LU_CHECK(nl != NULL);
    LU_CHECK(strncmp(c.out, "ok 3 ", 5) == 0);
    seq = strtoul(c.out + 3, NULL, 10);
    len = strtoul(c.out + 5, NULL, 10);
    LU_CHECK_EQ(seq, 3);
    LU_CHECK(nl && strlen(nl + 1) == len);
    LU_CHECK(nl && strncmp(nl + 1, "# HELP ", 7) == 0);
}

/* A scripted transport: two peers, the first leaves mid-line. */
struct script {
    const char *chunks[8];
    int next;
    struct capture cap;
};

static ssize_t script_read(void *ctx, void *buf, size_t len)
{
    struct script *s = ctx;
    const char *c = s->chunks[s->next];
    if (!c)
        return -EIO; /* ends the loop */
    s->next++;
    if (c[0] == '!')
        return -EPIPE;
    size_t n = strlen(c) < len ? strlen(c) : len;
    memcpy(buf, c, n);
    return (ssize_t)n;
}

static ssize_t script_write(void *ctx, const void *buf, size_t len)
{
    struct script *s = ctx;
    if (len > 3)
        len = 3; /* short writes must be retried */
    capture_reply(&s->cap, buf, len, "", 0);
    return (ssize_t)len;
}

LU_TEST(serve_loop_survives_peers_leaving)
{
    static struct script s = {.chunks = {"ping 1\npi", "!", "ng 2\n", "ping 3\n", NULL}};
    struct lu_metrics_io io = {script_read, script_write, &s};
    LU_CHECK_EQ(lu_metrics_serve(&io), -EIO);
    /* "pi" from the first peer is forgotten, so "ng 2" is garbage */
    LU_CHECK(strcmp(s.cap.out, "ok 1 5\npong\nerr 0 16\nunknown request\nok 3 5\npong\n") == 0);
}

/* The image's case: the first peer leaves mid-line and the channel says
 * nothing; the next peer's session opener is all that marks the change. */
LU_TEST(session_opener_drops_the_last_peers_half_line)
{
    static struct script s = {.chunks = {"ping 1\nmetrics 9", "\x01session Ab09\nping 2\n", NULL}};
    struct lu_metrics_io io = {script_read, script_write, &s};
    LU_CHECK_EQ(lu_metrics_serve(&io), -EIO);
    LU_CHECK(strcmp(s.cap.out, "ok 1 5\npong\n\x01session Ab09\nok 2 5\npong\n") == 0);
}

LU_TEST(session_opener_ends_an_overlong_line_and_opens)
{
    static struct capture c;
    struct lu_metrics_conn conn = {0};
    memset(&c, 0, sizeof c);
    char junk[300];
    memset(junk, 'x', sizeof junk);
    LU_CHECK_EQ(lu_metrics_conn_feed(&conn, junk, sizeof junk, capture_reply, &c), 0);
    /* an SOH in the middle of an opener starts over, too */
    const char in[] = "\x01sess\x01session Z\r\nping 3\n";
    LU_CHECK_EQ(lu_metrics_conn_feed(&conn, in, sizeof in - 1, capture_reply, &c), 0);
    LU_CHECK(strcmp(c.out, "err 0 17\nrequest too long\n\x01session Z\nok 3 5\npong\n") == 0);
    LU_CHECK_EQ(conn.sessions, 1);
}

LU_TEST(session_bad_openers_get_an_error_and_a_clean_line)
{
    const char *bad[] = {"\x01session\n",
                         "\x01session \n",
                         "\x01session a b\n",
                         "\x01session a-b\n",
                         "\x01SESSION ab\n",
                         "\x01ping 1\n",
                         "\x01session 0123456789abcdef0123456789abcdefX\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        static struct capture c;
        struct lu_metrics_conn conn = {0};
        memset(&c, 0, sizeof c);
        LU_CHECK_EQ(lu_metrics_conn_feed(&conn, bad[i], strlen(bad[i]), capture_reply, &c), 0);
        LU_CHECK_EQ(lu_metrics_conn_feed(&conn, "ping 4\n", 7, capture_reply, &c), 0);
        LU_CHECK(strcmp(c.out, "err 0 19\nbad session opener\nok 4 5\npong\n") == 0);
        LU_CHECK_EQ(conn.sessions, 0);
    }
    /* the longest token there is still fits */
    static struct capture c;
    struct lu_metrics_conn conn = {0};
    memset(&c, 0, sizeof c);
    const char in[] = "\x01session 0123456789abcdef0123456789abcdef\n";
    LU_CHECK_EQ(lu_metrics_conn_feed(&conn, in, sizeof in - 1, capture_reply, &c), 0);
    LU_CHECK(strcmp(c.out, in) == 0);
}
