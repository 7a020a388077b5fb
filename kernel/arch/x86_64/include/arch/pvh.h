/* PVH boot information (Xen's hvm_start_info, version 1): how the loader
 * hands us the command line and the memory map (boot.S, boot/main.c). */
#ifndef LU_ARCH_PVH_H
#define LU_ARCH_PVH_H
#include <stdint.h>

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};
#define HVM_START_MAGIC 0x336ec578
#define E820_RAM 1

#endif
