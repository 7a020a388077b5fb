/*
 * httpd: a small HTTP/1.1 server for static content, the same source as a
 * Linux process and as a Lucent image (lwIP sockets over virtio-net).
 *
 *   httpd [--port P] [--max-conns N] [--timeout S] [--idle S] [P]
 *
 * The default port is 80 in the image (QEMU forwards a host port to it) and
 * 8080 in the hostbuild (port_{image,host}.c, chosen by meson).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "server.h"

extern const int httpd_default_port;

static int usage(void)
{
    fprintf(stderr, "usage: httpd [--port P] [--max-conns N] [--timeout S] [--idle S] [P]\n");
    return 2;
}

static int number(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    struct server_config cfg = {
        .port = httpd_default_port,
        .max_conns = 256,
        .request_timeout = 10,
        .idle_timeout = 30,
        .max_head = 4096,
        .max_body = 65536,
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int *dst = !strcmp(a, "--port")        ? &cfg.port
                   : !strcmp(a, "--max-conns") ? &cfg.max_conns
                   : !strcmp(a, "--timeout")   ? &cfg.request_timeout
                   : !strcmp(a, "--idle")      ? &cfg.idle_timeout
                                               : NULL;
        if (dst) {
            if (!v || number(v, dst == &cfg.port ? 0 : 1, dst == &cfg.port ? 65535 : 100000, dst))
                return usage();
            i++;
        } else if (number(a, 0, 65535, &cfg.port)) {
            return usage();
        }
    }
    /* A peer that resets mid-response must not kill the server. */
    signal(SIGPIPE, SIG_IGN);
    int rc = server_run(&cfg);
    fprintf(stderr, "httpd: %s\n", strerror(-rc));
    return 1;
}
