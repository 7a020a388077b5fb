/*
 * RFC 9112 request heads, strictly enough to be safe and loosely enough for
 * real clients: a bare LF ends a line as CRLF does (9112, 2.2), header
 * names are tokens with no space before the colon (5.1: a space there is
 * an attack vector, answered 400), Content-Length is digits only and must
 * agree with itself (6.3), and HTTP/1.1 needs a Host header (RFC 9110, 7.2).
 */
#include <string.h>
#include "http_parse.h"

#define MAX_CONTENT_LENGTH 1000000000u /* beyond any body we accept; stops overflow */

static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

static bool ieq(const char *a, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != lit[i])
            return false;
    return true;
}

/* The end of the line starting at @p (the LF), or NULL if not in buf. */
static const char *line_end(const char *p, const char *end) { return memchr(p, '\n', (size_t)(end - p)); }

/* Line [p, lf) without its CR. */
static size_t line_len(const char *p, const char *lf)
{
    size_t n = (size_t)(lf - p);
    return n && p[n - 1] == '\r' ? n - 1 : n;
}

static int parse_request_line(const char *p, size_t n, struct http_request *r)
{
    size_t i = 0;
    while (i < n && is_tchar(p[i]))
        i++;
    if (i == 0 || i >= n || p[i] != ' ')
        return -400;
    r->method = (i == 3 && !memcmp(p, "GET", 3))    ? HTTP_GET
                : (i == 4 && !memcmp(p, "HEAD", 4)) ? HTTP_HEAD
                                                    : HTTP_OTHER;
    size_t t = ++i;
    while (i < n && p[i] != ' ') {
        if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f)
            return -400;
        i++;
    }
    if (i == t || i >= n || p[t] != '/')
        return -400;
    r->path = p + t;
    const char *q = memchr(r->path, '?', i - t);
    r->path_len = q ? (size_t)(q - r->path) : i - t;
    i++;
    if (n - i != 8 || memcmp(p + i, "HTTP/", 5) || p[i + 6] != '.' || p[i + 5] < '0' || p[i + 5] > '9' ||
        p[i + 7] < '0' || p[i + 7] > '9')
        return -400;
    if (p[i + 5] != '1' || p[i + 7] > '1')
        return -505;
    r->minor = p[i + 7] - '0';
    r->keep_alive = r->minor == 1;
    return 0;
}

/* "close" / "keep-alive" anywhere in a comma-separated Connection value. */
static void parse_connection(const char *v, size_t n, struct http_request *r)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
            i++;
        if (ieq(v + s, i - s, "close"))
            r->keep_alive = false;
        else if (ieq(v + s, i - s, "keep-alive"))
            r->keep_alive = true;
    }
}

static int parse_length(const char *v, size_t n, size_t *out)
{
    if (n == 0)
        return -400;
    size_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -400;
        x = x * 10 + (size_t)(v[i] - '0');
        if (x > MAX_CONTENT_LENGTH)
            x = MAX_CONTENT_LENGTH + 1; /* saturate: still too big, never wraps */
    }
    *out = x;
    return 0;
}

int http_parse(const char *buf, size_t len, size_t max, struct http_request *r)
{
    const char *p = buf, *end = buf + (len < max ? len : max);
    *r = (struct http_request){0};
    /* Tolerate blank lines before a request (9112, 2.2). */
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    const char *lf = line_end(p, end);
    if (!lf)
        return len >= max ? -414 : 0;
    int rc = parse_request_line(p, line_len(p, lf), r);
    if (rc)
        return rc;
    bool have_length = false, have_host = false;
    for (p = lf + 1;; p = lf + 1) {
        if (!(lf = line_end(p, end)))
            return len >= max ? -431 : 0;
        size_t n = line_len(p, lf);
        if (n == 0)
            break;
        size_t c = 0;
        while (c < n && is_tchar(p[c]))
            c++;
        if (c == 0 || c >= n || p[c] != ':')
            return -400; /* no name, no colon, or whitespace before it */
        const char *v = p + c + 1;
        size_t vn = n - c - 1;
        while (vn && (*v == ' ' || *v == '\t'))
            v++, vn--;
        while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
            vn--;
        for (size_t i = 0; i < vn; i++)
            if ((v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
                return -400;
        if (ieq(p, c, "content-length")) {
            size_t cl;
            if (parse_length(v, vn, &cl) || (have_length && cl != r->content_length))
                return -400;
            r->content_length = cl;
            have_length = true;
        } else if (ieq(p, c, "transfer-encoding")) {
            return -501;
        } else if (ieq(p, c, "connection")) {
            parse_connection(v, vn, r);
        } else if (ieq(p, c, "host")) {
            if (have_host)
                return -400;
            have_host = true;
            r->host = v;
            r->host_len = vn;
        }
    }
    if (r->minor == 1 && !have_host)
        return -400;
    r->head_len = (size_t)(lf + 1 - buf);
    return (int)r->head_len;
}
