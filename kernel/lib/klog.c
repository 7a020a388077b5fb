/*
 * Boot and driver log lines that are not the app's business. They stay off
 * the console (whose exact output apps and tests own) unless the kernel
 * option loglevel=debug asks for them.
 */
#include <string.h>
#include <lucent/plat.h>
#include "../drivers/console.h"
#include "klog.h"
#include "kprintf.h"

bool klog_debug_enabled(void)
{
    static int on = -1;
    if (on < 0) {
        const char *l = lu_plat_getopt("loglevel");
        on = l && (strcmp(l, "debug") == 0 || strcmp(l, "7") == 0);
    }
    return on;
}

void klog_debug(const char *fmt, ...)
{
    if (!klog_debug_enabled())
        return;
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    console_write(line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}
