/*
 * argv-dump: prints its arguments in a form that shows every byte, so that
 * the launcher's tests can compare the two builds' argv exactly: "argc N",
 * then per argument "I LEN HEX" (its bytes as hex, "-" when empty). argv[0]
 * is left out: it is the program's path in the hostbuild and its name in
 * the image.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        printf("%d %zu ", i, n);
        if (!n)
            putchar('-');
        for (size_t j = 0; j < n; j++)
            printf("%02x", (unsigned char)argv[i][j]);
        putchar('\n');
    }
    return argv[argc] == NULL ? 0 : 1;
}
