/*
 * The HTTP/1.x request-head parser: bytes in, a parsed request line and the
 * few headers a static server needs out. No allocation, no I/O, no global
 * state, so it is fuzzed on its own (fuzz_parse.c) and shared unchanged by
 * both builds. Owns syntax only; routing and replies are in routes.c.
 */
#ifndef HTTPD_HTTP_PARSE_H
#define HTTPD_HTTP_PARSE_H
#include <stdbool.h>
#include <stddef.h>

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

struct http_request {
    enum http_method method;
    const char *path; /* into the caller's buffer, not NUL-terminated */
    size_t path_len;  /* up to '?' (the query is ignored) */
    const char *host; /* the Host header's value, into the buffer too; NULL: none */
    size_t host_len;
    int minor;       /* HTTP/1.<minor>: 0 or 1 */
    bool keep_alive; /* after this request (1.1 default, Connection: header) */
    size_t content_length;
    size_t head_len; /* bytes of the request head, blank line included */
};

/* Parses the request head at the start of buf[0..len). Returns head_len
 * (> 0) when a whole head is there, 0 when more bytes are needed and the
 * head could still fit in @max bytes, or a negative HTTP status for a
 * request that must be refused: -400 (malformed), -414 (request line longer
 * than @max), -431 (head longer than @max), -501 (Transfer-Encoding, which
 * this server does not implement), -505 (not HTTP/1.0 or 1.1). */
int http_parse(const char *buf, size_t len, size_t max, struct http_request *req);

#endif
