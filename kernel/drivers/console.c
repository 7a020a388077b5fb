/* The console: where stdout, stderr and kernel messages go. Today that is
 * COM1 only; it is its own file because it is the one place to add a second
 * sink (a virtio console) without touching the writers. */
#include "console.h"
#include "uart.h"

void console_write(const char *s, size_t n) { uart_write(s, n); }
