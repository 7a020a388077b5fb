/*
 * PCI for drivers: the devices found at boot, their config space, their
 * BARs (assigned and enabled by pci.c before any driver sees them) and a
 * registration macro. Owns enumeration and resource assignment; does not
 * own interrupts (msix.h points MSI-X entries at vectors, which belong to
 * arch/x86_64/irq.c).
 */
#ifndef LU_KERNEL_PCI_H
#define LU_KERNEL_PCI_H
#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_BARS 6

struct pci_bar {
    uint64_t addr; /* physical == virtual (identity map); 0 when absent */
    uint64_t size;
    bool io, is64, prefetch;
};

struct pci_dev {
    uint8_t bus, slot, fn;
    uint16_t vendor, device;
    uint8_t class, subclass, prog_if, header_type;
    uint8_t irq_line, irq_pin; /* INTx, as firmware left it (pin 0: none) */
    uint16_t command;          /* the command register as pci.c left it */
    bool sized;                /* BARs known: only for functions a driver wants */
    bool decode_off;           /* sized for a driver: decoding stays off until assigned */
    uint8_t msix_cap;          /* config offset of the MSI-X capability, 0: none */
    struct pci_bar bar[PCI_MAX_BARS];
    const struct pci_driver *driver;
    void *priv; /* the driver's per-device state */
};

/* A driver registers itself with PCI_DRIVER(); pci.c probes it for each
 * device whose vendor matches and whose device id is in ids (0-terminated).
 * probe returns 0 to claim the device or -errno. */
struct pci_driver {
    const char *name;
    uint16_t vendor;
    uint16_t ids[8];
    int (*probe)(struct pci_dev *dev);
};
#define PCI_DRIVER(var, ...)                                                                                 \
    static const struct pci_driver var;                                                                      \
    static const struct pci_driver *const var##_reg __attribute__((used, section("lu_pci_drivers"))) = &var; \
    static const struct pci_driver var = __VA_ARGS__

/* Config space access (mechanism #1, ports 0xCF8/0xCFC). */
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v);

/* Offset of the next capability with @id after the one at @after (0: from
 * the start of the list), or 0 when there is none. The walk is bounded, so
 * a looping list from a broken device ends. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned after);

#define PCI_CAP_MSIX 0x11
#define PCI_CAP_VENDOR 0x09

/* Enumerates, assigns BARs, enables decoding and bus mastering, logs one
 * line per device and probes registered drivers. Returns the device count. */
int pci_init(void);

/* The devices found, for diagnostics (gdb `monitor pci`, tests). */
int pci_count(void);
struct pci_dev *pci_get(int i);

#endif
