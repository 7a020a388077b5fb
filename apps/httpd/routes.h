/*
 * What httpd answers: the static content compiled in, /health, /stats, and
 * the error replies. Turns a parsed request into one complete response in
 * memory; the connection loop (server.c) only moves bytes.
 */
#ifndef HTTPD_ROUTES_H
#define HTTPD_ROUTES_H
#include <stdbool.h>
#include <stddef.h>
#include "http_parse.h"

struct response {
    char *data; /* malloc'd head + body; the caller frees it */
    size_t len;
    bool close; /* close the connection once it is sent */
};

/* The reply to a well-formed request. Returns 0 or -ENOMEM. */
int route(const struct http_request *req, struct response *out);

/* An error reply (400, 404, 405, 408, 413, 414, 431, 501, 503, 505) that
 * closes the connection. Returns 0 or -ENOMEM. */
int error_reply(int status, struct response *out);

/* apps/httpd/stats_{image,host}.c: the figures /stats serves. */
int httpd_stats_text(char *buf, size_t len);

#endif
