/*
 * MSI-X (PCI 3.0, 6.8.2): the table lives in a memory BAR named by the
 * capability; each 16-byte entry is an address, a data word and a mask bit.
 */
#include <errno.h>
#include <arch/irq.h>
#include "msix.h"

#define MSIX_ENABLE (1u << 15)
#define MSIX_FUNC_MASK (1u << 14)

int pci_msix_route(struct pci_dev *pci, unsigned entry, int vector)
{
    unsigned cap = pci->msix_cap;
    if (!cap)
        return -ENODEV;
    uint16_t ctrl = pci_read16(pci, cap + 2);
    unsigned size = (ctrl & 0x7ffu) + 1;
    uint32_t table = pci_read32(pci, cap + 4);
    const struct pci_bar *bar = &pci->bar[table & 7];
    if (entry >= size)
        return -EINVAL;
    if (!bar->addr || bar->io || (table & ~7u) + size * 16ull > bar->size)
        return -ENODEV;
    volatile uint32_t *e = (volatile uint32_t *)(uintptr_t)(bar->addr + (table & ~7u) + entry * 16u);
    uint64_t addr;
    uint32_t data;
    irq_msi_message(vector, &addr, &data);
    e[3] = 1; /* masked while it changes */
    e[0] = (uint32_t)addr;
    e[1] = (uint32_t)(addr >> 32);
    e[2] = data;
    e[3] = 0;
    pci_write16(pci, cap + 2, (uint16_t)((ctrl | MSIX_ENABLE) & ~MSIX_FUNC_MASK));
    return 0;
}
