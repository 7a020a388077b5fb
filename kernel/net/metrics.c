/*
 * lwIP's and virtio-net's counters as Prometheus metrics, read at scrape
 * time from the stacks' own statistics (lwipopts.h: LWIP_STATS, with
 * LWIP_STATS_LARGE so counters are 32-bit and do not wrap every 65536
 * packets).
 *
 * Linked into every image (its own library, linked whole), while lwIP is
 * linked only into images that use sockets (kernel/net/meson.build). So
 * every symbol of the stack is a weak reference here: it pulls nothing in,
 * and where the stack is absent these families have no series. Before the stack has
 * started (net_netif() is NULL) the same holds, so a scrape never starts
 * it and never takes a lock that does not exist yet.
 */
#include <lucent/metrics.h>
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "../drivers/virtio_net.h"
#include "net.h"

#pragma weak net_netif
#pragma weak lwip_stats
#pragma weak tcp_active_pcbs
#pragma weak lock_tcpip_core
#pragma weak sys_mutex_lock
#pragma weak sys_mutex_unlock
#pragma weak virtio_net_get_stats

static bool stack_up(void) { return net_netif && &lwip_stats && net_netif(); }

static const struct {
    const char *name;
    size_t offset;
} protos[] = {
    {"ip", offsetof(struct stats_, ip)},
    {"tcp", offsetof(struct stats_, tcp)},
    {"udp", offsetof(struct stats_, udp)},
};

static const struct stats_proto *proto(unsigned i)
{
    return (const struct stats_proto *)((const char *)&lwip_stats + protos[i].offset);
}

/* Counters are read without the core lock: each is one aligned 32-bit
 * word, so a read is never torn, and a scrape need not be a snapshot. */
static void packets_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    if (!stack_up())
        return;
    for (unsigned i = 0; i < sizeof protos / sizeof protos[0]; i++) {
        const struct stats_proto *p = proto(i);
        lu_metrics_emit(s, LU_VALUES(protos[i].name, "in"), __atomic_load_n(&p->recv, __ATOMIC_RELAXED));
        lu_metrics_emit(s, LU_VALUES(protos[i].name, "out"), __atomic_load_n(&p->xmit, __ATOMIC_RELAXED));
    }
}
LU_COLLECTOR(packets, "lucent_net_packets_total", "Packets lwIP received (in) and sent (out), by protocol.",
             LU_METRIC_COUNTER, 0, LU_LABEL_NAMES("proto", "direction"), packets_collect);

static void dropped_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    if (!stack_up())
        return;
    for (unsigned i = 0; i < sizeof protos / sizeof protos[0]; i++)
        lu_metrics_emit(s, LU_VALUES(protos[i].name), __atomic_load_n(&proto(i)->drop, __ATOMIC_RELAXED));
}
LU_COLLECTOR(dropped, "lucent_net_packets_dropped_total", "Packets lwIP dropped, by protocol.",
             LU_METRIC_COUNTER, 0, LU_LABEL_NAMES("proto"), dropped_collect);

/* Connections past the handshake and not yet closed or in TIME_WAIT: the
 * list is lwIP's, so it is walked under the core lock. */
static void tcp_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    if (!stack_up() || !&tcp_active_pcbs || !&lock_tcpip_core)
        return;
    int64_t n = 0;
    LOCK_TCPIP_CORE();
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        n += p->state == ESTABLISHED;
    UNLOCK_TCPIP_CORE();
    lu_metrics_emit(s, NULL, n);
}
LU_COLLECTOR(tcp_conns, "lucent_net_tcp_connections", "TCP connections in the ESTABLISHED state.",
             LU_METRIC_GAUGE, 0, NULL, tcp_collect);

/* ---- virtio-net (kernel/drivers/virtio_net.c counts; we only read) --------- */

static void vnet_collect(struct lu_metrics_sink *s, const struct lu_metric *m)
{
    if (!virtio_net_get_stats || !stack_up())
        return;
    struct virtio_net_stats v;
    virtio_net_get_stats(&v);
    const char *what = m->arg;
    if (what[0] == 'p') {
        lu_metrics_emit(s, LU_VALUES("rx"), (int64_t)v.rx_packets);
        lu_metrics_emit(s, LU_VALUES("tx"), (int64_t)v.tx_packets);
    } else if (what[0] == 'd') {
        lu_metrics_emit(s, LU_VALUES("rx"), (int64_t)v.rx_dropped);
        lu_metrics_emit(s, LU_VALUES("tx"), (int64_t)v.tx_dropped);
    } else {
        lu_metrics_emit(s, NULL, (int64_t)v.interrupts);
    }
}
#define VNET(var, mname, mhelp, names, which)                                                                \
    LU__DESC(var) = {.name = mname,                                                                          \
                     .help = mhelp,                                                                          \
                     .type = LU_METRIC_COUNTER,                                                              \
                     .storage = LU_STORE_COLLECT,                                                            \
                     .label_names = names,                                                                   \
                     .collect = vnet_collect,                                                                \
                     .arg = which}
VNET(vnet_packets, "lucent_virtio_net_packets_total", "Packets through virtio-net's queues, by direction.",
     LU_LABEL_NAMES("direction"), "packets");
VNET(vnet_dropped, "lucent_virtio_net_dropped_total",
     "Packets virtio-net dropped: rx with no pbuf or a full input queue, tx with no free buffer.",
     LU_LABEL_NAMES("direction"), "dropped");
VNET(vnet_irqs, "lucent_virtio_net_interrupts_total", "virtio-net queue interrupts handled.", NULL, "irqs");
