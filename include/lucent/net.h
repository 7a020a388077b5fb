/*
 * lucent/net.h: what the image's network stack reports about itself.
 *
 * Image only (kernel/net/stats.c): the hostbuild uses Linux's stack, whose
 * state lives in /proc. An app that serves these figures (apps/httpd's
 * /stats) picks its image or host source file in meson, not by #ifdef.
 */
#ifndef LUCENT_NET_H
#define LUCENT_NET_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes lwIP's pool and protocol counters as "name value" lines into @buf
 * (NUL-terminated, truncated to @len) and returns the length it needed.
 * Lines include, per memory pool, `pool.<NAME>.used/.max/.err/.avail`,
 * `heap.used/.max/.err`, `tcp.pcbs.active/.time_wait/.listen`, and the
 * virtio-net counters. With every connection closed, each pool's `used`
 * falls back to the figure it had before the load: that is the leak check. */
int lu_net_stats_text(char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
