/*
 * stdin-echo: what the launcher's stdin tests drive, in both builds.
 *   stdin-echo cat [DELAY_US]  copies stdin to stdout byte for byte until end
 *                              of file (read/write, no stdio), sleeping
 *                              DELAY_US after each read of at most 512 bytes
 *                              when given: a slow reader
 *   stdin-echo lines           "tty=N" (isatty(0)), then for each line read
 *                              with fgets "got LEN: LINE", then "eof"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cat(long delay_us)
{
    static char buf[65536];
    size_t chunk = delay_us ? 512 : sizeof buf;
    for (;;) {
        ssize_t n = read(0, buf, chunk);
        if (n == 0)
            return 0;
        if (n < 0)
            return perror("read"), 1;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(1, buf + off, (size_t)(n - off));
            if (w <= 0)
                return perror("write"), 1;
            off += w;
        }
        if (delay_us)
            usleep((useconds_t)delay_us);
    }
}

static int lines(void)
{
    char line[4096];
    printf("tty=%d\n", isatty(0));
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        printf("got %zu: %s\n", n, line);
        fflush(stdout);
    }
    puts("eof");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "cat") == 0)
        return cat(argc >= 3 ? atol(argv[2]) : 0);
    if (argc == 2 && strcmp(argv[1], "lines") == 0)
        return lines();
    fputs("usage: stdin-echo cat [DELAY_US] | lines\n", stderr);
    return 2;
}
