/* The image's standard input (stdin.c): the launcher's stdin, forwarded
 * over the virtio-serial port "lucent.stdin". */
#ifndef LU_KERNEL_STDIN_H
#define LU_KERNEL_STDIN_H

#include <stdbool.h>
#include <sys/types.h>

/* Reads at boot whether the launcher forwards its stdin, and whether that
 * is a terminal (the fw_cfg file "opt/lucent/stdin"). */
void stdin_init(void);

/* read(0): blocks until bytes arrive; 0 at end of file (and from then on);
 * -errno on failure. */
ssize_t stdin_read(void *buf, size_t n);

/* True when the launcher's stdin is a terminal. */
bool stdin_isatty(void);

#endif
