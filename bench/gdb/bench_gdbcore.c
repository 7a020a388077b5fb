/*
 * bench/gdb/bench_gdbcore: the stub's protocol core on its own, against the
 * fake target of gdbstub/tests, for instruction counts per packet. Under
 * TCG every guest instruction the stub runs costs a few nanoseconds of a
 * gdb round trip, so this is the part of the round trip that is ours to
 * shrink (the rest is QEMU moving bytes).
 *
 *   bench-gdbcore PACKET COUNT    serve COUNT copies of PACKET (no-ack mode)
 *
 * bench/gdb/run.py --core runs it under `valgrind --tool=callgrind` with two
 * counts and prints the difference per packet, so start-up cancels out.
 * PACKET is one of: m64 (read 64 bytes), g, threads (qXfer:threads), stop
 * (the T stop reply a step ends with), step (vCont;s: parse and resume).
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_target.h"

static struct lu_gdb g;
static struct fake_target t;
static struct fake_io io;

static const char *payload_for(const char *name)
{
    static char m64[32];
    snprintf(m64, sizeof m64, "m%x,40", FAKE_MEM_BASE + 0x100);
    if (!strcmp(name, "m64"))
        return m64;
    if (!strcmp(name, "g"))
        return "g";
    if (!strcmp(name, "threads"))
        return "qXfer:threads:read::0,1000";
    if (!strcmp(name, "step"))
        return "vCont;s:1;c";
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s m64|g|threads|stop|step COUNT\n", argv[0]);
        return 2;
    }
    long count = strtol(argv[2], NULL, 0);
    fake_setup(&g, &t, &io);
    g.noack = true;
    g.stop = (struct lu_gdb_stop){.tid = 1, .signo = 5};
    if (!strcmp(argv[1], "stop")) {
        for (long i = 0; i < count; i++) {
            io.out_len = 0;
            lu_gdb_send_stop(&g);
        }
        return 0;
    }
    const char *payload = payload_for(argv[1]);
    if (!payload) {
        fprintf(stderr, "unknown packet %s\n", argv[1]);
        return 2;
    }
    const char *pkt = fake_packet(payload);
    size_t n = strlen(pkt);
    for (long i = 0; i < count; i++) {
        jmp_buf end;
        fake_input_bytes(&io, pkt, n);
        io.at_end = &end;
        if (!setjmp(end))
            lu_gdb_serve(&g, &g.stop, false); /* a resume returns; the end of input jumps */
        io.at_end = NULL;
    }
    if (!strstr(io.out, "$")) {
        fprintf(stderr, "no reply to %s\n", payload);
        return 1;
    }
    return 0;
}
