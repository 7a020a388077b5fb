/*
 * PCI enumeration through configuration mechanism #1 (ports 0xCF8/0xCFC).
 *
 * PVH boot promises no firmware, so this file does what a BIOS would for
 * the devices we drive: it sizes their BARs, keeps an assignment that is
 * already valid (SeaBIOS may have run), and otherwise places the BAR in a
 * window of the 32-bit PCI hole that the MMU maps uncached (0xE0000000 up,
 * below the IOAPIC/HPET/LAPIC pages at 0xFEC00000). 64-bit BARs are placed
 * there too, so every BAR is reachable through the identity map without
 * new page tables. Then it turns on memory/IO decoding and bus mastering
 * and hands the device to a driver registered with PCI_DRIVER(). Functions
 * no driver wants are listed, not touched.
 *
 * Buses: bus 0 and any bus behind a PCI-to-PCI bridge whose secondary bus
 * number is already set; bridges are not renumbered.
 */
#include <errno.h>
#include <string.h>
#include <arch/cpu.h>
#include "../kernel.h"
#include "../lib/klog.h"
#include "../lib/kprintf.h"
#include "pci.h"

#define CFG_ADDR 0xCF8
#define CFG_DATA 0xCFC

#define PCI_COMMAND 0x04
#define PCI_CMD_IO (1u << 0)
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_STATUS 0x06
#define PCI_STATUS_CAPS (1u << 4)
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_INT_LINE 0x3C
#define PCI_SECONDARY_BUS 0x19

#define MMIO_WINDOW_LO 0xE0000000ULL
#define MMIO_WINDOW_HI 0xFEC00000ULL
#define IO_WINDOW_LO 0xC000u
#define IO_WINDOW_HI 0x10000u

#define MAX_DEVS 64
static struct pci_dev devs[MAX_DEVS];
static int ndevs;
static uint64_t mmio_next = MMIO_WINDOW_LO;
static uint32_t io_next = IO_WINDOW_LO;

extern const struct pci_driver *const __start_lu_pci_drivers[], *const __stop_lu_pci_drivers[];

static uint32_t cfg_addr(uint8_t bus, uint8_t slot, uint8_t fn, unsigned off)
{
    return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)slot << 11 | (uint32_t)fn << 8 | (off & 0xFC);
}

static uint32_t raw_read32(uint8_t bus, uint8_t slot, uint8_t fn, unsigned off)
{
    outl(CFG_ADDR, cfg_addr(bus, slot, fn, off));
    return inl(CFG_DATA);
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off) { return raw_read32(d->bus, d->slot, d->fn, off); }
uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
    return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}
uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
    return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
    outl(CFG_ADDR, cfg_addr(d->bus, d->slot, d->fn, off));
    outl(CFG_DATA, v);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
    outl(CFG_ADDR, cfg_addr(d->bus, d->slot, d->fn, off));
    outw(CFG_DATA + (off & 2), v);
}

void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v)
{
    outl(CFG_ADDR, cfg_addr(d->bus, d->slot, d->fn, off));
    outb(CFG_DATA + (off & 3), v);
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned after)
{
    if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
        return 0;
    unsigned off = after ? pci_read8(d, after + 1) : pci_read8(d, PCI_CAP_PTR);
    /* 48 capabilities fit in the 192 bytes after the header: more means a loop. */
    for (int n = 0; n < 48 && off >= 0x40; n++) {
        off &= 0xFC;
        if (pci_read8(d, off) == id)
            return off;
        off = pci_read8(d, off + 1);
    }
    return 0;
}

/* Is [a, a+size) clear of every BAR already decoded by a device? */
static bool window_free(uint64_t a, uint64_t size, bool io)
{
    for (int i = 0; i < ndevs; i++)
        for (int b = 0; b < PCI_MAX_BARS; b++) {
            const struct pci_bar *r = &devs[i].bar[b];
            if (r->addr && r->io == io && a < r->addr + r->size && r->addr < a + size)
                return false;
        }
    return true;
}

static void size_bars(struct pci_dev *d, bool restore);

/* Placing a BAR must avoid every BAR already decoding, including those of
 * functions no driver wants, which are sized only now: with firmware
 * (SeaBIOS) everything is assigned and this never runs. */
static void learn_all_bars(void)
{
    static bool done;
    for (int i = 0; i < ndevs && !done; i++)
        if (!devs[i].sized && devs[i].header_type == 0)
            size_bars(&devs[i], true);
    done = true;
}

static uint64_t window_alloc(uint64_t size, bool io)
{
    learn_all_bars();
    uint64_t next = io ? io_next : mmio_next, hi = io ? IO_WINDOW_HI : MMIO_WINDOW_HI;
    uint64_t a = ALIGN_UP(next, size);
    while (a + size <= hi && !window_free(a, size, io))
        a = ALIGN_UP(a + size, size);
    if (a + size > hi)
        return 0;
    if (io)
        io_next = (uint32_t)(a + size);
    else
        mmio_next = a + size;
    return a;
}

/* Sizes BAR @i by the all-ones probe (decoding must be off), records it,
 * and returns how many BAR slots it used (2 for a 64-bit BAR). */
static int bar_probe(struct pci_dev *d, int i)
{
    unsigned off = PCI_BAR0 + 4 * i;
    uint32_t lo = pci_read32(d, off);
    struct pci_bar *b = &d->bar[i];
    b->io = lo & 1;
    b->is64 = !b->io && ((lo >> 1) & 3) == 2;
    b->prefetch = !b->io && (lo & 8);
    pci_write32(d, off, 0xFFFFFFFF);
    uint32_t mask_lo = pci_read32(d, off);
    pci_write32(d, off, lo);
    uint64_t addr = b->io ? (lo & ~3u) : (lo & ~15u),
             mask = b->io ? (mask_lo | 0xFFFF0000u) & ~3u : mask_lo & ~15u;
    if (b->is64 && i < PCI_MAX_BARS - 1) {
        uint32_t hi = pci_read32(d, off + 4);
        pci_write32(d, off + 4, 0xFFFFFFFF);
        mask |= (uint64_t)pci_read32(d, off + 4) << 32;
        pci_write32(d, off + 4, hi);
        addr |= (uint64_t)hi << 32;
    } else {
        mask |= 0xFFFFFFFF00000000ULL;
    }
    int slots = b->is64 ? 2 : 1;
    if (mask == 0xFFFFFFFF00000000ULL || mask == 0xFFFFFFFFFFFF0000ULL || !(mask & 0xFFFFFFFF)) {
        *b = (struct pci_bar){0}; /* not implemented (or too big to place below 4 GiB) */
        return slots;
    }
    b->size = ~mask + 1;
    b->addr = addr;
    return slots;
}

static void bar_assign(struct pci_dev *d, int i)
{
    struct pci_bar *b = &d->bar[i];
    if (!b->size)
        return;
    bool ok = b->addr != 0 && (b->io || b->addr + b->size <= MMIO_WINDOW_HI);
    if (ok) {
        /* Keep it, unless it collides with a BAR placed before it. */
        uint64_t a = b->addr;
        b->addr = 0;
        ok = window_free(a, b->size, b->io);
        b->addr = a;
    }
    if (ok)
        return;
    uint64_t a = window_alloc(b->size, b->io);
    if (!a) {
        kprintf("pci: %02x:%02x.%u BAR%d: no room for %lu bytes\n", d->bus, d->slot, d->fn, i,
                (unsigned long)b->size);
        b->addr = 0;
        return;
    }
    b->addr = a;
    pci_write32(d, PCI_BAR0 + 4 * i,
                (uint32_t)a | (b->io ? 1 : 0) | (b->is64 ? 4 : 0) | (b->prefetch ? 8 : 0));
    if (b->is64)
        pci_write32(d, PCI_BAR0 + 4 * i + 4, (uint32_t)(a >> 32));
}

static const char *class_name(uint8_t c, uint8_t s)
{
    switch (c) {
    case 0x01: return "storage";
    case 0x02: return "network";
    case 0x03: return "display";
    case 0x06: return s == 0x04 ? "pci bridge" : (s == 0x01 ? "isa bridge" : "bridge");
    case 0x07: return "communication";
    case 0x0C: return "serial bus";
    default: return "device";
    }
}

static void scan_bus(uint8_t bus, int depth);

static bool has_driver(const struct pci_dev *d)
{
    for (const struct pci_driver *const *p = __start_lu_pci_drivers; p < __stop_lu_pci_drivers; p++)
        for (int k = 0; k < 8 && (*p)->ids[k]; k++)
            if ((*p)->vendor == d->vendor && (*p)->ids[k] == d->device)
                return true;
    return false;
}

/* Sizes the BARs of a header-type-0 function, with decoding off: a
 * driven function stays off until assign_all turns it on; others get their
 * command register back. Each decoding change makes QEMU rebuild its memory
 * map (milliseconds under TCG), so a driven function sees exactly two. */
static void size_bars(struct pci_dev *d, bool restore)
{
    d->command = pci_read16(d, PCI_COMMAND);
    uint16_t off = d->command & ~(PCI_CMD_IO | PCI_CMD_MEM);
    if (off != d->command)
        pci_write16(d, PCI_COMMAND, off);
    for (int i = 0; i < PCI_MAX_BARS;)
        i += bar_probe(d, i);
    if (restore && off != d->command)
        pci_write16(d, PCI_COMMAND, d->command);
    d->sized = true;
    d->decode_off = !restore;
}

/* Config cycles are VM exits, slow under TCG (several microseconds each),
 * so a function no driver wants costs three reads; only driven functions
 * get their BARs sized, capabilities walked and decoding enabled. */
static void add_function(uint8_t bus, uint8_t slot, uint8_t fn, uint32_t id, int depth)
{
    if (ndevs == MAX_DEVS)
        return;
    struct pci_dev *d = &devs[ndevs++];
    *d = (struct pci_dev){
        .bus = bus, .slot = slot, .fn = fn, .vendor = (uint16_t)id, .device = (uint16_t)(id >> 16)};
    uint32_t cls = pci_read32(d, 0x08);
    d->class = cls >> 24;
    d->subclass = (cls >> 16) & 0xFF;
    d->prog_if = (cls >> 8) & 0xFF;
    d->header_type = (pci_read32(d, 0x0C) >> 16) & 0x7F;
    bool driven = d->header_type == 0 && has_driver(d);
    if (driven) {
        uint32_t intr = pci_read32(d, PCI_INT_LINE);
        d->irq_line = (uint8_t)intr;
        d->irq_pin = (uint8_t)(intr >> 8);
        d->msix_cap = (uint8_t)pci_find_cap(d, PCI_CAP_MSIX, 0);
        size_bars(d, false);
    }
    klog_debug("pci: %02x:%02x.%u %04x:%04x %s%s%s\n", bus, slot, fn, d->vendor, d->device,
               class_name(d->class, d->subclass), driven ? " (driver)" : "", d->msix_cap ? " msix" : "");
    if (d->header_type == 1 && depth < 8) {
        uint8_t sec = pci_read8(d, PCI_SECONDARY_BUS);
        if (sec > bus)
            scan_bus(sec, depth + 1);
    }
}

static void scan_bus(uint8_t bus, int depth)
{
    for (uint8_t slot = 0; slot < 32; slot++) {
        uint32_t id = raw_read32(bus, slot, 0, 0);
        if ((uint16_t)id == 0xFFFF)
            continue;
        bool multi = (raw_read32(bus, slot, 0, 0x0C) >> 16) & 0x80;
        add_function(bus, slot, 0, id, depth);
        for (uint8_t fn = 1; multi && fn < 8; fn++) {
            id = raw_read32(bus, slot, fn, 0);
            if ((uint16_t)id != 0xFFFF)
                add_function(bus, slot, fn, id, depth);
        }
    }
}

static void assign_all(void)
{
    for (int i = 0; i < ndevs; i++) {
        struct pci_dev *d = &devs[i];
        if (!d->decode_off)
            continue; /* no driver: sized at most, to keep clear of it */
        bool mem = false, io = false;
        for (int b = 0; b < PCI_MAX_BARS; b++) {
            bar_assign(d, b);
            mem |= d->bar[b].addr && !d->bar[b].io;
            io |= d->bar[b].addr && d->bar[b].io;
        }
        uint16_t cmd = d->command | (mem ? PCI_CMD_MEM : 0) | (io ? PCI_CMD_IO : 0);
        if (mem || io)
            cmd |= PCI_CMD_MASTER;
        pci_write16(d, PCI_COMMAND, cmd);
        d->command = cmd;
    }
}

static void probe_drivers(struct pci_dev *d)
{
    for (const struct pci_driver *const *p = __start_lu_pci_drivers; p < __stop_lu_pci_drivers; p++) {
        const struct pci_driver *drv = *p;
        if (drv->vendor != d->vendor)
            continue;
        for (int k = 0; k < 8 && drv->ids[k]; k++) {
            if (drv->ids[k] != d->device)
                continue;
            int rc = drv->probe(d);
            if (rc == 0) {
                d->driver = drv;
                return;
            }
            if (rc == -EBUSY) /* the driver serves one device and has it */
                klog_debug("pci: %02x:%02x.%u: %s: already have one\n", d->bus, d->slot, d->fn, drv->name);
            else
                kprintf("pci: %02x:%02x.%u: %s failed (%d)\n", d->bus, d->slot, d->fn, drv->name, rc);
        }
    }
}

int pci_init(void)
{
    /* Mechanism #1 is there when the address register reads back. */
    outl(CFG_ADDR, 0x80000000u);
    if (inl(CFG_ADDR) != 0x80000000u)
        return 0;
    scan_bus(0, 0);
    assign_all();
    for (int i = 0; i < ndevs; i++)
        probe_drivers(&devs[i]);
    return ndevs;
}

int pci_count(void) { return ndevs; }
struct pci_dev *pci_get(int i) { return i >= 0 && i < ndevs ? &devs[i] : NULL; }
