/*
 * httpd's Prometheus metrics (docs/metrics.md): requests by method and
 * status code, and a latency histogram. server.c calls these; the families
 * are declared in httpd_metrics.c.
 */
#ifndef HTTPD_METRICS_H
#define HTTPD_METRICS_H
#include <stddef.h>
#include <stdint.h>
#include <lucent/plat.h> /* lu_plat_now_ns(), for t0_ns */

/* A routed request whose response (@head: "HTTP/1.1 200 ...") was sent or
 * tried; @method is an enum http_method; @t0_ns is lu_plat_now_ns() when
 * its head was complete. */
void httpd_metrics_request(int method, const char *head, size_t len, uint64_t t0_ns);
/* A request answered with an error @status before it was routed (it may
 * not have parsed, so its method is "unknown"). */
void httpd_metrics_error(int status);

#endif
