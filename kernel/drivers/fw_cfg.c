/*
 * fw_cfg over its legacy I/O ports (QEMU's docs/specs/fw_cfg.txt): a write
 * of an item's 16-bit key to the selector port starts a read at its first
 * byte; each read of the data port returns the next. The file directory
 * (key 0x19) lists named files: a big-endian count, then per file its size,
 * key and a 56-byte name. Byte reads are slow under TCG (an exit each), but
 * the launcher's files are small (the argv is at most 1 MiB, see
 * tools/launcher/qemu.py) and read once, so the DMA interface is not worth
 * its extra state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arch/cpu.h>
#include "fw_cfg.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019

struct fw_cfg_file {
    uint32_t size;   /* big-endian */
    uint16_t select; /* big-endian */
    uint16_t reserved;
    char name[56];
};

void fw_cfg_read(uint16_t select, void *buf, size_t n)
{
    outw(FW_CFG_PORT_SEL, select);
    /* rep insb: one instruction for the whole read, not a loop of inb. */
    __asm__ volatile("rep insb" : "+D"(buf), "+c"(n) : "d"((uint16_t)FW_CFG_PORT_DATA) : "memory");
}

static uint32_t be32(uint32_t v) { return __builtin_bswap32(v); }
static uint16_t be16(uint16_t v) { return __builtin_bswap16(v); }

static bool fw_cfg_present(void)
{
    char sig[4];
    fw_cfg_read(FW_CFG_SIGNATURE, sig, sizeof sig);
    return memcmp(sig, "QEMU", 4) == 0;
}

int fw_cfg_find(const char *name, uint16_t *select, uint32_t *size)
{
    if (!fw_cfg_present())
        return -ENODEV;
    uint32_t count;
    outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
    for (size_t i = 0; i < sizeof count; i++)
        ((uint8_t *)&count)[i] = inb(FW_CFG_PORT_DATA);
    count = be32(count);
    /* The directory is one item: read its entries in order, from where the
     * count left off. */
    for (uint32_t i = 0; i < count; i++) {
        struct fw_cfg_file f;
        for (size_t j = 0; j < sizeof f; j++)
            ((uint8_t *)&f)[j] = inb(FW_CFG_PORT_DATA);
        f.name[sizeof f.name - 1] = '\0';
        if (strcmp(f.name, name) == 0) {
            *select = be16(f.select);
            *size = be32(f.size);
            return 0;
        }
    }
    return -ENOENT;
}

int fw_cfg_load(const char *name, char **data, uint32_t *size)
{
    uint16_t sel;
    int r = fw_cfg_find(name, &sel, size);
    if (r < 0)
        return r;
    char *buf = malloc((size_t)*size + 1);
    if (!buf)
        return -ENOMEM;
    fw_cfg_read(sel, buf, *size);
    buf[*size] = '\0';
    *data = buf;
    return 0;
}
