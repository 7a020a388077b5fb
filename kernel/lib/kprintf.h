/* A formatter that never allocates (kprintf.c), for any context. */
#ifndef LU_KERNEL_KPRINTF_H
#define LU_KERNEL_KPRINTF_H
#include <stdarg.h>
#include <stddef.h>

int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
