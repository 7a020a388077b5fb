/* Thread identity before the scheduler exists: one thread, "main". The
 * scheduler (sched/) replaces this file in the build. */
#include <errno.h>
#include <string.h>
#include "kernel.h"

const char *kernel_current_thread_name(void) { return "main"; }
uint32_t lu_plat_thread_id(void) { return 1; }

int lu_plat_thread_name(uint32_t tid, char *buf, size_t len)
{
    if (tid != 1)
        return -ESRCH;
    ksnprintf(buf, len, "main");
    return 0;
}

int lu_plat_thread_foreach(int (*fn)(const struct lu_plat_thread_info *, void *), void *arg)
{
    struct lu_plat_thread_info t = {.tid = 1, .name = "main", .state = "running"};
    return fn(&t, arg);
}
