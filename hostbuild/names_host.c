/*
 * Thread names in the hostbuild: pthread_setname_np is glibc's, so the
 * trace hears of a rename by interposing it (this executable's definition
 * wins over libc's; the real one is found with RTLD_NEXT). The drain's
 * 100 ms snapshot of /proc would see the name too, but a thread that is
 * named and gone within it would keep its old one. The image calls
 * lu_trace_thread_named from kernel/libc/pthread.c instead.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <lucent/plat.h>
#include <lucent/trace.h>

int pthread_setname_np(pthread_t t, const char *name)
{
    static int (*real)(pthread_t, const char *);
    if (!real)
        real = (int (*)(pthread_t, const char *))dlsym(RTLD_NEXT, "pthread_setname_np");
    int r = real ? real(t, name) : ENOSYS;
    /* another thread's tid is not at hand: the drain's snapshot names it */
    if (r == 0 && pthread_equal(t, pthread_self()))
        lu_trace_thread_named(lu_plat_thread_id(), name);
    return r;
}
