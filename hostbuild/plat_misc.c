/* Identity, options, panic and symbols for the hostbuild. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/panic.h>
#include <lucent/plat.h>

const char *lu_plat_program_name(void) { return program_invocation_short_name; }
const char *lu_plat_build_name(void) { return "host"; }

const char *lu_plat_getopt(const char *key)
{
    char env[96] = "LUCENT_";
    size_t n = strlen(env);
    for (const char *k = key; *k && n + 1 < sizeof env; k++)
        env[n++] = (char)(isalnum((unsigned char)*k) ? toupper((unsigned char)*k) : '_');
    env[n] = '\0';
    return getenv(env);
}

int lu_plat_symbolize(uintptr_t addr, char *buf, size_t len, uintptr_t *off)
{
    Dl_info info;
    if (!dladdr((void *)addr, &info) || !info.dli_sname)
        return -ENOENT;
    snprintf(buf, len, "%s", info.dli_sname);
    *off = addr - (uintptr_t)info.dli_saddr;
    return 0;
}

void lu_plat_panic(const char *file, int line, const char *fmt, ...)
{
    char msg[256], name[32] = "?";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lu_plat_thread_name(lu_plat_thread_id(), name, sizeof name);
    fprintf(stderr, "\nlucent: panic: %s\n  at %s:%d in thread '%s'\nbacktrace:\n", msg, file, line, name);
    struct lu_panic_info why = {SIGABRT, NULL};
    LU_PANIC_RUN(LU_PANIC_STOP, &why); /* none registers in the hostbuild: gdb debugs the process */
    void *frames[32];
    int n = backtrace(frames, 32);
    backtrace_symbols_fd(frames, n, 2);
    LU_PANIC_RUN(LU_PANIC_FLUSH, &why);
    abort();
}
