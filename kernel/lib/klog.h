/* Log lines kept off the console unless loglevel=debug (klog.c). */
#ifndef LU_KERNEL_KLOG_H
#define LU_KERNEL_KLOG_H
#include <stdbool.h>

bool klog_debug_enabled(void);
void klog_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
