/*
 * Starting the stack: lwIP's tcpip thread, the virtio-net interface, and
 * its address. Done once, on the first socket call, so images that never
 * touch the network pay nothing (this file is only linked when they do).
 *
 * Addressing: `ip=A.B.C.D/LEN gw=A.B.C.D [dns=A.B.C.D]` on the kernel
 * command line (lu_plat_getopt) gives a static address; otherwise DHCP,
 * and start-up waits for the lease (at most net_wait= seconds) so that a
 * server is reachable by the time it reports itself ready.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/plat.h>
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include <lucent/trace.h>
#include "../drivers/virtio_net.h"
#include "../lib/klog.h"
#include "../lib/kprintf.h"
#include "net.h"

static struct netif nif;
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int started;

/* Tracing (category "net"): a slice per frame into the stack (lwIP's
 * input, run inline on the receiving thread: core-locked input) and per
 * frame handed to the driver. Wrappers, so the driver needs no change. */
LU_TRACE_SLICE(net_rx, "net", (uint32_t, len));
LU_TRACE_SLICE(net_tx, "net", (uint32_t, len));
static netif_linkoutput_fn driver_linkoutput;

static err_t traced_input(struct pbuf *p, struct netif *n)
{
    LU_TRACE_SCOPED(net_rx, p->tot_len);
    return tcpip_input(p, n);
}

static err_t traced_linkoutput(struct netif *n, struct pbuf *p)
{
    LU_TRACE_SCOPED(net_tx, p->tot_len);
    return driver_linkoutput(n, p);
}

static void tcpip_ready(void *arg) { sys_sem_signal((sys_sem_t *)arg); }

/* "10.0.2.15/24" -> address and netmask; 0 or -EINVAL. */
static int parse_cidr(const char *s, ip4_addr_t *addr, ip4_addr_t *mask)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%s", s);
    char *slash = strchr(buf, '/');
    int len = 24;
    if (slash) {
        *slash = '\0';
        char *end;
        len = (int)strtol(slash + 1, &end, 10);
        if (*end || len < 0 || len > 32)
            return -EINVAL;
    }
    if (!ip4addr_aton(buf, addr))
        return -EINVAL;
    ip4_addr_set_u32(mask, len ? lwip_htonl(0xffffffffu << (32 - len)) : 0);
    return 0;
}

static void report(const char *how)
{
    char a[16], m[16], g[16];
    ip4addr_ntoa_r(netif_ip4_addr(&nif), a, sizeof a);
    ip4addr_ntoa_r(netif_ip4_netmask(&nif), m, sizeof m);
    ip4addr_ntoa_r(netif_ip4_gw(&nif), g, sizeof g);
    kprintf("net: %c%c0 %02x:%02x:%02x:%02x:%02x:%02x %s netmask %s gw %s (%s)\n", nif.name[0], nif.name[1],
            nif.hwaddr[0], nif.hwaddr[1], nif.hwaddr[2], nif.hwaddr[3], nif.hwaddr[4], nif.hwaddr[5], a, m, g,
            how);
}

/* Every connection from the host comes through the gateway (QEMU's user
 * network), so its address is resolved now, before the first SYN needs
 * an answer, rather than while a burst of them waits. */
static void resolve_gateway(void)
{
    LOCK_TCPIP_CORE();
    if (!ip4_addr_isany_val(*netif_ip4_gw(&nif)))
        etharp_request(&nif, netif_ip4_gw(&nif));
    UNLOCK_TCPIP_CORE();
}

static void attach(void)
{
    ip4_addr_t addr = {0}, mask = {0}, gw = {0};
    const char *ip = lu_plat_getopt("ip"), *gws = lu_plat_getopt("gw"), *dns = lu_plat_getopt("dns");
    bool fixed = ip && parse_cidr(ip, &addr, &mask) == 0;
    if (ip && !fixed)
        kprintf("net: ignoring ip=%s (want A.B.C.D/LEN); using DHCP\n", ip);
    if (fixed && gws && !ip4addr_aton(gws, &gw))
        kprintf("net: ignoring gw=%s\n", gws);

    LOCK_TCPIP_CORE();
    if (!netif_add(&nif, &addr, &mask, &gw, NULL, virtio_net_netif_init, traced_input)) {
        UNLOCK_TCPIP_CORE();
        kprintf("net: virtio-net did not attach\n");
        return;
    }
    driver_linkoutput = nif.linkoutput;
    nif.linkoutput = traced_linkoutput;
    netif_set_default(&nif);
    netif_set_up(&nif);
    ip_addr_t d;
    if (dns && ipaddr_aton(dns, &d))
        dns_setserver(0, &d); /* else DHCP's, or none with a static address */
    if (!fixed)
        dhcp_start(&nif);
    UNLOCK_TCPIP_CORE();

    if (fixed) {
        report("static");
        resolve_gateway();
        return;
    }
    const char *w = lu_plat_getopt("net_wait");
    uint64_t wait_s = w ? strtoul(w, NULL, 10) : 5;
    uint64_t deadline = lu_plat_now_ns() + wait_s * 1000000000ull;
    while (!dhcp_supplied_address(&nif) && lu_plat_now_ns() < deadline)
        sys_msleep(5);
    if (dhcp_supplied_address(&nif)) {
        report("dhcp");
        resolve_gateway();
    } else
        kprintf("net: no DHCP lease after %lu s; still trying in the background\n", (unsigned long)wait_s);
}

int net_start(void)
{
    if (started)
        return 0;
    pthread_mutex_lock(&start_lock);
    if (!started) {
        lu_net_mem_headroom(); /* mem.c: before any stack can take the gap */
        sys_sem_t ready;
        sys_sem_new(&ready, 0);
        tcpip_init(tcpip_ready, &ready);
        sys_arch_sem_wait(&ready, 0);
        sys_sem_free(&ready);
        if (virtio_net_present())
            attach();
        else
            klog_debug("net: no virtio-net device; sockets reach nothing\n");
        started = 1;
    }
    pthread_mutex_unlock(&start_lock);
    return 0;
}

struct netif *net_netif(void) { return started ? &nif : NULL; }
