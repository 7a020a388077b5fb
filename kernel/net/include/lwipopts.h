/*
 * lwIP 2.1.3 configuration for Lucent images. Sized for a server that holds
 * a few hundred TCP connections in a few MiB of RAM (apps/httpd: 256
 * connections by default), with every pool counted in lwIP's stats so that
 * leaks show (GET /stats, lu_net_stats_text).
 */
#ifndef LU_LWIPOPTS_H
#define LU_LWIPOPTS_H

/* ---- OS integration: threads, sockets ------------------------------------ */
#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1
#define LWIP_TCPIP_CORE_LOCKING 1
/* Received frames are processed on the virtio-net receive thread under the
 * core lock, not queued to the tcpip thread: a queue in between overflowed
 * when 200 clients sent at once (each drop costs the sender a retransmit
 * timeout), and the receive ring already is a queue, with QEMU holding
 * frames back while it is full. */
#define LWIP_TCPIP_CORE_LOCKING_INPUT 1
#define LWIP_NETCONN 1
#define LWIP_SOCKET 1
/* Apps get the standard names from kernel/net/socket_api.c (thin wrappers
 * that also start the stack on first use), not from lwIP's macros, which
 * would rename read/write/close for every file that includes them. */
#define LWIP_COMPAT_SOCKETS 0
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
/* Descriptors 0-15 are left to the console and other fd kinds; sockets are
 * 16 and up (kernel/libc/syscalls.c dispatches on it). */
#define LWIP_SOCKET_OFFSET 16
#define LWIP_SOCKET_SELECT 1
#define LWIP_SOCKET_POLL 1
#define LWIP_SOCKET_OPEN_COUNT 0 /* Debian's max_sockets patch: keep the fixed table */
/* Debian's `port` patch makes sockets.c use these; lwIP's sockaddr has the
 * BSD length byte, so fill and read it. */
#define IP4ADDR_SOCKADDR_SET_LEN(sin) ((sin)->sin_len = sizeof(struct sockaddr_in))
#define IPADDR_SOCKADDR_GET_LEN(addr) ((addr)->sa.sa_len)
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0
#define LWIP_SO_RCVTIMEO 1
#define LWIP_SO_SNDTIMEO 1
#define LWIP_SO_RCVBUF 0
#define SO_REUSE 1
#define LWIP_TCP_KEEPALIVE 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_SINGLE_NETIF 1

#define TCPIP_THREAD_NAME "lwip-tcpip"
#define TCPIP_THREAD_STACKSIZE 32768
#define TCPIP_THREAD_PRIO 1
#define DEFAULT_THREAD_STACKSIZE 16384
#define TCPIP_MBOX_SIZE 512
#define DEFAULT_TCP_RECVMBOX_SIZE 64
#define DEFAULT_UDP_RECVMBOX_SIZE 16
#define DEFAULT_RAW_RECVMBOX_SIZE 16
#define DEFAULT_ACCEPTMBOX_SIZE 256 /* 200 clients connecting at once all wait in accept() */

/* ---- protocols ------------------------------------------------------------ */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0 /* saves a second of boot; QEMU's DHCP server is the only one */
#define LWIP_DNS 1
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define LWIP_TCP_TIMESTAMPS 0
#define TCP_LISTEN_BACKLOG 1

/* ---- memory ----------------------------------------------------------------- */
#define MEM_ALIGNMENT 8
/* lwIP's heap (received frames and outgoing segments: PBUF_RAM) is the
 * kernel's malloc with a cap of RAM/8 (kernel/net/mem.c), not a fixed
 * array: a 4 MiB guest cannot spare 512 KiB of .bss for it. */
#define MEM_LIBC_MALLOC 1
#define mem_clib_malloc lu_net_mem_malloc
#define mem_clib_calloc lu_net_mem_calloc
#define mem_clib_free lu_net_mem_free
#include <stddef.h>
void *lu_net_mem_malloc(size_t n);
void *lu_net_mem_calloc(size_t count, size_t size);
void lu_net_mem_free(void *p);
size_t lu_net_mem_cap(void);
void lu_net_mem_headroom(void);
#define MEM_SIZE (512 * 1024) /* unused with MEM_LIBC_MALLOC beyond picking a 32-bit mem_size_t */
#define MEMP_NUM_NETCONN 300
#define MEMP_NUM_TCP_PCB 300
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_UDP_PCB 8
#define MEMP_NUM_TCP_SEG 512
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_NETBUF 32
#define MEMP_NUM_TCPIP_MSG_API 64
#define MEMP_NUM_TCPIP_MSG_INPKT 256
#define MEMP_NUM_SELECT_CB 16
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define PBUF_POOL_SIZE 16 /* virtio-net receives into PBUF_RAM; the pool serves lwIP's own needs */
#define PBUF_POOL_BUFSIZE 1536
#define ARP_TABLE_SIZE 16
/* A SYN that meets an old connection in TIME_WAIT reopens it (timewait.c). */
#define LWIP_HOOK_FILENAME "lu_lwip_hooks.h"
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)                                       \
    lu_net_tcp_inpacket(pcb, hdr, optlen, opt1len, opt2, p)
/* Packets for an address still being resolved wait for the ARP reply
 * instead of replacing each other (lwIP's default keeps only the last):
 * a burst of SYNs that reaches a guest which has not yet resolved the
 * gateway otherwise gets one SYN-ACK, and the others only when lwIP
 * retransmits them 3 s later. */
#define ARP_QUEUEING 1
#define ARP_QUEUE_LEN 64
#define MEMP_NUM_ARP_QUEUE 64

/* TCP: a full-size window, and TIME_WAIT kept short (2 x 10 s) so a
 * benchmark's closed connections give their PCBs back quickly. */
#define TCP_MSS 1460
#define TCP_WND (16 * TCP_MSS)
#define TCP_SND_BUF (16 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_MSL 10000UL
#define TCP_OVERSIZE TCP_MSS

/* No checksum offload (see kernel/drivers/virtio_net.c): lwIP computes and
 * checks every checksum itself. */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_UDP 1
#define LWIP_CHKSUM_ALGORITHM 3

/* ---- statistics: what the leak checks read ------------------------------- */
#define LWIP_STATS 1
#define LWIP_STATS_LARGE 1   /* 32-bit counters: kernel/net/metrics.c exports them, 16 bits wrap too soon */
#define LWIP_STATS_DISPLAY 1 /* also gives each pool stats record its name */
#define MEM_STATS 1
#define MEMP_STATS 1
#define SYS_STATS 1
#define LINK_STATS 1
#define TCP_STATS 1
#define IP_STATS 1

#define LWIP_PERF 0

#endif
