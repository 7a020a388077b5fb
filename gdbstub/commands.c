/*
 * commands.c: the packets that act on the stopped target: registers,
 * memory, breakpoints, resuming, threads. Queries (q/Q/v) are in query.c.
 * Anything not understood gets the empty reply, which the protocol defines
 * as "not supported", so gdb falls back instead of failing.
 */
#include <errno.h>
#include <string.h>
#include "gdbstub.h"

#define ALL_THREADS UINT32_MAX

/* A thread id: hex, "-1" (all) or "0" (any). */
static int parse_tid(const char **p, uint32_t *tid)
{
    if ((*p)[0] == '-' && (*p)[1] == '1') {
        *p += 2;
        *tid = ALL_THREADS;
        return 0;
    }
    uint64_t v;
    if (lu_gdb_parse_hex(p, &v) || v > UINT32_MAX - 1)
        return -EINVAL;
    *tid = (uint32_t)v;
    return 0;
}

static uint32_t reg_thread(struct lu_gdb *g) { return (g->hg && g->hg != ALL_THREADS) ? g->hg : g->stop.tid; }

static int ok(struct lu_gdb *g)
{
    lu_gdb_out_str(g, "OK");
    return LU_GDB_REPLY;
}

static int fail(struct lu_gdb *g, int err)
{
    if (err == -EOPNOTSUPP)
        return LU_GDB_REPLY; /* empty: unsupported */
    lu_gdb_error(g, err);
    return LU_GDB_REPLY;
}

static int read_regs(struct lu_gdb *g)
{
    const struct lu_gdb_arch *a = g->tgt.arch;
    uint8_t buf[64];
    for (int r = 0; r < a->nregs; r++) {
        int n = a->reg_bytes[r];
        int rc = g->tgt.ops->read_reg(g->tgt.ctx, reg_thread(g), r, buf);
        if (rc == -ESRCH)
            return fail(g, rc);
        if (rc < 0) {
            static const char unavailable[] =
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
            for (int i = 0; i < 2 * n; i += 64)
                lu_gdb_out_str(g, unavailable + (2 * n - i >= 64 ? 0 : 64 - (2 * n - i)));
        } else {
            lu_gdb_out_hex(g, buf, (size_t)n);
        }
    }
    return LU_GDB_REPLY;
}

static int write_regs(struct lu_gdb *g, const char *p, size_t len)
{
    const struct lu_gdb_arch *a = g->tgt.arch;
    uint8_t buf[64];
    size_t off = 0;
    /* gdb may send fewer registers than it knows (the tail is unchanged). */
    for (int r = 0; r < a->nregs && off < len; r++) {
        size_t digits = 2u * a->reg_bytes[r];
        if (off + digits > len)
            return fail(g, -EINVAL);
        if (p[off] == 'x') { /* echoed back as unavailable: leave it */
            off += digits;
            continue;
        }
        if (lu_gdb_unhex(p + off, digits, buf) < 0)
            return fail(g, -EINVAL);
        int rc = g->tgt.ops->write_reg(g->tgt.ctx, reg_thread(g), r, buf);
        if (rc < 0 && rc != -ENOENT)
            return fail(g, rc);
        off += digits;
    }
    return off == len ? ok(g) : fail(g, -EINVAL);
}

static int read_reg(struct lu_gdb *g, const char *p)
{
    uint64_t r;
    uint8_t buf[64];
    if (lu_gdb_parse_hex(&p, &r) || *p || r >= (uint64_t)g->tgt.arch->nregs)
        return fail(g, -EINVAL);
    int rc = g->tgt.ops->read_reg(g->tgt.ctx, reg_thread(g), (int)r, buf);
    if (rc == -ENOENT) {
        for (int i = 0; i < 2 * g->tgt.arch->reg_bytes[r]; i++)
            lu_gdb_out_str(g, "x");
        return LU_GDB_REPLY;
    }
    if (rc < 0)
        return fail(g, rc);
    lu_gdb_out_hex(g, buf, g->tgt.arch->reg_bytes[r]);
    return LU_GDB_REPLY;
}

static int write_reg(struct lu_gdb *g, const char *p)
{
    uint64_t r;
    uint8_t buf[64];
    if (lu_gdb_parse_hex(&p, &r) || *p++ != '=' || r >= (uint64_t)g->tgt.arch->nregs)
        return fail(g, -EINVAL);
    size_t digits = 2u * g->tgt.arch->reg_bytes[r];
    if (strlen(p) != digits || lu_gdb_unhex(p, digits, buf) < 0)
        return fail(g, -EINVAL);
    int rc = g->tgt.ops->write_reg(g->tgt.ctx, reg_thread(g), (int)r, buf);
    return rc < 0 ? fail(g, rc) : ok(g);
}

/* "addr,len" then @sep (or the end of the packet if sep is 0). */
static int parse_range(const char **p, uint64_t *addr, uint64_t *len, char sep)
{
    if (lu_gdb_parse_hex(p, addr) || *(*p)++ != ',' || lu_gdb_parse_hex(p, len))
        return -EINVAL;
    if (sep ? *(*p)++ != sep : **p != 0)
        return -EINVAL;
    if (*addr + *len < *addr)
        return -EINVAL; /* wraps around */
    return 0;
}

static int read_mem(struct lu_gdb *g, const char *p)
{
    uint64_t addr, len;
    if (parse_range(&p, &addr, &len, 0))
        return fail(g, -EINVAL);
    if (len > (LU_GDB_PKT_MAX - 4) / 2)
        len = (LU_GDB_PKT_MAX - 4) / 2; /* gdb takes a short read and asks again */
    if (len == 0)
        return LU_GDB_REPLY;
    int n = g->tgt.ops->read_mem(g->tgt.ctx, addr, g->tmp, (size_t)len);
    if (n <= 0)
        return fail(g, n < 0 ? n : -EFAULT);
    lu_gdb_out_hex(g, g->tmp, (size_t)n);
    return LU_GDB_REPLY;
}

static int write_mem(struct lu_gdb *g, const char *p, size_t plen, bool binary)
{
    const char *start = p;
    uint64_t addr, len;
    if (parse_range(&p, &addr, &len, ':') || len > sizeof g->tmp)
        return fail(g, -EINVAL);
    size_t rest = plen - (size_t)(p - start);
    if (binary) {
        /* The packet layer already undid the escapes. */
        if (rest != len)
            return fail(g, -EINVAL);
        memcpy(g->tmp, p, rest);
    } else if (rest != 2 * len || lu_gdb_unhex(p, rest, g->tmp) < 0) {
        return fail(g, -EINVAL);
    }
    if (len == 0)
        return ok(g); /* gdb's probe for X support */
    int rc = g->tgt.ops->write_mem(g->tgt.ctx, addr, g->tmp, (size_t)len);
    return rc < 0 ? fail(g, rc) : ok(g);
}

static int breakpoint(struct lu_gdb *g, const char *p, bool insert)
{
    uint64_t type, addr, kind;
    if (lu_gdb_parse_hex(&p, &type) || type > LU_GDB_WP_ACCESS || *p++ != ',' ||
        lu_gdb_parse_hex(&p, &addr) || *p++ != ',' || lu_gdb_parse_hex(&p, &kind) || (*p && *p != ';') ||
        kind > 64)
        return fail(g, -EINVAL);
    /* A ";cond" list would follow; we do not advertise conditions. */
    int rc = insert ? g->tgt.ops->insert_bp(g->tgt.ctx, (enum lu_gdb_bp_type)type, addr, (unsigned)kind)
                    : g->tgt.ops->remove_bp(g->tgt.ctx, (enum lu_gdb_bp_type)type, addr, (unsigned)kind);
    return rc < 0 ? fail(g, rc) : ok(g);
}

static int resume(struct lu_gdb *g, struct lu_gdb_resume *r)
{
    int rc = g->tgt.ops->resume(g->tgt.ctx, r);
    if (rc < 0)
        return fail(g, rc);
    g->running = true;
    return LU_GDB_RESUME;
}

/* c [addr], s [addr], C sig[;addr], S sig[;addr] */
static int simple_resume(struct lu_gdb *g, char op, const char *p)
{
    struct lu_gdb_resume r = {.n = 1};
    uint64_t v;
    char lower = op == 'C' ? 'c' : op == 'S' ? 's' : op;
    uint32_t tid = (g->hc && g->hc != ALL_THREADS) ? g->hc : g->stop.tid;
    r.a[0] = (struct lu_gdb_action){.tid = lower == 's' ? tid : 0, .op = lower};
    if (op == 'C' || op == 'S') {
        if (lu_gdb_parse_hex(&p, &v) || v > 255)
            return fail(g, -EINVAL);
        r.a[0].signo = (int)v;
        r.a[0].tid = tid; /* the signal goes to that thread */
        if (lower == 'c') {
            r.a[1] = (struct lu_gdb_action){.tid = 0, .op = 'c'};
            r.n = 2;
        }
        if (*p == ';')
            p++;
        else if (*p)
            return fail(g, -EINVAL);
    }
    if (lower == 's' && r.a[0].tid == 0)
        r.a[0].tid = tid;
    if (*p) {
        uint8_t pc[8] = {0};
        if (lu_gdb_parse_hex(&p, &v) || *p)
            return fail(g, -EINVAL);
        int pcn = g->tgt.arch->pc_regno;
        for (int i = 0; i < g->tgt.arch->reg_bytes[pcn] && i < 8; i++)
            pc[i] = (uint8_t)(v >> (8 * i)); /* little-endian targets only */
        int rc = g->tgt.ops->write_reg(g->tgt.ctx, tid, pcn, pc);
        if (rc < 0)
            return fail(g, rc);
    }
    return resume(g, &r);
}

/* vCont;action[:tid];action[:tid]... */
int lu_gdb_vcont(struct lu_gdb *g, const char *p)
{
    struct lu_gdb_resume r = {0};
    while (*p == ';') {
        p++;
        if (r.n == LU_GDB_MAX_ACTIONS)
            return fail(g, -E2BIG);
        struct lu_gdb_action *a = &r.a[r.n++];
        char op = *p++;
        uint64_t sig = 0;
        if (op == 'C' || op == 'S') {
            if (lu_gdb_parse_hex(&p, &sig) || sig > 255)
                return fail(g, -EINVAL);
            op = op == 'C' ? 'c' : 's';
        } else if (op != 'c' && op != 's') {
            return fail(g, -EINVAL); /* t and r are not advertised */
        }
        a->op = op;
        a->signo = (int)sig;
        a->tid = 0;
        if (*p == ':') {
            p++;
            if (parse_tid(&p, &a->tid))
                return fail(g, -EINVAL);
            if (a->tid == ALL_THREADS)
                a->tid = 0;
        }
    }
    if (*p || r.n == 0)
        return fail(g, -EINVAL);
    /* A step without a thread applies to the thread gdb looks at. */
    for (int i = 0; i < r.n; i++)
        if (r.a[i].op == 's' && r.a[i].tid == 0 && r.n == 1)
            r.a[i].tid = g->stop.tid;
    return resume(g, &r);
}

static int thread_alive_fn(const struct lu_gdb_thread *t, void *arg) { return t->tid == *(uint32_t *)arg; }

bool lu_gdb_thread_alive(struct lu_gdb *g, uint32_t tid)
{
    return g->tgt.ops->threads(g->tgt.ctx, thread_alive_fn, &tid) == 1;
}

static int set_thread(struct lu_gdb *g, const char *p)
{
    char op = *p++;
    uint32_t tid;
    if ((op != 'g' && op != 'c') || parse_tid(&p, &tid) || *p)
        return fail(g, -EINVAL);
    if (tid && tid != ALL_THREADS && !lu_gdb_thread_alive(g, tid))
        return fail(g, -ESRCH);
    if (op == 'g')
        g->hg = tid;
    else
        g->hc = tid;
    return ok(g);
}

static int detach(struct lu_gdb *g)
{
    ok(g);
    lu_gdb_send(g);
    g->tgt.ops->detach(g->tgt.ctx);
    g->attached = g->running = g->noack = false;
    g->hg = g->hc = 0;
    return LU_GDB_DETACHED;
}

int lu_gdb_dispatch(struct lu_gdb *g)
{
    const char *p = (const char *)g->rx.buf;
    size_t len = g->rx.len;
    if (len == 0) {
        g->stats.unknown++;
        return LU_GDB_REPLY;
    }
    switch (p[0]) {
    case '?': lu_gdb_send_stop(g); return LU_GDB_NOREPLY;
    case 'g': return len == 1 ? read_regs(g) : fail(g, -EINVAL);
    case 'G': return write_regs(g, p + 1, len - 1);
    case 'p': return read_reg(g, p + 1);
    case 'P': return write_reg(g, p + 1);
    case 'm': return read_mem(g, p + 1);
    case 'M': return write_mem(g, p + 1, len - 1, false);
    case 'X': return write_mem(g, p + 1, len - 1, true);
    case 'Z': return breakpoint(g, p + 1, true);
    case 'z': return breakpoint(g, p + 1, false);
    case 'c':
    case 's':
    case 'C':
    case 'S': return simple_resume(g, p[0], p + 1);
    case 'D': return detach(g);
    case 'k':
        g->tgt.ops->kill(g->tgt.ctx);
        g->attached = g->running = g->noack = false;
        return LU_GDB_KILLED;
    case 'H': return set_thread(g, p + 1);
    case 'T': {
        uint32_t tid;
        p++;
        if (parse_tid(&p, &tid) || *p)
            return fail(g, -EINVAL);
        return lu_gdb_thread_alive(g, tid) ? ok(g) : fail(g, -ESRCH);
    }
    case 'q':
    case 'Q':
    case 'v': return lu_gdb_query(g, p, len);
    default: g->stats.unknown++; return LU_GDB_REPLY; /* empty: not supported */
    }
}
