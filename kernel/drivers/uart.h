/* COM1 (uart.c), polled. */
#ifndef LU_KERNEL_UART_H
#define LU_KERNEL_UART_H
#include <stddef.h>

void uart_init(void);
void uart_write(const char *s, size_t n);
int uart_read_byte(void); /* -1 when nothing is waiting */

#endif
