/* COM1 (16550 at 0x3f8), polled: the console. Polling keeps it usable from
 * fault handlers and before interrupts exist. */
#include <arch/cpu.h>
#include "uart.h"

#define COM1 0x3f8
enum { THR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };

void uart_init(void)
{
    outb(COM1 + IER, 0x00);
    outb(COM1 + LCR, 0x80); /* DLAB: set divisor */
    outb(COM1 + 0, 1);      /* 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + LCR, 0x03); /* 8N1 */
    outb(COM1 + FCR, 0xC7);
    outb(COM1 + MCR, 0x0B);
}

static void put(char c)
{
    while (!(inb(COM1 + LSR) & 0x20))
        cpu_relax();
    outb(COM1 + THR, (uint8_t)c);
}

void uart_write(const char *s, size_t n)
{
    /* No \r is added: the launcher reads QEMU's stdout through a pipe and
     * the console must carry exactly what the app wrote. */
    for (size_t i = 0; i < n; i++)
        put(s[i]);
}

int uart_read_byte(void)
{
    if (!(inb(COM1 + LSR) & 0x01))
        return -1;
    return inb(COM1 + THR);
}
