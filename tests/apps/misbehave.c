/* A program that misbehaves on request, for the launcher's bad-input tests:
 *   misbehave hang          never prints, never exits
 *   misbehave triple-fault  (image) destroys the IDT and traps: the CPU resets
 *   misbehave abort         calls abort()
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "hang") == 0)
        for (;;)
            __asm__ volatile("pause");
    if (strcmp(mode, "triple-fault") == 0) {
        struct __attribute__((packed)) {
            unsigned short limit;
            unsigned long base;
        } none = {0, 0};
        __asm__ volatile("lidt %0; int3" ::"m"(none));
    }
    if (strcmp(mode, "abort") == 0)
        abort();
    fprintf(stderr, "usage: misbehave hang|triple-fault|abort\n");
    return 2;
}
