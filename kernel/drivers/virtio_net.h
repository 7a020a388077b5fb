/*
 * virtio-net as an lwIP network interface. The PCI probe (at boot) sets the
 * device up and fills its receive ring; lwIP attaches later, when the first
 * socket starts the stack (kernel/net/net.c). Owns the device and its
 * queues; does not own addressing (DHCP, static) or the stack.
 */
#ifndef LU_KERNEL_VIRTIO_NET_H
#define LU_KERNEL_VIRTIO_NET_H
#include <stdbool.h>
#include <stdint.h>
#include "lwip/netif.h"

/* True when a virtio-net device was found and set up at boot. */
bool virtio_net_present(void);

/* netif_add's init function: MAC, MTU, output routines, link state; starts
 * the receive thread. Call with the tcpip core lock held (netif_add). */
err_t virtio_net_netif_init(struct netif *nif);

struct virtio_net_stats {
    uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
    uint64_t rx_dropped; /* lwIP had no pbuf or its input queue was full */
    uint64_t tx_dropped; /* no transmit buffer came free in time */
    uint64_t interrupts;
};
void virtio_net_get_stats(struct virtio_net_stats *out);

#endif
