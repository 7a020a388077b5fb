/*
 * A SYN for a connection whose old incarnation is still in TIME_WAIT.
 *
 * httpd closes first, so each closed connection waits in TIME_WAIT for
 * 2 x TCP_MSL; QEMU's user network connects to the guest from the host
 * client's own port, and the host hands that port out again as soon as its
 * side is closed. lwIP 2.1 answers such a SYN with a bare ACK and ignores
 * the RST that follows (RFC 1337), so the connection waits for QEMU to
 * resend its SYN, about 6 s later: a wrk run in close mode saw dozens.
 * Linux and the BSDs instead reopen the pair when the new SYN's sequence
 * number lies past the old connection's (RFC 1122 4.2.2.13, RFC 6191), and
 * so does this hook: it retires the TIME_WAIT PCB and queues a copy of the
 * SYN to go through IP input again, where the listener takes it. Queued,
 * not called: this runs inside tcp_input, which is not reentrant.
 */
#include <string.h>
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/tcp.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
#include "lu_lwip_hooks.h"

/* The IP packet as it arrived: IP header, TCP header with its options,
 * payload (tcp_input has moved p past both headers, and converted the
 * header's ports, numbers and window to host order). */
static struct pbuf *rebuild(const struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len, const u8_t *opt2,
                            const struct pbuf *p)
{
    const struct ip_hdr *iph = ip4_current_header();
    u16_t iphl = IPH_HL_BYTES(iph), fixed = TCP_HLEN + opt1len, tcphl = (u16_t)(TCP_HLEN + optlen);
    struct pbuf *q = pbuf_alloc(PBUF_RAW, (u16_t)(iphl + tcphl + p->tot_len), PBUF_RAM);
    if (!q)
        return NULL;
    u8_t *out = q->payload; /* PBUF_RAM: one piece */
    memcpy(out, iph, iphl);
    memcpy(out + iphl, hdr, fixed);
    /* tcp_input turned these to host order in place: back as they came */
    struct tcp_hdr *h = (struct tcp_hdr *)(out + iphl);
    h->src = lwip_htons(hdr->src);
    h->dest = lwip_htons(hdr->dest);
    h->seqno = lwip_htonl(hdr->seqno);
    h->ackno = lwip_htonl(hdr->ackno);
    h->wnd = lwip_htons(hdr->wnd);
    if (optlen > opt1len)
        memcpy(out + iphl + fixed, opt2, optlen - opt1len);
    pbuf_copy_partial(p, out + iphl + tcphl, p->tot_len, 0);
    return q;
}

static void reinput(void *arg)
{
    struct pbuf *q = arg;
    struct netif *inp = netif_get_by_index(q->if_idx);
    if (!inp || ip4_input(q, inp) != ERR_OK)
        TCP_STATS_INC(tcp.drop); /* ip4_input frees what it refuses */
}

err_t lu_net_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len, u8_t *opt2,
                          struct pbuf *p)
{
    if (pcb->state != TIME_WAIT || ip_current_is_v6())
        return ERR_OK;
    if ((TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
        return ERR_OK;
    if (!TCP_SEQ_GT(hdr->seqno, pcb->rcv_nxt)) /* tcp_input has made it host order */
        return ERR_OK;                         /* not provably new: lwIP's answer stands */
    struct pbuf *q = rebuild(hdr, optlen, opt1len, opt2, p);
    if (!q)
        return ERR_OK;
    q->if_idx = netif_get_index(ip_current_input_netif());
    if (tcpip_try_callback(reinput, q) != ERR_OK) {
        pbuf_free(q);
        return ERR_OK; /* no room to queue it: lwIP's answer stands */
    }
    tcp_pcb_remove(&tcp_tw_pcbs, pcb);
    tcp_free(pcb);
    return ERR_ABRT; /* this copy is dropped; the queued one reaches the listener */
}
