/* Runs every LU_TEST linked into this program and prints TAP. An optional
 * argument runs only the tests whose name contains it. */
#include <stdio.h>
#include <string.h>
#include <lucent/plat.h>
#include <lucent/test.h>

int lu_test_failed;
extern const struct lu_test __start_lu_tests[], __stop_lu_tests[];

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    int n = 0, failed = 0;
    for (const struct lu_test *t = __start_lu_tests; t < __stop_lu_tests; t++)
        if (!only || strstr(t->name, only))
            n++;
    printf("TAP version 13\n1..%d\n", n);
    int i = 0;
    for (const struct lu_test *t = __start_lu_tests; t < __stop_lu_tests; t++) {
        if (only && !strstr(t->name, only))
            continue;
        lu_test_failed = 0;
        t->fn();
        printf("%s %d - %s (%s build)\n", lu_test_failed ? "not ok" : "ok", ++i, t->name,
               lu_plat_build_name());
        failed += lu_test_failed;
    }
    fflush(stdout);
    return failed ? 1 : 0;
}
