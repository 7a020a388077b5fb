/*
 * chan-echo: echoes every byte a host tool sends on a channel, for the
 * channel tests and bench/channel. The same source in both builds.
 *
 *   chan-echo [NAME] [--bytes N] [--idle SECONDS]   echo (default NAME lucent.test)
 *   chan-echo [NAME] --flood N [--wait-peer S]     write N bytes without ever waiting
 *   chan-echo [NAME] --source N                    send N bytes to the first peer
 *
 * Echo mode serves one peer after another and survives disconnects; it ends
 * after N bytes echoed in all (--bytes), or after SECONDS with nothing to
 * read (--idle), or never. Flood mode makes non-blocking writes whether or
 * not anyone listens and reports what happened to them: it shows that a
 * writer is never held up by a missing or slow host (--wait-peer: first
 * wait up to S seconds for one to connect, to flood a peer that never reads). Source mode waits for a
 * peer and writes the byte pattern i % 251 as fast as the channel takes it
 * (guest-to-host throughput).
 *
 * Exits 3 with "chan-echo: no channel NAME" when the platform has no such
 * channel, which is how the tests tell "no driver yet" from a failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/plat.h>

#define CHUNK 65536

static char buf[CHUNK];

static void print_stats(struct lu_chan *ch, const char *what)
{
    struct lu_chan_stats s;
    lu_chan_get_stats(ch, &s);
    printf("chan-echo: %s: in %llu out %llu connects %llu disconnects %llu dropped %llu\n", what,
           (unsigned long long)s.bytes_in, (unsigned long long)s.bytes_out, (unsigned long long)s.connects,
           (unsigned long long)s.disconnects, (unsigned long long)s.writes_dropped);
    fflush(stdout);
}

static int echo(struct lu_chan *ch, unsigned long long limit, double idle_s)
{
    unsigned long long total = 0;
    while (!limit || total < limit) {
        if (idle_s > 0) {
            /* READABLE covers the -EPIPE a read owes for a peer that left.
             * A bare HANGUP is the same departure, which that read reports
             * (or already did): wait on rather than block in a read. */
            int ev = lu_chan_wait(ch, LU_CHAN_READABLE, (int64_t)(idle_s * 1e9));
            if (!ev) {
                printf("chan-echo: idle for %g s, stopping\n", idle_s);
                break;
            }
            if (!(ev & LU_CHAN_READABLE))
                continue;
        }
        ssize_t n = lu_chan_read(ch, buf, sizeof buf, 0);
        if (n == -EPIPE) {
            printf("chan-echo: peer left after %llu bytes\n", total);
            fflush(stdout);
            continue;
        }
        if (n < 0) {
            printf("chan-echo: read: %s\n", strerror((int)-n));
            return 1;
        }
        /* -EPIPE here means the peer left mid-echo; the next read says so. */
        if (lu_chan_write(ch, buf, (size_t)n, 0) >= 0)
            total += (unsigned long long)n;
    }
    print_stats(ch, "done");
    return 0;
}

static int flood(struct lu_chan *ch, unsigned long long want, double wait_s)
{
    unsigned long long wrote = 0, eagain = 0, epipe = 0, calls = 0;
    if (wait_s > 0)
        lu_chan_wait(ch, LU_CHAN_WRITABLE, (int64_t)(wait_s * 1e9));
    uint64_t t0 = lu_plat_now_ns();
    for (unsigned long long off = 0; off < want; off += CHUNK, calls++) {
        size_t len = want - off < CHUNK ? (size_t)(want - off) : CHUNK;
        ssize_t n = lu_chan_write(ch, buf, len, LU_CHAN_NONBLOCK);
        if (n >= 0)
            wrote += (unsigned long long)n;
        else if (n == -EAGAIN)
            eagain++;
        else if (n == -EPIPE)
            epipe++;
    }
    /* A blocking write with no peer must not wait for one either. */
    ssize_t b = lu_chan_connected(ch) ? 0 : lu_chan_write(ch, buf, 1, 0);
    double ms = (double)(lu_plat_now_ns() - t0) / 1e6;
    printf("chan-echo: flood: %llu calls, wrote %llu, eagain %llu, epipe %llu, blocking %s, %.1f ms\n", calls,
           wrote, eagain, epipe,
           b == -EPIPE ? "epipe"
           : b == 0    ? "skipped"
                       : "other",
           ms);
    print_stats(ch, "done");
    return 0;
}

static int source(struct lu_chan *ch, unsigned long long want)
{
    static unsigned char pat[CHUNK + 251]; /* static: image thread stacks are small */
    for (size_t i = 0; i < sizeof pat; i++)
        pat[i] = (unsigned char)(i % 251);
    lu_chan_wait(ch, LU_CHAN_WRITABLE, -1);
    for (unsigned long long off = 0; off < want;) {
        size_t len = want - off < CHUNK ? (size_t)(want - off) : CHUNK;
        if (lu_chan_write(ch, pat + off % 251, len, 0) < 0) {
            printf("chan-echo: source: peer left after %llu bytes\n", off);
            return 1;
        }
        off += len;
    }
    lu_chan_wait(ch, LU_CHAN_HANGUP, 30000000000LL); /* let the host read it all */
    print_stats(ch, "done");
    return 0;
}

int main(int argc, char **argv)
{
    const char *name = "lucent.test";
    unsigned long long bytes = 0, flood_n = 0, source_n = 0;
    double idle = 0, wait_peer = 0;
    for (int i = 1; i < argc; i++) {
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--bytes") == 0 && val)
            bytes = strtoull(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--idle") == 0 && val)
            idle = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--flood") == 0 && val)
            flood_n = strtoull(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--wait-peer") == 0 && val)
            wait_peer = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--source") == 0 && val)
            source_n = strtoull(argv[++i], NULL, 0);
        else if (argv[i][0] != '-')
            name = argv[i];
        else {
            fprintf(stderr, "usage: chan-echo [NAME] [--bytes N] [--idle S] [--flood N [--wait-peer S]] "
                            "[--source N]\n");
            return 2;
        }
    }
    struct lu_chan *ch = lu_chan_open(name);
    if (!ch) {
        printf("chan-echo: no channel %s\n", name);
        return 3;
    }
    printf("chan-echo: serving %s (%s build)\n", name, lu_plat_build_name());
    fflush(stdout);
    if (flood_n)
        return flood(ch, flood_n, wait_peer);
    if (source_n)
        return source(ch, source_n);
    return echo(ch, bytes, idle);
}
