/*
 * Compiled-in content: the index page, and a 1 KiB file that the
 * benchmarks fetch (bench/http; the Linux guest serves the same bytes, which
 * bench/http/run.py writes out from `GET /1k`).
 */
#include <string.h>
#include "content.h"

static const char index_html[] =
    "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Lucent httpd</title></head>\n"
    "<body>\n<h1>Hello from Lucent</h1>\n"
    "<p>This page is served by <code>apps/httpd</code>: the same C source runs as a Linux process "
    "and as a unikernel image on lwIP over virtio-net.</p>\n"
    "<ul>\n<li><a href=\"/health\">/health</a>: liveness</li>\n"
    "<li><a href=\"/stats\">/stats</a>: network stack counters</li>\n"
    "<li><a href=\"/1k\">/1k</a>: 1 KiB for benchmarks</li>\n</ul>\n</body></html>\n";

/* 1024 bytes: 16 lines of 63 characters and a newline. */
#define L64 "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n"
static const char one_k[] = L64 L64 L64 L64 L64 L64 L64 L64 L64 L64 L64 L64 L64 L64 L64 L64;
_Static_assert(sizeof one_k - 1 == 1024, "the benchmark file is 1 KiB");

static const char health[] = "ok\n";

static const struct file files[] = {
    {"/", "text/html; charset=utf-8", index_html, sizeof index_html - 1},
    {"/index.html", "text/html; charset=utf-8", index_html, sizeof index_html - 1},
    {"/1k", "application/octet-stream", one_k, sizeof one_k - 1},
    {"/health", "text/plain", health, sizeof health - 1},
};

const struct file *content_find(const char *path, size_t len)
{
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (strlen(files[i].path) == len && memcmp(files[i].path, path, len) == 0)
            return &files[i];
    return NULL;
}
