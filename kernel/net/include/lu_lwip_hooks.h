/* The hooks Lucent gives lwIP (LWIP_HOOK_FILENAME in lwipopts.h). */
#ifndef LU_LWIP_HOOKS_H
#define LU_LWIP_HOOKS_H
#include "lwip/err.h"

struct tcp_pcb;
struct tcp_hdr;
struct pbuf;

/* LWIP_HOOK_TCP_INPACKET_PCB: a new connection's SYN that meets an old
 * one still in TIME_WAIT reopens it (timewait.c). ERR_OK lets lwIP go on. */
err_t lu_net_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len, u8_t *opt2,
                          struct pbuf *p);

#endif
