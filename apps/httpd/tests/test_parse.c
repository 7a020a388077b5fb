/* The request parser on good, incomplete, malformed and oversized heads.
 * Runs in both builds (in the image, booted by meson's exe wrapper). */
#include <stdio.h>
#include <string.h>
#include "../http_parse.h"

static int failures;

static void expect(const char *name, const char *req, size_t max, int want)
{
    struct http_request r;
    int got = http_parse(req, strlen(req), max, &r);
    bool ok = want > 0 ? got == (int)strlen(req) : got == want;
    printf("%s %s (got %d)\n", ok ? "ok" : "FAIL", name, got);
    failures += !ok;
}

int main(void)
{
    expect("simple GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 4096, 1);
    expect("HEAD 1.0 no host", "HEAD /a?b=c HTTP/1.0\r\n\r\n", 4096, 1);
    expect("bare LF", "GET / HTTP/1.1\nHost: x\n\n", 4096, 1);
    expect("incomplete line", "GET / HT", 4096, 0);
    expect("incomplete head", "GET / HTTP/1.1\r\nHost: x\r\n", 4096, 0);
    expect("missing host", "GET / HTTP/1.1\r\n\r\n", 4096, -400);
    expect("two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 4096, -400);
    expect("garbage", "\x01\x02\x03 garbage\r\n\r\n", 4096, -400);
    expect("no version", "GET /\r\n\r\n", 4096, -400);
    expect("http/2", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 4096, -505);
    expect("relative target", "GET index.html HTTP/1.1\r\nHost: x\r\n\r\n", 4096, -400);
    expect("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 4096, -400);
    expect("bad length", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 4096, -400);
    expect("conflicting lengths",
           "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 4096, -400);
    expect("chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 4096, -501);
    expect("line too long", "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32, -414);
    expect("head too long", "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 40,
           -431);

    struct http_request r;
    const char *ka = "GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n";
    http_parse(ka, strlen(ka), 4096, &r);
    failures += !r.keep_alive;
    const char *cl =
        "GET /x?q HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 99999999999999999999\r\n\r\n";
    http_parse(cl, strlen(cl), 4096, &r);
    failures += r.keep_alive || r.path_len != 2 || r.content_length <= 1000000000u;
    printf("%s keep-alive and length fields\n", failures ? "FAIL" : "ok");
    printf("%d failures\n", failures);
    return failures != 0;
}
