/*
 * The app's argv and environment, as the launcher hands them over: two
 * fw_cfg files (drivers/fw_cfg.c), "opt/lucent/argv" and "opt/lucent/env",
 * each a run of strings with a NUL after each one. A file carries any bytes
 * but NUL, where the PVH command line cannot (its quoting loses double
 * quotes, and QEMU's -append has no way to hold a newline safely). Without
 * the argv file (QEMU started by hand) the words after "--" on the command
 * line are the arguments, as parse_cmdline (main.c) split them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "../drivers/fw_cfg.h"
#include "../lib/kprintf.h"
#include "boot.h"

#define ARGV_FILE "opt/lucent/argv"
#define ENV_FILE "opt/lucent/env"

/* What every image's environment holds unless the launcher's --env says
 * otherwise (docs/launcher.md): a home and a search path for programs that
 * expect one (there is no filesystem behind them yet), and a terminal type
 * that asks for no escape sequences, since the console may be a pipe. */
static const char *const default_env[] = {"HOME=/", "PATH=/bin", "TERM=dumb"};

/* Splits @n bytes of NUL-terminated strings at @data into a NULL-ended
 * array with @lead slots free at its front; its length (without the NULL)
 * goes to *@count. NULL when out of memory. */
static char **split(char *data, uint32_t n, int lead, int *count)
{
    int k = lead;
    for (uint32_t i = 0; i < n; i++)
        k += data[i] == '\0';
    if (n && data[n - 1] != '\0')
        k++; /* a last string without its NUL: fw_cfg_load put one after it */
    char **v = malloc(((size_t)k + 1) * sizeof *v);
    if (!v)
        return NULL;
    int j = lead;
    for (uint32_t i = 0; i < n; i += strlen(data + i) + 1)
        v[j++] = data + i;
    v[j] = NULL;
    *count = j;
    return v;
}

int boot_args(int *argc, char ***argv)
{
    char *data;
    uint32_t n;
    int r = fw_cfg_load(ARGV_FILE, &data, &n);
    if (r < 0)
        return r;
    char **v = split(data, n, 1, argc);
    if (!v)
        return -ENOMEM;
    v[0] = (char *)lu_image_name;
    *argv = v;
    return 0;
}

static bool has_key(char **env, int n, const char *kv)
{
    size_t k = strcspn(kv, "=");
    for (int i = 0; i < n; i++)
        if (strncmp(env[i], kv, k) == 0 && env[i][k] == '=')
            return true;
    return false;
}

void boot_environ(void)
{
    extern char **environ; /* newlib's, which getenv and setenv use */
    char *data = NULL;
    uint32_t n = 0;
    int given = 0;
    char **env = NULL;
    const int ndef = sizeof default_env / sizeof default_env[0];
    int r = fw_cfg_load(ENV_FILE, &data, &n);
    if (r == 0)
        env = split(data, n, 0, &given);
    if (r < 0 && r != -ENOENT && r != -ENODEV)
        kprintf("lucent: cannot read the environment (%d); using the defaults\n", r);
    char **all = malloc(((size_t)given + ndef + 1) * sizeof *all);
    if (!all)
        return;
    int k = 0;
    for (int i = 0; i < given; i++)
        all[k++] = env[i];
    for (int i = 0; i < ndef; i++)
        if (!has_key(env, given, default_env[i]))
            all[k++] = (char *)default_env[i];
    all[k] = NULL;
    free(env);
    environ = all;
}
