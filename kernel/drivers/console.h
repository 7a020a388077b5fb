/* The console (console.c): where stdout, stderr and kernel messages go. */
#ifndef LU_KERNEL_CONSOLE_H
#define LU_KERNEL_CONSOLE_H
#include <stddef.h>

void console_write(const char *s, size_t n);

#endif
