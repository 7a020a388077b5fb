/*
 * env-dump: for each name in its arguments, "NAME=VALUE" or "NAME unset",
 * as a constructor saw them (before main, as C++ static initialisers and
 * libraries' constructors see them) and then as main sees them; then sets
 * one variable with setenv and reads it back, so that the environment is
 * newlib's own and not a copy getenv cannot change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char early[4096];

__attribute__((constructor)) static void before_main(void)
{
    const char *home = getenv("HOME"), *path = getenv("PATH");
    snprintf(early, sizeof early, "early HOME=%s PATH=%s\n", home ? home : "(unset)",
             path ? path : "(unset)");
}

int main(int argc, char **argv)
{
    fputs(early, stdout);
    for (int i = 1; i < argc; i++) {
        const char *v = getenv(argv[i]);
        if (v)
            printf("%s=%s\n", argv[i], v);
        else
            printf("%s unset\n", argv[i]);
    }
    if (setenv("ENV_DUMP_SET", "yes", 1) != 0 ||
        strcmp(getenv("ENV_DUMP_SET") ? getenv("ENV_DUMP_SET") : "", "yes"))
        return puts("setenv: not read back"), 1;
    puts("setenv: ok");
    return 0;
}
