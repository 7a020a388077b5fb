/* The packet layer: framing, checksums, escapes, run lengths, acks, no-ack
 * mode, ^C, and every way a packet can be wrong. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <lucent/test.h>
#include "fake_target.h"

static struct lu_gdb g;
static struct fake_target t;
static struct fake_io io;
static const struct lu_gdb_stop trap = {.tid = 1, .signo = 5};

static enum lu_gdb_rx_event feed(struct lu_gdb_rx *rx, const char *s, size_t n)
{
    enum lu_gdb_rx_event ev = LU_GDB_RX_NONE, e;
    for (size_t i = 0; i < n; i++)
        if ((e = lu_gdb_rx_byte(rx, (uint8_t)s[i])) != LU_GDB_RX_NONE)
            ev = e;
    return ev;
}

LU_TEST(gdb_rx_plain_packet)
{
    struct lu_gdb_rx rx;
    lu_gdb_rx_reset(&rx);
    const char *p = fake_packet("qSupported");
    LU_CHECK_EQ(feed(&rx, p, strlen(p)), LU_GDB_RX_PACKET);
    LU_CHECK(strcmp((char *)rx.buf, "qSupported") == 0);
    LU_CHECK_EQ(rx.len, 10);
    LU_CHECK(!lu_gdb_rx_busy(&rx));
}

LU_TEST(gdb_rx_checksum_is_checked)
{
    struct lu_gdb_rx rx;
    lu_gdb_rx_reset(&rx);
    LU_CHECK_EQ(feed(&rx, "$g#68", 5), LU_GDB_RX_BADCSUM);
    LU_CHECK_EQ(feed(&rx, "$g#67", 5), LU_GDB_RX_PACKET);
    LU_CHECK_EQ(feed(&rx, "$g#6G", 5), LU_GDB_RX_MALFORMED); /* not hex */
    LU_CHECK_EQ(feed(&rx, "$g#6", 4), LU_GDB_RX_NONE);
    LU_CHECK(lu_gdb_rx_busy(&rx));
    LU_CHECK_EQ(feed(&rx, "7", 1), LU_GDB_RX_PACKET);
    LU_CHECK_EQ(feed(&rx, "$g#6A", 5), LU_GDB_RX_BADCSUM); /* upper-case hex is hex */
}

LU_TEST(gdb_rx_escapes_and_run_lengths)
{
    struct lu_gdb_rx rx;
    lu_gdb_rx_reset(&rx);
    /* "X}\x03" -> "X#"; checksum over the bytes as sent. */
    char pkt[32];
    const char body[] = {'X', '}', '#' ^ 0x20, 'a', '*', ' ' + 3, 0};
    uint8_t sum = 0;
    for (const char *c = body; *c; c++)
        sum += (uint8_t)*c;
    snprintf(pkt, sizeof pkt, "$%s#%02x", body, sum);
    LU_CHECK_EQ(feed(&rx, pkt, strlen(pkt)), LU_GDB_RX_PACKET);
    /* "a*"+' '+3 expands to a + 6 more a's? no: count - 29 = 6 more */
    LU_CHECK_EQ(rx.len, 2 + 1 + (' ' + 3 - 29));
    LU_CHECK(memcmp(rx.buf, "X#aaaaaaa", 9) == 0);
    /* A run length with nothing before it is malformed. */
    LU_CHECK_EQ(feed(&rx, fake_packet("*\""), 6), LU_GDB_RX_MALFORMED);
}

LU_TEST(gdb_rx_interrupt_acks_and_noise)
{
    struct lu_gdb_rx rx;
    lu_gdb_rx_reset(&rx);
    LU_CHECK_EQ(lu_gdb_rx_byte(&rx, 0x03), LU_GDB_RX_INTERRUPT);
    LU_CHECK_EQ(lu_gdb_rx_byte(&rx, '+'), LU_GDB_RX_ACK);
    LU_CHECK_EQ(lu_gdb_rx_byte(&rx, '-'), LU_GDB_RX_NACK);
    LU_CHECK_EQ(feed(&rx, "garbage\n\xff", 9), LU_GDB_RX_NONE);
    /* 0x03 inside a packet is data (X packets carry raw bytes). */
    LU_CHECK_EQ(feed(&rx, "$X\x03", 3), LU_GDB_RX_NONE);
    LU_CHECK(lu_gdb_rx_busy(&rx));
    /* A '$' mid-packet abandons it and starts again. */
    const char *p = fake_packet("g");
    LU_CHECK_EQ(feed(&rx, p, strlen(p)), LU_GDB_RX_PACKET);
    LU_CHECK(strcmp((char *)rx.buf, "g") == 0);
}

LU_TEST(gdb_rx_oversized_packet)
{
    static char big[LU_GDB_PKT_MAX + 100];
    struct lu_gdb_rx rx;
    lu_gdb_rx_reset(&rx);
    memset(big, 'a', sizeof big - 1);
    big[0] = 'X';
    big[sizeof big - 1] = 0;
    const char *p = fake_packet(big);
    LU_CHECK_EQ(feed(&rx, p, strlen(p)), LU_GDB_RX_OVERSIZE);
    LU_CHECK_EQ(rx.len, LU_GDB_PKT_MAX);
    /* and the machine is ready for the next one */
    p = fake_packet("g");
    LU_CHECK_EQ(feed(&rx, p, strlen(p)), LU_GDB_RX_PACKET);
    /* a run length that would overflow is cut, not written past the end */
    char rle[LU_GDB_PKT_MAX / 64 * 2 + 8];
    size_t n = 0;
    rle[n++] = 'a';
    while (n < sizeof rle - 2) {
        rle[n++] = '*';
        rle[n++] = '~';
    }
    rle[n] = 0;
    p = fake_packet(rle);
    LU_CHECK_EQ(feed(&rx, p, strlen(p)), LU_GDB_RX_OVERSIZE);
}

LU_TEST(gdb_acks_and_replies)
{
    fake_setup(&g, &t, &io);
    char in[256];
    snprintf(in, sizeof in, "+%s+", fake_packet("vMustReplyEmpty"));
    fake_input(&io, in);
    LU_CHECK_EQ(lu_gdb_serve(&g, &trap, false), LU_GDB_DETACHED);
    /* ack, then the empty reply (unknown packet) */
    LU_CHECK(strcmp(io.out, "+$#00") == 0);
    LU_CHECK_EQ(g.stats.unknown, 1);
}

LU_TEST(gdb_bad_checksum_is_nacked_then_resent)
{
    fake_setup(&g, &t, &io);
    char in[256];
    snprintf(in, sizeof in, "$qC#00%s+", fake_packet("qC"));
    fake_input(&io, in);
    lu_gdb_serve(&g, &trap, false);
    char want[64];
    snprintf(want, sizeof want, "-+%s", fake_packet("QC1"));
    LU_CHECK(strcmp(io.out, want) == 0);
    LU_CHECK_EQ(g.stats.bad_checksums, 1);
}

LU_TEST(gdb_nack_retransmits_reply)
{
    fake_setup(&g, &t, &io);
    char in[256];
    snprintf(in, sizeof in, "%s-+", fake_packet("qC"));
    fake_input(&io, in);
    lu_gdb_serve(&g, &trap, false);
    char want[64];
    const char *r = fake_packet("QC1");
    snprintf(want, sizeof want, "+%s%s", r, r);
    LU_CHECK(strcmp(io.out, want) == 0);
    LU_CHECK_EQ(g.stats.retransmits, 1);
}

LU_TEST(gdb_silence_after_reply_gives_up)
{
    /* gdb vanished: a few resends, then the stub stops waiting. */
    fake_setup(&g, &t, &io);
    fake_input(&io, fake_packet("qC"));
    LU_CHECK_EQ(lu_gdb_serve(&g, &trap, false), LU_GDB_DETACHED);
    LU_CHECK_EQ(g.stats.retransmits, 3);
    LU_CHECK_EQ(t.detaches, 1);
}

LU_TEST(gdb_noack_mode)
{
    fake_setup(&g, &t, &io);
    char in[256];
    snprintf(in, sizeof in, "%s+%s", fake_packet("QStartNoAckMode"), fake_packet("qC"));
    fake_input(&io, in);
    lu_gdb_serve(&g, &trap, false);
    char want[64];
    snprintf(want, sizeof want, "+%s%s", fake_packet("OK"), fake_packet("QC1"));
    LU_CHECK(strcmp(io.out, want) == 0);
    /* a bad checksum in no-ack mode is dropped without a '-' */
    fake_setup(&g, &t, &io);
    g.noack = true;
    fake_input(&io, "$qC#00");
    lu_gdb_serve(&g, &trap, false);
    LU_CHECK(strcmp(io.out, "") == 0);
    /* a new qSupported (a new gdb) turns acks back on */
    fake_input(&io, fake_packet("qSupported:swbreak+"));
    g.noack = true;
    lu_gdb_serve(&g, &trap, false);
    LU_CHECK(io.out[0] == '+');
    LU_CHECK(!g.noack);
}

LU_TEST(gdb_oversized_packet_is_refused)
{
    static char big[LU_GDB_PKT_MAX + 64];
    fake_setup(&g, &t, &io);
    memset(big, '0', sizeof big - 1);
    memcpy(big, "M10000,10:", 10);
    big[sizeof big - 1] = 0;
    static char in[LU_GDB_PKT_MAX + 128];
    snprintf(in, sizeof in, "%s+", fake_packet(big));
    fake_input(&io, in);
    lu_gdb_serve(&g, &trap, false);
    char want[64], e[8];
    snprintf(e, sizeof e, "E%02x", EMSGSIZE);
    snprintf(want, sizeof want, "+%s", fake_packet(e));
    LU_CHECK(strcmp(io.out, want) == 0);
    LU_CHECK_EQ(g.stats.oversized, 1);
}

LU_TEST(gdb_interrupt_while_running)
{
    fake_setup(&g, &t, &io);
    fake_input(&io, "\x03");
    LU_CHECK_EQ(lu_gdb_poll(&g), LU_GDB_POLL_INTERRUPT);
    fake_input(&io, "+");
    LU_CHECK_EQ(lu_gdb_poll(&g), LU_GDB_POLL_NONE);
    /* gdb resumed us, then ^C: the stop reply says SIGINT on the thread */
    g.running = true;
    const struct lu_gdb_stop intr = {.tid = 2, .signo = 2};
    fake_input(&io, "+");
    lu_gdb_serve(&g, &intr, false);
    LU_CHECK(strncmp(io.out, "$T02thread:2;", 13) == 0);
}

LU_TEST(gdb_knock_from_new_gdb)
{
    fake_setup(&g, &t, &io);
    g.running = true; /* an earlier gdb resumed us and vanished */
    char in[128];
    snprintf(in, sizeof in, "+%s+", fake_packet("qC"));
    fake_input(&io, in);
    LU_CHECK_EQ(lu_gdb_poll(&g), LU_GDB_POLL_KNOCK);
    LU_CHECK_EQ(lu_gdb_serve(&g, &trap, true), LU_GDB_DETACHED);
    /* no unsolicited stop reply for the new gdb, just its answer */
    char want[64];
    snprintf(want, sizeof want, "+%s", fake_packet("QC1"));
    LU_CHECK(strcmp(io.out, want) == 0);
}

LU_TEST(gdb_vanishing_mid_packet_resumes)
{
    fake_setup(&g, &t, &io);
    fake_input(&io, "$qSupp");
    LU_CHECK_EQ(lu_gdb_poll(&g), LU_GDB_POLL_KNOCK);
    LU_CHECK_EQ(lu_gdb_serve(&g, &trap, true), LU_GDB_IDLE);
    LU_CHECK_EQ(g.stats.timeouts, 1);
    LU_CHECK(!lu_gdb_rx_busy(&g.rx));
    LU_CHECK_EQ(t.resumes, 0);
}
