/*
 * Requests to responses. Every response carries Content-Length, so
 * keep-alive works without chunking; HEAD gets GET's head without the body.
 * Errors after which the byte stream cannot be trusted (malformed heads,
 * oversized requests, timeouts) close the connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "content.h"
#include "routes.h"

#define STATS_MAX 8192

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

static int build(struct response *out, int status, const char *type, const char *body, size_t len,
                 bool send_body, bool keep_alive, const char *extra)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nServer: lucent-httpd\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: %s\r\n%s\r\n",
                     status, reason(status), type, len, keep_alive ? "keep-alive" : "close", extra);
    size_t total = (size_t)n + (send_body ? len : 0);
    char *d = malloc(total);
    if (!d)
        return -ENOMEM;
    memcpy(d, head, (size_t)n);
    if (send_body)
        memcpy(d + n, body, len);
    *out = (struct response){d, total, !keep_alive};
    return 0;
}

int error_reply(int status, struct response *out)
{
    char body[64];
    int n = snprintf(body, sizeof body, "%d %s\n", status, reason(status));
    return build(out, status, "text/plain", body, (size_t)n, true, false, "");
}

int route(const struct http_request *req, struct response *out)
{
    bool body = req->method == HTTP_GET;
    if (req->method == HTTP_OTHER) {
        char b[64];
        int n = snprintf(b, sizeof b, "405 %s\n", reason(405));
        return build(out, 405, "text/plain", b, (size_t)n, true, req->keep_alive, "Allow: GET, HEAD\r\n");
    }
    if (req->path_len == 6 && memcmp(req->path, "/stats", 6) == 0) {
        char *s = malloc(STATS_MAX);
        if (!s)
            return -ENOMEM;
        int n = httpd_stats_text(s, STATS_MAX);
        int rc = build(out, 200, "text/plain", s,
                       n < 0                   ? 0
                       : (size_t)n < STATS_MAX ? (size_t)n
                                               : STATS_MAX - 1,
                       body, req->keep_alive, "Cache-Control: no-store\r\n");
        free(s);
        return rc;
    }
    const struct file *f = content_find(req->path, req->path_len);
    if (!f) {
        char b[64];
        int n = snprintf(b, sizeof b, "404 %s\n", reason(404));
        return build(out, 404, "text/plain", b, (size_t)n, body, req->keep_alive, "");
    }
    return build(out, 200, f->type, f->data, f->len, body, req->keep_alive, "");
}
