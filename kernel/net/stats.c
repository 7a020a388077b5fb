/*
 * lwIP's statistics as text (lucent/net.h). The PCB lists are walked with
 * the core lock held, so the counts are a consistent snapshot.
 */
#include <stdarg.h>
#include <stdio.h>
#include <lucent/net.h>
#include <arch/sections.h>
#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "../drivers/virtio_net.h"
#include "../mm/heap.h"
#include "../mm/pages.h"
#include "net.h"

struct out {
    char *buf;
    size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->pos < o->len ? o->len - o->pos : 0;
    int n = vsnprintf(o->buf ? o->buf + o->pos : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->pos += (size_t)n;
}

static unsigned count(struct tcp_pcb *p)
{
    unsigned n = 0;
    for (; p; p = p->next)
        n++;
    return n;
}

int lu_net_stats_text(char *buf, size_t len)
{
    net_start();
    struct out o = {buf, len, 0};
    if (len)
        buf[0] = '\0';
    LOCK_TCPIP_CORE();
    for (int i = 0; i < MEMP_MAX; i++) {
        const struct stats_mem *s = memp_pools[i]->stats;
        char name[32];
        snprintf(name, sizeof name, "%s", s->name);
        for (char *c = name; *c; c++)
            if (*c == '/')
                *c = '_'; /* "PBUF_REF/ROM": keep names one word */
        put(&o, "pool.%s.used %u\npool.%s.max %u\npool.%s.err %u\npool.%s.avail %u\n", name,
            (unsigned)s->used, name, (unsigned)s->max, name, (unsigned)s->err, name, (unsigned)s->avail);
    }
    put(&o, "heap.used %u\nheap.max %u\nheap.err %u\nheap.avail %u\n", (unsigned)lwip_stats.mem.used,
        (unsigned)lwip_stats.mem.max, (unsigned)lwip_stats.mem.err, (unsigned)lwip_stats.mem.avail);
    put(&o, "tcp.pcbs.active %u\ntcp.pcbs.time_wait %u\ntcp.pcbs.listen %u\n", count(tcp_active_pcbs),
        count(tcp_tw_pcbs), count((struct tcp_pcb *)tcp_listen_pcbs.pcbs));
    put(&o, "tcp.xmit %u\ntcp.recv %u\ntcp.drop %u\ntcp.rterr %u\nlink.drop %u\nlink.memerr %u\n",
        (unsigned)lwip_stats.tcp.xmit, (unsigned)lwip_stats.tcp.recv, (unsigned)lwip_stats.tcp.drop,
        (unsigned)lwip_stats.tcp.rterr, (unsigned)lwip_stats.link.drop, (unsigned)lwip_stats.link.memerr);
    put(&o, "sys.sem.used %u\nsys.mutex.used %u\nsys.mbox.used %u\n", (unsigned)lwip_stats.sys.sem.used,
        (unsigned)lwip_stats.sys.mutex.used, (unsigned)lwip_stats.sys.mbox.used);
    UNLOCK_TCPIP_CORE();
    struct virtio_net_stats v;
    virtio_net_get_stats(&v);
    put(&o,
        "virtio_net.rx_packets %llu\nvirtio_net.tx_packets %llu\nvirtio_net.rx_dropped %llu\n"
        "virtio_net.tx_dropped %llu\nvirtio_net.interrupts %llu\n",
        (unsigned long long)v.rx_packets, (unsigned long long)v.tx_packets, (unsigned long long)v.rx_dropped,
        (unsigned long long)v.tx_dropped, (unsigned long long)v.interrupts);
    /* Where the guest's RAM is: the image, the malloc heap (sbrk'd, grows
     * up), pages (stacks, DMA; grow down) and the gap between the two. */
    put(&o, "mem.ram_top %lu\nmem.image %lu\nmem.sbrk %lu\nmem.pages %lu\nmem.gap %lu\n",
        (unsigned long)mem_top(), (unsigned long)(__image_end - __image_start), (unsigned long)heap_used(),
        (unsigned long)pages_used_bytes(), (unsigned long)heap_free());
    return (int)o.pos;
}
