/* QEMU's firmware configuration device (fw_cfg): named files the launcher
 * hands the guest at boot (the app's argv and environment), read through
 * two I/O ports. Not a PCI device: kmain reads it before drivers_init. */
#ifndef LU_KERNEL_FW_CFG_H
#define LU_KERNEL_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

/* The file @name (e.g. "opt/lucent/argv"): 0 and its selector and size,
 * -ENODEV without the device, -ENOENT without the file. */
int fw_cfg_find(const char *name, uint16_t *select, uint32_t *size);

/* Reads the first @n bytes of the item @select into @buf. */
void fw_cfg_read(uint16_t select, void *buf, size_t n);

/* The whole file @name in a fresh malloc'd buffer with a NUL after its last
 * byte (*@size bytes before it): 0, or -ENODEV, -ENOENT, -ENOMEM. */
int fw_cfg_load(const char *name, char **data, uint32_t *size);

#endif
