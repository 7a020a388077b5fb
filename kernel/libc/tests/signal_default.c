/* Spins until SIGALRM, which it does not handle: the default action ends
 * the program with status 128 + 14, in both builds. With an argument,
 * "ignore", it ignores SIGALRM and exits 0 after two seconds. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <lucent/plat.h>

int main(int argc, char **argv)
{
    bool ignore = argc > 1 && !strcmp(argv[1], "ignore");
    if (ignore)
        signal(SIGALRM, SIG_IGN);
    printf("spinning\n");
    fflush(stdout);
    alarm(1);
    uint64_t t0 = lu_plat_now_ns();
    volatile unsigned long spins = 0;
    while (lu_plat_now_ns() - t0 < 2000000000ULL)
        spins++;
    printf("still here after %lu spins\n", spins);
    return 0;
}
