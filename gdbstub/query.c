/*
 * query.c: general queries and settings (q, Q) and the v packets: feature
 * negotiation, the target description, the thread list, monitor commands,
 * vCont.
 */
#include <errno.h>
#include <string.h>
#include "gdbstub.h"

/* What we tell gdb we do. PacketSize is in hex. */
#define SUPPORTED                                                                                            \
    "PacketSize=4000;qXfer:features:read+;qXfer:threads:read+;swbreak+;hwbreak+;vContSupported+;"            \
    "QStartNoAckMode+"

static bool starts(const char *p, const char *prefix) { return strncmp(p, prefix, strlen(prefix)) == 0; }

static int reply(struct lu_gdb *g, const char *s)
{
    lu_gdb_out_str(g, s);
    return LU_GDB_REPLY;
}

static int err(struct lu_gdb *g, int e)
{
    lu_gdb_error(g, e);
    return LU_GDB_REPLY;
}

/* qXfer:features:read:ANNEX:OFFSET,LENGTH */
static int xfer_features(struct lu_gdb *g, const char *p)
{
    const char *xml = g->tgt.arch->xml;
    if (!starts(p, "target.xml:"))
        return err(g, ENOENT);
    p += strlen("target.xml:");
    uint64_t off, len;
    if (lu_gdb_parse_hex(&p, &off) || *p++ != ',' || lu_gdb_parse_hex(&p, &len) || *p)
        return err(g, EINVAL);
    size_t total = strlen(xml);
    if (off > total)
        return err(g, EINVAL);
    /* Escapes can double the size: leave room for the worst case. */
    size_t room = (LU_GDB_PKT_MAX - 2) / 2;
    size_t n = total - (size_t)off;
    if (n > len)
        n = (size_t)len;
    if (n > room)
        n = room;
    lu_gdb_out_str(g, off + n < total ? "m" : "l");
    lu_gdb_out_bin(g, xml + off, n);
    return LU_GDB_REPLY;
}

struct tlist {
    struct lu_gdb *g;
    int skip, added;
};

static int list_fn(const struct lu_gdb_thread *t, void *arg)
{
    struct tlist *l = arg;
    if (l->skip > 0) {
        l->skip--;
        return 0;
    }
    if (lu_gdb_out_room(l->g) < 12)
        return 1; /* the rest goes in the next qsThreadInfo */
    lu_gdb_out_str(l->g, l->added ? "," : "m");
    lu_gdb_out_num(l->g, t->tid);
    l->added++;
    return 0;
}

static int thread_list(struct lu_gdb *g, bool first)
{
    if (first)
        g->thread_cursor = 0;
    struct tlist l = {g, g->thread_cursor, 0};
    g->tgt.ops->threads(g->tgt.ctx, list_fn, &l);
    g->thread_cursor += l.added;
    if (!l.added)
        lu_gdb_out_str(g, "l");
    return LU_GDB_REPLY;
}

struct tinfo {
    uint32_t tid;
    struct lu_gdb_thread t;
};

static int find_fn(const struct lu_gdb_thread *t, void *arg)
{
    struct tinfo *i = arg;
    if (t->tid != i->tid)
        return 0;
    i->t = *t;
    return 1;
}

static int extra_info(struct lu_gdb *g, const char *p)
{
    uint64_t tid;
    struct tinfo i;
    if (lu_gdb_parse_hex(&p, &tid) || *p || tid > UINT32_MAX)
        return err(g, EINVAL);
    i.tid = (uint32_t)tid;
    if (g->tgt.ops->threads(g->tgt.ctx, find_fn, &i) != 1)
        return err(g, ESRCH);
    char text[64];
    i.t.name[sizeof i.t.name - 1] = i.t.state[sizeof i.t.state - 1] = 0;
    size_t n = strlen(i.t.name);
    memcpy(text, i.t.name, n);
    text[n++] = ':';
    text[n++] = ' ';
    size_t s = strlen(i.t.state);
    memcpy(text + n, i.t.state, s);
    lu_gdb_out_hex(g, text, n + s);
    return LU_GDB_REPLY;
}

/*
 * qXfer:threads:read::OFFSET,LENGTH: the thread list as XML, with each
 * thread's name and state. gdb asks for the list after every stop; this
 * answers it in one round trip where qfThreadInfo/qsThreadInfo take two,
 * and the names and states come with it (no qThreadExtraInfo per thread).
 * The document is generated afresh for each request and only the bytes in
 * [OFFSET, OFFSET + LENGTH) are kept, so nothing is buffered.
 */
struct txml {
    struct lu_gdb *g;
    uint64_t pos, off, end; /* bytes generated so far; the window kept */
};

/* Keeps the part of @s[0..n) that falls in the window. */
static void txml_span(struct txml *x, const char *s, size_t n)
{
    uint64_t from = x->pos > x->off ? x->pos : x->off, to = x->pos + n < x->end ? x->pos + n : x->end;
    if (from < to)
        lu_gdb_out_bin(x->g, s + (from - x->pos), (size_t)(to - from));
    x->pos += n;
}

/* Whole runs of plain characters at a time: this answers after every stop,
 * and per-character calls were most of its cost (bench/gdb --core). */
static void txml_put(struct txml *x, const char *s, bool escape)
{
    if (!escape) {
        txml_span(x, s, strlen(s));
        return;
    }
    while (*s) {
        size_t n = 0;
        const char *e = NULL;
        for (; s[n]; n++) {
            char c = s[n];
            e = c == '&'                  ? "&amp;"
                : c == '<'                ? "&lt;"
                : c == '>'                ? "&gt;"
                : c == '"'                ? "&quot;"
                : (unsigned char)c < 0x20 ? "?"
                                          : NULL;
            if (e)
                break;
        }
        txml_span(x, s, n);
        s += n;
        if (e) {
            txml_span(x, e, strlen(e));
            s++;
        }
    }
}

static int txml_fn(const struct lu_gdb_thread *t, void *arg)
{
    struct txml *x = arg;
    char id[12], name[sizeof t->name], state[sizeof t->state];
    int n = 0;
    for (int shift = 28; shift >= 0; shift -= 4) /* hex, no leading zeros */
        if ((t->tid >> shift) || n || !shift)
            id[n++] = "0123456789abcdef"[(t->tid >> shift) & 15];
    id[n] = 0;
    memcpy(name, t->name, sizeof name);
    memcpy(state, t->state, sizeof state);
    name[sizeof name - 1] = state[sizeof state - 1] = 0;
    txml_put(x, "<thread id=\"", false);
    txml_put(x, id, false);
    txml_put(x, "\" name=\"", false);
    txml_put(x, name, true);
    txml_put(x, "\">", false);
    txml_put(x, state, true);
    txml_put(x, "</thread>", false);
    return 0;
}

static int xfer_threads(struct lu_gdb *g, const char *p)
{
    uint64_t off, len;
    if (*p++ != ':' || lu_gdb_parse_hex(&p, &off) || *p++ != ',' || lu_gdb_parse_hex(&p, &len) || *p)
        return err(g, EINVAL);
    /* Escapes can double the size: leave room for the worst case. */
    uint64_t room = (LU_GDB_PKT_MAX - 2) / 2;
    if (len > room)
        len = room;
    lu_gdb_out_str(g, "m");
    struct txml x = {g, 0, off, off + len};
    txml_put(&x, "<?xml version=\"1.0\"?>\n<threads>", false);
    g->tgt.ops->threads(g->tgt.ctx, txml_fn, &x);
    txml_put(&x, "</threads>\n", false);
    if (off > x.pos)
        return err(g, EINVAL);
    if (x.pos <= x.end)
        g->out[0] = 'l'; /* the window reached the end */
    return LU_GDB_REPLY;
}

static int rcmd(struct lu_gdb *g, const char *hex)
{
    size_t digits = strlen(hex);
    if (digits / 2 >= sizeof g->tmp)
        return err(g, E2BIG);
    int n = lu_gdb_unhex(hex, digits, g->tmp);
    if (n < 0)
        return err(g, EINVAL);
    g->tmp[n] = 0;
    if (memchr(g->tmp, 0, (size_t)n))
        return err(g, EINVAL);
    char cmd[256];
    if ((size_t)n >= sizeof cmd)
        return err(g, E2BIG);
    memcpy(cmd, g->tmp, (size_t)n + 1);
    int rc = lu_gdb_monitor_run(g, cmd);
    lu_gdb_out_reset(g);
    return rc < 0 ? err(g, -rc) : reply(g, "OK");
}

int lu_gdb_query(struct lu_gdb *g, const char *p, size_t len)
{
    if (starts(p, "qSupported")) {
        /* A new session: whatever the last gdb set up is gone. */
        g->noack = false;
        g->hg = g->hc = 0;
        return reply(g, SUPPORTED);
    }
    if (starts(p, "qXfer:features:read:"))
        return xfer_features(g, p + strlen("qXfer:features:read:"));
    if (starts(p, "qXfer:threads:read:"))
        return xfer_threads(g, p + strlen("qXfer:threads:read:"));
    if (strcmp(p, "qfThreadInfo") == 0)
        return thread_list(g, true);
    if (strcmp(p, "qsThreadInfo") == 0)
        return thread_list(g, false);
    if (strcmp(p, "qC") == 0) {
        lu_gdb_out_str(g, "QC");
        lu_gdb_out_num(g, g->stop.tid);
        return LU_GDB_REPLY;
    }
    if (strcmp(p, "qAttached") == 0 || starts(p, "qAttached:"))
        return reply(g, "1"); /* we attached to a running program: detach, not kill, on quit */
    if (starts(p, "qThreadExtraInfo,"))
        return extra_info(g, p + strlen("qThreadExtraInfo,"));
    if (starts(p, "qRcmd,"))
        return rcmd(g, p + strlen("qRcmd,"));
    if (strcmp(p, "QStartNoAckMode") == 0) {
        reply(g, "OK");
        lu_gdb_send(g); /* acked like any packet; nothing is acked after it */
        g->noack = true;
        return LU_GDB_NOREPLY;
    }
    if (strcmp(p, "vCont?") == 0)
        return reply(g, "vCont;c;C;s;S");
    if (starts(p, "vCont;"))
        return lu_gdb_vcont(g, p + 5);
    if (starts(p, "vKill")) {
        g->tgt.ops->kill(g->tgt.ctx);
        g->attached = g->running = g->noack = false;
        return LU_GDB_KILLED;
    }
    (void)len;
    g->stats.unknown++;
    return LU_GDB_REPLY; /* empty: not supported */
}
