/* The command layer, against the fake target: every packet the stub
 * implements, and the malformed forms of each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lucent/test.h>
#include "fake_target.h"

static struct lu_gdb g;
static struct fake_target t;
static struct fake_io io;
static const struct lu_gdb_stop trap = {.tid = 1, .signo = 5};
static char inbuf[1 << 16];

/* Serves one packet (in no-ack mode, so the output is just the reply) and
 * returns the reply's payload, checking its framing. */
static const char *ask_outcome(const char *payload, enum lu_gdb_outcome *out)
{
    static char reply[1 << 17];
    static jmp_buf end;
    g.noack = true;
    snprintf(inbuf, sizeof inbuf, "%s", fake_packet(payload));
    fake_input(&io, inbuf);
    io.at_end = &end;
    /* volatile: assigned between setjmp and longjmp */
    volatile enum lu_gdb_outcome o = (enum lu_gdb_outcome) - 1; /* still serving */
    if (!setjmp(end))
        o = lu_gdb_serve(&g, &g.stop, false);
    io.at_end = NULL;
    if (out)
        *out = o;
    g.noack = true;
    /* last packet in the output */
    char *d = strrchr(io.out, '$');
    if (!d)
        return "<none>";
    char *h = strrchr(d, '#');
    if (!h || strlen(h) != 3)
        return "<bad frame>";
    uint8_t sum = 0;
    for (char *c = d + 1; c < h; c++)
        sum += (uint8_t)*c;
    if (strtoul(h + 1, NULL, 16) != sum)
        return "<bad checksum>";
    /* undo the run-length encoding, as gdb does */
    size_t n = 0;
    for (char *c = d + 1; c < h; c++) {
        if (*c == '*' && n > 0 && c + 1 < h) {
            int rep = *++c - 29;
            while (rep-- > 0 && n < sizeof reply - 1)
                reply[n] = reply[n - 1], n++;
        } else if (n < sizeof reply - 1) {
            reply[n++] = *c;
        }
    }
    reply[n] = 0;
    return reply;
}

static const char *ask(const char *payload) { return ask_outcome(payload, NULL); }

static void setup(void)
{
    fake_setup(&g, &t, &io);
    g.stop = trap;
}

#define ASK_EQ(pkt, want)                                                                                    \
    do {                                                                                                     \
        const char *got_ = ask(pkt);                                                                         \
        if (strcmp(got_, want) != 0) {                                                                       \
            printf("# %s:%d: '%s' -> '%.200s', want '%s'\n", __FILE__, __LINE__, pkt, got_, want);           \
            lu_test_failed = 1;                                                                              \
        }                                                                                                    \
    } while (0)

LU_TEST(gdb_qsupported)
{
    setup();
    const char *r = ask("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+");
    LU_CHECK(strstr(r, "PacketSize=4000") != NULL);
    LU_CHECK(strstr(r, "qXfer:features:read+") != NULL);
    LU_CHECK(strstr(r, "swbreak+") && strstr(r, "hwbreak+"));
    LU_CHECK(strstr(r, "vContSupported+") && strstr(r, "QStartNoAckMode+"));
}

LU_TEST(gdb_target_xml)
{
    setup();
    /* Read it in small pieces the way gdb does, and put it back together. */
    static char doc[32768];
    size_t len = 0;
    for (int i = 0; i < 1000; i++) {
        char q[80];
        snprintf(q, sizeof q, "qXfer:features:read:target.xml:%zx,%x", len, 200);
        const char *r = ask(q);
        LU_CHECK(r[0] == 'm' || r[0] == 'l');
        /* undo escapes */
        for (const char *c = r + 1; *c; c++)
            doc[len++] = *c == '}' ? (char)(*++c ^ 0x20) : *c;
        if (r[0] == 'l')
            break;
    }
    doc[len] = 0;
    LU_CHECK(strcmp(doc, lu_gdb_arch_x86_64.xml) == 0);
    LU_CHECK(strstr(doc, "<architecture>i386:x86-64</architecture>") != NULL);
    LU_CHECK(strstr(doc, "org.gnu.gdb.i386.core") && strstr(doc, "org.gnu.gdb.i386.sse"));
    LU_CHECK(strstr(doc, "name=\"fs_base\"") && strstr(doc, "name=\"gs_base\""));
    ASK_EQ("qXfer:features:read:other.xml:0,100", "E02");
    ASK_EQ("qXfer:features:read:target.xml:zz", "E16");
    ASK_EQ("qXfer:features:read:target.xml:100000,10", "E16");
    ASK_EQ("qXfer:features:read:target.xml:0", "E16");
}

LU_TEST(gdb_stop_reason_query)
{
    setup();
    const char *r = ask("?");
    LU_CHECK(strncmp(r, "T05thread:1;06:", 15) == 0);
    /* rip (0x10) is expedited: thread 1's register 16 is 0x10+0 bytes */
    LU_CHECK(strstr(r, ";10:1010101010101010;") != NULL);
    g.stop = (struct lu_gdb_stop){.tid = 2, .signo = 5, .kind = LU_GDB_STOP_WATCH, .addr = 0x1234};
    r = ask("?");
    LU_CHECK(strncmp(r, "T05thread:2;watch:1234;", 23) == 0);
    g.stop.kind = LU_GDB_STOP_SWBREAK;
    LU_CHECK(strstr(ask("?"), "swbreak:;") != NULL);
    g.stop.kind = LU_GDB_STOP_HWBREAK;
    LU_CHECK(strstr(ask("?"), "hwbreak:;") != NULL);
    g.stop = (struct lu_gdb_stop){.tid = 3, .signo = 11};
    LU_CHECK(strncmp(ask("?"), "T0bthread:3;", 12) == 0);
}

LU_TEST(gdb_registers)
{
    setup();
    const char *r = ask("g");
    /* 59 registers: 17*8 + 7*4 + 8*10 + 8*4 + 16*16 + 4 + 2*8 = 552 bytes */
    LU_CHECK_EQ(strlen(r), 2 * 552);
    LU_CHECK(strncmp(r, "1010101010101010", 16) == 0);           /* rax of thread 1 */
    LU_CHECK(strncmp(r + 2 * (17 * 8 + 7 * 4), "xxxx", 4) == 0); /* st0: unavailable */
    ASK_EQ("p10", "1010101010101010");                           /* rip */
    ASK_EQ("p11", "11111111");                                   /* eflags, 4 bytes */
    ASK_EQ("p39", "1919191919191919");                           /* fs_base (57) */
    ASK_EQ("p18", "xxxxxxxxxxxxxxxxxxxx");                       /* st0 */
    ASK_EQ("p3b", "E16");                                        /* past the last */
    ASK_EQ("p", "E16");
    ASK_EQ("pzz", "E16");
    ASK_EQ("P10=efbeadde00000000", "OK");
    ASK_EQ("p10", "efbeadde00000000");
    ASK_EQ("P10=efbe", "E16"); /* too short */
    ASK_EQ("P10=zzbeadde00000000", "E16");
    ASK_EQ("P10", "E16");
    /* H g selects the thread the register packets read */
    ASK_EQ("Hg2", "OK");
    ASK_EQ("p0", "2020202020202020");
    ASK_EQ("Hg9", "E03"); /* no such thread */
    ASK_EQ("Hg0", "OK");
    ASK_EQ("p0", "1010101010101010");
    ASK_EQ("Hg-1", "OK");
    ASK_EQ("Hc2", "OK");
    ASK_EQ("Hx2", "E16");
    /* G: write them all back changed */
    char *all = strdup(ask("g"));
    memcpy(all, "0102030405060708", 16);
    char pkt[2048];
    snprintf(pkt, sizeof pkt, "G%s", all);
    ASK_EQ(pkt, "OK");
    ASK_EQ("p0", "0102030405060708");
    pkt[5] = 'q';
    ASK_EQ(pkt, "E16");
    ASK_EQ("G0102", "E16");
    ASK_EQ("gx", "E16");
    free(all);
}

LU_TEST(gdb_memory)
{
    setup();
    ASK_EQ("m10000,4", "00010203");
    ASK_EQ("m100fe,2", "feff");
    ASK_EQ("m1fffe,10", "feff"); /* short read at the end of the mapping */
    ASK_EQ("m0,4", "E0e");       /* unmapped: EFAULT, never a fault */
    ASK_EQ("mffffffffffffff00,4", "E0e");
    ASK_EQ("mffffffffffffffff,4", "E16"); /* wraps */
    ASK_EQ("m10000", "E16");
    ASK_EQ("m,4", "E16");
    ASK_EQ("m10000,4x", "E16");
    ASK_EQ("m10000,0", "");
    ASK_EQ("m11234567890abcdef0,4", "E16"); /* more than 64 bits */
    /* a huge length is clipped to what fits in a packet */
    LU_CHECK_EQ(strlen(ask("m10000,100000")), (LU_GDB_PKT_MAX - 4) / 2 * 2);
    ASK_EQ("M10000,2:abcd", "OK");
    ASK_EQ("m10000,2", "abcd");
    ASK_EQ("M10000,2:abc", "E16");
    ASK_EQ("M10000,2:abcdef", "E16");
    ASK_EQ("M10000,2:zzzz", "E16");
    ASK_EQ("M0,2:abcd", "E0e");
    ASK_EQ("M10000,2", "E16");
    ASK_EQ("M10000,100000:00", "E16");
    ASK_EQ("X10000,0:", "OK"); /* gdb's probe */
    /* binary write with an escaped '#' and '}' */
    ASK_EQ("X10000,3:a}\x03}]", "OK");
    ASK_EQ("m10000,3", "61237d");
    ASK_EQ("X10000,3:ab", "E16");
    ASK_EQ("X0,1:a", "E0e");
}

LU_TEST(gdb_breakpoints)
{
    setup();
    ASK_EQ("Z0,10010,1", "OK");
    LU_CHECK_EQ(t.nbps, 1);
    LU_CHECK_EQ(t.bps[0].addr, 0x10010);
    ASK_EQ("z0,10010,1", "OK");
    LU_CHECK_EQ(t.nbps, 0);
    ASK_EQ("z0,10010,1", "E02");
    ASK_EQ("Z0,0,1", "E0e");
    ASK_EQ("Z0,10010,1;X2,0102", "OK"); /* a condition list is ignored */
    ASK_EQ("Z1,10020,1", "OK");
    ASK_EQ("Z2,10030,8", "OK");
    ASK_EQ("Z4,10040,4", "OK");
    ASK_EQ("Z2,10050,2", "OK");
    ASK_EQ("Z2,10060,1", "E1c"); /* ENOSPC: four debug registers */
    ASK_EQ("Z3,10040,4", "");    /* unsupported by this target: empty */
    ASK_EQ("Z2,10070,3", "E1c");
    ASK_EQ("z2,10050,2", "OK");
    ASK_EQ("Z2,10070,3", "E16"); /* bad length */
    ASK_EQ("Z5,10000,1", "E16");
    ASK_EQ("Z0,10000", "E16");
    ASK_EQ("Z0", "E16");
    ASK_EQ("Z0,10000,1x", "E16");
    ASK_EQ("Z0,10000,ffff", "E16");
}

LU_TEST(gdb_continue_and_step)
{
    enum lu_gdb_outcome o;
    setup();
    ask_outcome("c", &o);
    LU_CHECK_EQ(o, LU_GDB_RESUME);
    LU_CHECK(g.running);
    LU_CHECK_EQ(t.last_resume.n, 1);
    LU_CHECK_EQ(t.last_resume.a[0].op, 'c');
    LU_CHECK_EQ(t.last_resume.a[0].tid, 0);
    /* the next stop is reported at once */
    g.noack = true;
    fake_input(&io, "");
    const struct lu_gdb_stop hit = {.tid = 1, .signo = 5, .kind = LU_GDB_STOP_SWBREAK};
    lu_gdb_serve(&g, &hit, false);
    LU_CHECK(strncmp(io.out, "$T05thread:1;swbreak:;", 22) == 0);
    LU_CHECK(!g.running);

    ask_outcome("s", &o);
    LU_CHECK_EQ(o, LU_GDB_RESUME);
    LU_CHECK_EQ(t.last_resume.a[0].op, 's');
    LU_CHECK_EQ(t.last_resume.a[0].tid, 1);
    ask_outcome("c10020", &o);
    LU_CHECK_EQ(o, LU_GDB_RESUME);
    ASK_EQ("p10", "2000010000000000");
    ask_outcome("C0b", &o);
    LU_CHECK_EQ(t.last_resume.a[0].signo, 11);
    LU_CHECK_EQ(t.last_resume.a[0].tid, 1);
    ask_outcome("S05;10030", &o);
    LU_CHECK_EQ(t.last_resume.a[0].op, 's');
    LU_CHECK_EQ(t.last_resume.a[0].signo, 5);
    ASK_EQ("p10", "3000010000000000");
    ASK_EQ("Cxyz", "E16");
    ASK_EQ("C100", "E16");
    ASK_EQ("c10020z", "E16");
    /* Hc picks the thread to step */
    ASK_EQ("Hc2", "OK");
    ask_outcome("s", &o);
    LU_CHECK_EQ(t.last_resume.a[0].tid, 2);
}

/* gdb takes a stop reply's thread as its H g thread and sends no Hg for
 * it: the register packets after the stop must read that thread, whatever
 * an older Hg (a `thread apply all bt` before the continue) selected. */
LU_TEST(gdb_stop_reply_selects_its_thread)
{
    enum lu_gdb_outcome o;
    setup();
    ASK_EQ("Hg2", "OK");
    ASK_EQ("p0", "2020202020202020");
    ask_outcome("vCont;c", &o);
    LU_CHECK_EQ(o, LU_GDB_RESUME);
    g.noack = true;
    fake_input(&io, "");
    const struct lu_gdb_stop hit = {.tid = 1, .signo = 5, .kind = LU_GDB_STOP_SWBREAK};
    lu_gdb_serve(&g, &hit, false);
    LU_CHECK(strncmp(io.out, "$T05thread:1;", 13) == 0);
    ASK_EQ("p0", "1010101010101010"); /* thread 1, not 2 */
    LU_CHECK(strncmp(ask("g"), "1010101010101010", 16) == 0);
}

LU_TEST(gdb_vcont)
{
    enum lu_gdb_outcome o;
    setup();
    ASK_EQ("vCont?", "vCont;c;C;s;S");
    ask_outcome("vCont;c", &o);
    LU_CHECK_EQ(o, LU_GDB_RESUME);
    LU_CHECK_EQ(t.last_resume.n, 1);
    ask_outcome("vCont;s:2;c", &o);
    LU_CHECK_EQ(o, LU_GDB_RESUME);
    LU_CHECK_EQ(t.last_resume.n, 2);
    LU_CHECK_EQ(t.last_resume.a[0].op, 's');
    LU_CHECK_EQ(t.last_resume.a[0].tid, 2);
    LU_CHECK_EQ(t.last_resume.a[1].op, 'c');
    LU_CHECK_EQ(t.last_resume.a[1].tid, 0);
    ask_outcome("vCont;S0b:3;C02:-1", &o);
    LU_CHECK_EQ(t.last_resume.a[0].op, 's');
    LU_CHECK_EQ(t.last_resume.a[0].signo, 11);
    LU_CHECK_EQ(t.last_resume.a[1].op, 'c');
    LU_CHECK_EQ(t.last_resume.a[1].tid, 0);
    ask_outcome("vCont;s", &o);
    LU_CHECK_EQ(t.last_resume.a[0].tid, 1);
    int before = t.resumes;
    ASK_EQ("vCont;s:9", "E03"); /* the target refuses a dead thread */
    ASK_EQ("vCont;t:1", "E16"); /* not advertised */
    ASK_EQ("vCont;", "E16");
    ASK_EQ("vCont;c:", "E16");
    ASK_EQ("vCont;c:1x", "E16");
    ASK_EQ("vCont;Czz", "E16");
    ASK_EQ("vCont;c;c;c;c;c;c;c;c;c", "E07");
    LU_CHECK_EQ(t.resumes, before);
}

LU_TEST(gdb_threads)
{
    setup();
    ASK_EQ("qfThreadInfo", "m1,2,3");
    ASK_EQ("qsThreadInfo", "l");
    ASK_EQ("qC", "QC1");
    ASK_EQ("T2", "OK");
    ASK_EQ("T7", "E03");
    ASK_EQ("Tzz", "E16");
    ASK_EQ("qAttached", "1");
    /* "worker: blocked", hex */
    ASK_EQ("qThreadExtraInfo,2", "776f726b65723a20626c6f636b6564");
    ASK_EQ("qThreadExtraInfo,9", "E03");
    ASK_EQ("qThreadExtraInfo,", "E16");
}

/* qXfer:threads:read: the whole list in one reply ('l': nothing after),
 * or windows of it ('m' while more follows) that add up to the same. */
LU_TEST(gdb_threads_xml)
{
    setup();
    static char whole[1024];
    snprintf(whole, sizeof whole, "%s", ask("qXfer:threads:read::0,fff"));
    LU_CHECK(whole[0] == 'l');
    LU_CHECK(strstr(whole, "<thread id=\"2\" name=\"worker\">blocked</thread>") != NULL);
    LU_CHECK(strstr(whole, "</threads>") != NULL);
    static char joined[1024];
    size_t n = 0;
    for (int off = 0;; off += 16) {
        char q[64];
        snprintf(q, sizeof q, "qXfer:threads:read::%x,10", off);
        const char *r = ask(q);
        LU_CHECK(r[0] == 'm' || r[0] == 'l');
        n += (size_t)snprintf(joined + n, sizeof joined - n, "%s", r + 1);
        if (r[0] == 'l' || n >= sizeof joined - 32)
            break;
    }
    LU_CHECK(strcmp(joined, whole + 1) == 0);
    ASK_EQ("qXfer:threads:read::ffff,10", "E16");
    ASK_EQ("qXfer:threads:read:x:0,10", "E16");
}

static char hexbuf[512];
static const char *rcmd(const char *cmd)
{
    int n = snprintf(hexbuf, sizeof hexbuf, "qRcmd,");
    for (const char *c = cmd; *c; c++)
        n += snprintf(hexbuf + n, sizeof hexbuf - (size_t)n, "%02x", (unsigned char)*c);
    return hexbuf;
}

/* Everything the O packets of the last command carried, decoded. */
static const char *console(void)
{
    static char text[1 << 16], hex[1 << 17];
    size_t n = 0;
    for (const char *p = io.out; (p = strstr(p, "$O")) != NULL; p += 2) {
        size_t k = 0; /* expand runs first */
        for (const char *h = p + 2; *h != '#' && k < sizeof hex - 100; h++) {
            if (*h == '*' && k) {
                for (int rep = *++h - 29; rep > 0; rep--, k++)
                    hex[k] = hex[k - 1];
            } else {
                hex[k++] = *h;
            }
        }
        for (size_t i = 0; i + 1 < k && n < sizeof text - 1; i += 2) {
            unsigned v;
            sscanf(hex + i, "%2x", &v);
            text[n++] = (char)v;
        }
    }
    text[n] = 0;
    return text;
}

LU_TEST(gdb_monitor_commands)
{
    setup();
    ASK_EQ(rcmd("help"), "OK");
    const char *c = console();
    LU_CHECK(strstr(c, "help") && strstr(c, "threads") && strstr(c, "trace") && strstr(c, "metrics"));
    ASK_EQ(rcmd("threads"), "OK");
    c = console();
    LU_CHECK(strstr(c, "main") && strstr(c, "worker") && strstr(c, "blocked") && strstr(c, "idle"));
    ASK_EQ(rcmd("  threads  extra"), "OK");
    ASK_EQ(rcmd("stats"), "OK");
    LU_CHECK(strstr(console(), "packets in") != NULL);
    ASK_EQ(rcmd("bogus"), "OK");
    LU_CHECK(strstr(console(), "unknown monitor command 'bogus'") != NULL);
    ASK_EQ(rcmd(""), "OK");
    ASK_EQ(rcmd("trace"), "OK"); /* with or without tracing linked: a message, not a crash */
    LU_CHECK(strlen(console()) > 0);
    ASK_EQ("qRcmd,6", "E16"); /* odd hex */
    ASK_EQ("qRcmd,zz", "E16");
    ASK_EQ("qRcmd,0068", "E16"); /* embedded NUL */
}

LU_TEST(gdb_detach_kill_unknown)
{
    enum lu_gdb_outcome o;
    setup();
    ASK_EQ("Z0,10010,1", "OK");
    const char *r = ask_outcome("D", &o);
    LU_CHECK(strcmp(r, "OK") == 0);
    LU_CHECK_EQ(o, LU_GDB_DETACHED);
    LU_CHECK_EQ(t.detaches, 1);
    LU_CHECK_EQ(t.nbps, 0);
    LU_CHECK(!g.attached);
    ask_outcome("D;1", &o);
    LU_CHECK_EQ(o, LU_GDB_DETACHED);
    ask_outcome("k", &o);
    LU_CHECK_EQ(o, LU_GDB_KILLED);
    LU_CHECK_EQ(t.kills, 1);
    ask_outcome("vKill;1", &o);
    LU_CHECK_EQ(t.kills, 2);
    /* unknown packets: the empty reply */
    ASK_EQ("vMustReplyEmpty", "");
    ASK_EQ("qTStatus", "");
    ASK_EQ("!", "");
    ASK_EQ("bc", "");
    ASK_EQ("", "");
    ASK_EQ("\x7f\x01", "");
}

LU_TEST(gdb_replies_are_run_length_encoded)
{
    setup();
    /* Only for a transport that asks (the UART); others get it plain. */
    memset(t.mem, 0, 64);
    g.noack = true;
    fake_input(&io, fake_packet("m10000,4"));
    lu_gdb_serve(&g, &g.stop, false);
    LU_CHECK(strcmp(io.out, fake_packet("00000000")) == 0);
    g.io.compress = true;
    g.noack = true;
    fake_input(&io, fake_packet("m10000,20"));
    lu_gdb_serve(&g, &g.stop, false);
    /* 64 zeros: '0' then 63 more, as '*' and 63 + 29 = '\\' */
    LU_CHECK(strcmp(io.out, fake_packet("0*\\")) == 0);
    /* counts that would read as '#' or '$' are avoided */
    memset(t.mem, 0, 4);
    g.noack = true; /* the end of input above was a hang-up, which resets it */
    fake_input(&io, fake_packet("m10000,4"));
    lu_gdb_serve(&g, &g.stop, false);
    LU_CHECK(strcmp(io.out, fake_packet("0*\"00")) == 0);
    LU_CHECK(strchr(io.out + 1, '$') == NULL);
    /* and the decoded value is right */
    ASK_EQ("m10000,8", "0000000000000000");
    ASK_EQ("m10000,41", "000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
                        "00000000000000000000000000000000000000000000"
                        "40");
}
