/* The fake target and transport (see fake_target.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "fake_target.h"

static const char *const names[FAKE_THREADS] = {"main", "worker", "idle"};
static const char *const states[FAKE_THREADS] = {"running", "blocked", "ready"};

static int thread_index(uint32_t tid) { return tid >= 1 && tid <= FAKE_THREADS ? (int)tid - 1 : -1; }

static int read_reg(void *ctx, uint32_t tid, int regno, uint8_t *buf)
{
    struct fake_target *t = ctx;
    int i = thread_index(tid);
    if (i < 0)
        return -ESRCH;
    if (regno >= LU_GDB_X86_ST0 && regno < LU_GDB_X86_FCTRL)
        return -ENOENT; /* the x87 stack: "unavailable", to exercise 'x' */
    memcpy(buf, t->regs[i][regno], lu_gdb_arch_x86_64.reg_bytes[regno]);
    return 0;
}

static int write_reg(void *ctx, uint32_t tid, int regno, const uint8_t *buf)
{
    struct fake_target *t = ctx;
    int i = thread_index(tid);
    if (i < 0)
        return -ESRCH;
    if (regno >= LU_GDB_X86_ST0 && regno < LU_GDB_X86_FCTRL)
        return -ENOENT;
    memcpy(t->regs[i][regno], buf, lu_gdb_arch_x86_64.reg_bytes[regno]);
    return 0;
}

static int read_mem(void *ctx, uint64_t addr, uint8_t *buf, size_t len)
{
    struct fake_target *t = ctx;
    if (addr < FAKE_MEM_BASE || addr >= FAKE_MEM_BASE + FAKE_MEM_SIZE)
        return -EFAULT;
    size_t n = FAKE_MEM_BASE + FAKE_MEM_SIZE - addr;
    if (n > len)
        n = len;
    memcpy(buf, t->mem + (addr - FAKE_MEM_BASE), n);
    return (int)n;
}

static int write_mem(void *ctx, uint64_t addr, const uint8_t *buf, size_t len)
{
    struct fake_target *t = ctx;
    if (addr < FAKE_MEM_BASE || addr + len > FAKE_MEM_BASE + FAKE_MEM_SIZE)
        return -EFAULT;
    memcpy(t->mem + (addr - FAKE_MEM_BASE), buf, len);
    return 0;
}

static int insert_bp(void *ctx, enum lu_gdb_bp_type type, uint64_t addr, unsigned kind)
{
    struct fake_target *t = ctx;
    if (type == LU_GDB_BP_SW && (addr < FAKE_MEM_BASE || addr >= FAKE_MEM_BASE + FAKE_MEM_SIZE))
        return -EFAULT;
    if (type == LU_GDB_WP_READ)
        return -EOPNOTSUPP; /* to exercise the empty reply */
    if (type != LU_GDB_BP_SW && t->hw_used == 4)
        return -ENOSPC;
    if (type >= LU_GDB_WP_WRITE && kind != 1 && kind != 2 && kind != 4 && kind != 8)
        return -EINVAL;
    if (t->nbps == FAKE_MAX_BPS)
        return -ENOSPC;
    t->bps[t->nbps++] = (struct fake_bp){type, addr, kind};
    if (type != LU_GDB_BP_SW)
        t->hw_used++;
    return 0;
}

static int remove_bp(void *ctx, enum lu_gdb_bp_type type, uint64_t addr, unsigned kind)
{
    struct fake_target *t = ctx;
    for (int i = 0; i < t->nbps; i++) {
        if (t->bps[i].type == (int)type && t->bps[i].addr == addr) {
            t->bps[i] = t->bps[--t->nbps];
            if (type != LU_GDB_BP_SW)
                t->hw_used--;
            return 0;
        }
    }
    return -ENOENT;
}

static int threads(void *ctx, int (*fn)(const struct lu_gdb_thread *, void *), void *arg)
{
    for (int i = 0; i < FAKE_THREADS; i++) {
        struct lu_gdb_thread th = {
            .tid = (uint32_t)i + 1, .cpu_ns = 1000u * (unsigned)i, .switches = (unsigned)i};
        snprintf(th.name, sizeof th.name, "%s", names[i]);
        snprintf(th.state, sizeof th.state, "%s", states[i]);
        int rc = fn(&th, arg);
        if (rc)
            return rc;
    }
    return 0;
}

static int resume(void *ctx, const struct lu_gdb_resume *r)
{
    struct fake_target *t = ctx;
    for (int i = 0; i < r->n; i++)
        if (r->a[i].tid && thread_index(r->a[i].tid) < 0)
            return -ESRCH;
    t->last_resume = *r;
    t->resumes++;
    return 0;
}

static void detach(void *ctx)
{
    struct fake_target *t = ctx;
    t->detaches++;
    t->nbps = t->hw_used = 0;
}

static void kill_target(void *ctx) { ((struct fake_target *)ctx)->kills++; }

const struct lu_gdb_target_ops fake_target_ops = {
    .read_reg = read_reg,
    .write_reg = write_reg,
    .read_mem = read_mem,
    .write_mem = write_mem,
    .insert_bp = insert_bp,
    .remove_bp = remove_bp,
    .threads = threads,
    .resume = resume,
    .detach = detach,
    .kill = kill_target,
};

/* Input runs out: a wait with a deadline times out, a wait forever means
 * the peer is gone (so every test ends). */
static int io_getc(void *ctx, int64_t timeout_ns)
{
    struct fake_io *io = ctx;
    if (io->in_pos < io->in_len)
        return io->in[io->in_pos++];
    if (io->at_end && timeout_ns < 0)
        longjmp(*io->at_end, 1);
    return timeout_ns < 0 ? -EPIPE : -ETIMEDOUT;
}

static void io_write(void *ctx, const void *buf, size_t len)
{
    struct fake_io *io = ctx;
    if (len > sizeof io->out - 1 - io->out_len)
        len = sizeof io->out - 1 - io->out_len;
    memcpy(io->out + io->out_len, buf, len);
    io->out_len += len;
    io->out[io->out_len] = 0;
}

const struct lu_gdb_transport fake_io_ops = {.getc = io_getc, .write = io_write};

void fake_setup(struct lu_gdb *g, struct fake_target *t, struct fake_io *io)
{
    memset(t, 0, sizeof *t);
    memset(io, 0, sizeof *io);
    for (int i = 0; i < FAKE_THREADS; i++)
        for (int r = 0; r < LU_GDB_X86_NREGS; r++)
            memset(t->regs[i][r], (i + 1) * 16 + (r & 15), 16);
    for (size_t i = 0; i < FAKE_MEM_SIZE; i++)
        t->mem[i] = (uint8_t)i;
    struct lu_gdb_target tgt = {&fake_target_ops, &lu_gdb_arch_x86_64, t};
    struct lu_gdb_transport tr = fake_io_ops;
    tr.ctx = io;
    lu_gdb_init(g, &tgt, &tr);
}

void fake_input_bytes(struct fake_io *io, const void *input, size_t len)
{
    io->in = input;
    io->in_len = len;
    io->in_pos = 0;
    io->out_len = 0;
    io->out[0] = 0;
}

void fake_input(struct fake_io *io, const char *input) { fake_input_bytes(io, input, strlen(input)); }

const char *fake_packet(const char *payload)
{
    static char buf[4][2 * LU_GDB_PKT_MAX];
    static int which;
    char *b = buf[which++ & 3];
    uint8_t sum = 0;
    for (const char *p = payload; *p; p++)
        sum += (uint8_t)*p;
    snprintf(b, sizeof buf[0], "$%s#%02x", payload, sum);
    return b;
}
