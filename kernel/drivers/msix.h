/*
 * MSI-X for PCI drivers: point one table entry of a device at a vector from
 * irq_alloc and turn MSI-X on. Owns the MSI-X capability and table; does not
 * own the vectors (arch/x86_64/irq.c) or what the device signals on them.
 */
#ifndef LU_KERNEL_MSIX_H
#define LU_KERNEL_MSIX_H
#include "pci.h"

/* Programs table entry @entry to deliver @vector to this CPU, unmasks it,
 * and enables MSI-X on the function (INTx is then off). Returns 0, -ENODEV
 * when the device has no MSI-X, or -EINVAL for an entry past its table. */
int pci_msix_route(struct pci_dev *pci, unsigned entry, int vector);

#endif
