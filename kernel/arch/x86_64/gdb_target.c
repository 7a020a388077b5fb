/*
 * The gdb stub's target on x86_64 (gdbstub/gdbstub.h, struct
 * lu_gdb_target_ops): registers, memory, breakpoints, watchpoints and
 * stepping, for an image stopped inside a trap.
 *
 * Registers. The stopped thread's come from its trap frame (isr.S), the
 * SSE/x87 state from the fxsave area trap_common put just below it, and
 * fs_base/gs_base from their MSRs. A thread that is switched out has only
 * what ctx_switch (switch.S) saved: rip, rsp, rbp, rbx, r12-r15; the rest
 * are reported unavailable, which is all gdb needs to unwind it.
 *
 * Memory. Every access is checked against the page tables first
 * (mmu_query), so a bad address is an error reply, never a fault in the
 * stub. Only RAM is reachable: reading device registers can have side
 * effects. Writes to read-only pages (text, rodata) lift the protection
 * for the one page and put it back.
 *
 * Breakpoints. Software ones are int3 written into text that way; reads
 * show the original byte. Hardware breakpoints and watchpoints use DR0-DR3
 * and DR7 (QEMU's TCG emulates them). Steps set RFLAGS.TF in the frame the
 * stopped thread resumes from.
 */
#include <errno.h>
#include <string.h>
#include <arch/backtrace.h>
#include <arch/cpu.h>
#include <arch/gdb_target.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include "../../exit.h"
#include "../../kernel.h"
#include "../../lib/kprintf.h"
#include "../../mm/heap.h"
#include "../../sched/sched.h"

static struct trap_frame *stopped_tf;
static uint32_t stopped_tid;

/* ---- debug registers ------------------------------------------------------------ */

static inline uint64_t dr6_read(void)
{
    uint64_t v;
    __asm__ volatile("mov %%db6, %0" : "=r"(v));
    return v;
}
static inline void dr6_write(uint64_t v) { __asm__ volatile("mov %0, %%db6" ::"r"(v)); }
static inline void dr7_write(uint64_t v) { __asm__ volatile("mov %0, %%db7" ::"r"(v)); }

static void dr_addr_write(int i, uint64_t v)
{
    switch (i) {
    case 0: __asm__ volatile("mov %0, %%db0" ::"r"(v)); break;
    case 1: __asm__ volatile("mov %0, %%db1" ::"r"(v)); break;
    case 2: __asm__ volatile("mov %0, %%db2" ::"r"(v)); break;
    default: __asm__ volatile("mov %0, %%db3" ::"r"(v)); break;
    }
}

struct hw_slot {
    bool used, once; /* once: our own gdb=wait breakpoint */
    enum lu_gdb_bp_type type;
    uint64_t addr;
    unsigned len;
};
static struct hw_slot hw[4];

/*
 * While the stub serves gdb, DR7 is 0: the stub's own accesses must not
 * trip what gdb asked for. gdb reads a watched variable to show it (a read
 * or access watchpoint would fire in the stub's memcpy, a debug exception
 * inside the stub, which is fatal), and an hbreak on a function the stub
 * calls would fire too. Inserting and removing only update hw[]; DR7 is
 * written from it when the image resumes (gdb_arch_resume).
 */
static bool serving;

static void dr7_update(void)
{
    uint64_t dr7 = 0;
    for (int i = 0; i < 4; i++) {
        if (!hw[i].used)
            continue;
        unsigned rw = hw[i].type == LU_GDB_BP_HW ? 0 : hw[i].type == LU_GDB_WP_WRITE ? 1 : 3; /* 3: access */
        unsigned len = hw[i].type == LU_GDB_BP_HW ? 0
                       : hw[i].len == 1           ? 0
                       : hw[i].len == 2           ? 1
                       : hw[i].len == 8           ? 2
                                                  : 3;
        dr7 |= (1ULL << (2 * i)) | ((uint64_t)rw << (16 + 4 * i)) | ((uint64_t)len << (18 + 4 * i));
    }
    if (dr7)
        dr7 |= 1ULL << 8; /* LE: exact data breakpoints */
    if (!serving)
        dr7_write(dr7);
}

static int hw_insert(enum lu_gdb_bp_type type, uint64_t addr, unsigned len, bool once)
{
    if (type == LU_GDB_BP_HW)
        len = 1;
    else if ((len != 1 && len != 2 && len != 4 && len != 8) || (addr & (len - 1)))
        return -EINVAL; /* the CPU watches naturally aligned 1, 2, 4 or 8 bytes */
    int free = -1;
    for (int i = 0; i < 4; i++) {
        if (hw[i].used && !hw[i].once && hw[i].type == type && hw[i].addr == addr && hw[i].len == len)
            return 0;
        if (free < 0 && (!hw[i].used || hw[i].once))
            free = i;
    }
    if (free < 0)
        return -ENOSPC;
    hw[free] = (struct hw_slot){true, once, type, addr, len};
    dr_addr_write(free, addr);
    dr7_update();
    return 0;
}

static int hw_remove(enum lu_gdb_bp_type type, uint64_t addr)
{
    for (int i = 0; i < 4; i++)
        if (hw[i].used && !hw[i].once && hw[i].type == type && hw[i].addr == addr) {
            hw[i].used = false;
            dr7_update();
            return 0;
        }
    return -ENOENT;
}

void gdb_arch_break_once(uintptr_t addr) { hw_insert(LU_GDB_BP_HW, addr, 1, true); }

/* ---- memory ------------------------------------------------------------------------ */

/* Bytes readable from @addr, up to @len, stopping at the first page that is
 * not mapped RAM. */
static size_t mapped_span(uint64_t addr, size_t len)
{
    uint64_t top = mem_top();
    if (addr >= top)
        return 0;
    if (len > top - addr)
        len = (size_t)(top - addr);
    size_t n = 0;
    while (n < len) {
        uint64_t page = ALIGN_DOWN(addr + n, PAGE_SIZE);
        if (mmu_query((uintptr_t)page, NULL))
            break;
        size_t in_page = (size_t)(page + PAGE_SIZE - (addr + n));
        n += in_page < len - n ? in_page : len - n;
    }
    return n;
}

/* Writes to mapped RAM, lifting write protection a page at a time. */
static int poke(uint64_t addr, const uint8_t *buf, size_t len)
{
    if (mapped_span(addr, len) != len)
        return -EFAULT;
    while (len) {
        uintptr_t page = ALIGN_DOWN((uintptr_t)addr, PAGE_SIZE);
        size_t n = page + PAGE_SIZE - addr;
        if (n > len)
            n = len;
        unsigned prot = 0;
        mmu_query(page, &prot);
        if (!(prot & MMU_W))
            mmu_protect(page, PAGE_SIZE, prot | MMU_W);
        memcpy((void *)(uintptr_t)addr, buf, n);
        if (!(prot & MMU_W))
            mmu_protect(page, PAGE_SIZE, prot);
        addr += n;
        buf += n;
        len -= n;
    }
    return 0;
}

#define MAX_SW 64
static struct {
    bool used;
    uint64_t addr;
    uint8_t orig;
} sw[MAX_SW];

static int sw_find(uint64_t addr)
{
    for (int i = 0; i < MAX_SW; i++)
        if (sw[i].used && sw[i].addr == addr)
            return i;
    return -1;
}

static int read_mem(void *ctx, uint64_t addr, uint8_t *buf, size_t len)
{
    size_t n = mapped_span(addr, len);
    if (!n)
        return -EFAULT;
    memcpy(buf, (const void *)(uintptr_t)addr, n);
    for (int i = 0; i < MAX_SW; i++) /* breakpoints are invisible */
        if (sw[i].used && sw[i].addr >= addr && sw[i].addr < addr + n)
            buf[sw[i].addr - addr] = sw[i].orig;
    return (int)n;
}

static int write_mem(void *ctx, uint64_t addr, const uint8_t *buf, size_t len)
{
    int rc = poke(addr, buf, len);
    if (rc)
        return rc;
    /* gdb wrote over a breakpoint: that is the new original, and the int3
     * stays. */
    static const uint8_t int3 = 0xCC;
    for (int i = 0; i < MAX_SW; i++)
        if (sw[i].used && sw[i].addr >= addr && sw[i].addr < addr + len) {
            sw[i].orig = buf[sw[i].addr - addr];
            poke(sw[i].addr, &int3, 1);
        }
    return 0;
}

static int sw_insert(uint64_t addr)
{
    if (sw_find(addr) >= 0)
        return 0;
    int i;
    for (i = 0; i < MAX_SW && sw[i].used; i++)
        ;
    if (i == MAX_SW)
        return -ENOSPC;
    if (mapped_span(addr, 1) != 1)
        return -EFAULT;
    uint8_t orig = *(volatile uint8_t *)(uintptr_t)addr;
    static const uint8_t int3 = 0xCC;
    int rc = poke(addr, &int3, 1);
    if (rc)
        return rc;
    sw[i].used = true;
    sw[i].addr = addr;
    sw[i].orig = orig;
    return 0;
}

static int sw_remove(uint64_t addr)
{
    int i = sw_find(addr);
    if (i < 0)
        return -ENOENT;
    sw[i].used = false;
    return poke(addr, &sw[i].orig, 1);
}

static int insert_bp(void *ctx, enum lu_gdb_bp_type type, uint64_t addr, unsigned kind)
{
    /* x86 debug registers watch writes, or reads and writes: not reads
     * alone. Say so (an empty reply), as gdb's own x86 target does: gdb
     * then sets an access watchpoint for `rwatch` and reports only the
     * hits that did not change the value. Reporting an access hit as a
     * read would show `rwatch` stopping at writes. */
    if (type == LU_GDB_WP_READ)
        return -EOPNOTSUPP;
    return type == LU_GDB_BP_SW ? sw_insert(addr) : hw_insert(type, addr, kind, false);
}

static int remove_bp(void *ctx, enum lu_gdb_bp_type type, uint64_t addr, unsigned kind)
{
    if (type == LU_GDB_WP_READ)
        return -EOPNOTSUPP;
    return type == LU_GDB_BP_SW ? sw_remove(addr) : hw_remove(type, addr);
}

/* ---- registers --------------------------------------------------------------------- */

/* trap_common's fxsave area: 512 bytes, 16-aligned, just below the frame. */
static uint8_t *fxsave_of(struct trap_frame *tf)
{
    return (uint8_t *)(((uintptr_t)tf - 512) & ~(uintptr_t)15);
}

static uint64_t *gpr(struct trap_frame *tf, int regno)
{
    switch (regno) {
    case 0: return &tf->rax;
    case 1: return &tf->rbx;
    case 2: return &tf->rcx;
    case 3: return &tf->rdx;
    case 4: return &tf->rsi;
    case 5: return &tf->rdi;
    case 6: return &tf->rbp;
    case 7: return &tf->rsp;
    case 8: return &tf->r8;
    case 9: return &tf->r9;
    case 10: return &tf->r10;
    case 11: return &tf->r11;
    case 12: return &tf->r12;
    case 13: return &tf->r13;
    case 14: return &tf->r14;
    case 15: return &tf->r15;
    case 16: return &tf->rip;
    default: return NULL;
    }
}

static uint16_t selector(int regno)
{
    uint16_t v = 0;
    switch (regno) {
    case LU_GDB_X86_DS: __asm__ volatile("mov %%ds, %0" : "=r"(v)); break;
    case LU_GDB_X86_ES: __asm__ volatile("mov %%es, %0" : "=r"(v)); break;
    case LU_GDB_X86_FS: __asm__ volatile("mov %%fs, %0" : "=r"(v)); break;
    case LU_GDB_X86_GS: __asm__ volatile("mov %%gs, %0" : "=r"(v)); break;
    }
    return v;
}

/* The x87 control registers as gdb lays them out, from fxsave. */
static uint32_t x87_reg(const uint8_t *fx, int regno)
{
    uint16_t w16;
    uint32_t w32;
    switch (regno - LU_GDB_X86_FCTRL) {
    case 0: memcpy(&w16, fx, 2); return w16;     /* fctrl */
    case 1: memcpy(&w16, fx + 2, 2); return w16; /* fstat */
    case 2: {
        /* fxsave keeps an abridged tag (1 bit per register, 1 = valid);
         * gdb wants the full one (2 bits, 11 = empty). Valid ones are
         * reported as "valid" without classifying zero/special. */
        uint32_t full = 0;
        for (int i = 0; i < 8; i++)
            if (!(fx[4] & (1u << i)))
                full |= 3u << (2 * i);
        return full;
    }
    case 3: return 0;                                     /* fiseg: flat in long mode */
    case 4: memcpy(&w32, fx + 8, 4); return w32;          /* fioff */
    case 5: return 0;                                     /* foseg */
    case 6: memcpy(&w32, fx + 16, 4); return w32;         /* fooff */
    default: memcpy(&w16, fx + 6, 2); return w16 & 0x7ff; /* fop */
    }
}

static int read_stopped(int regno, uint8_t *buf)
{
    struct trap_frame *tf = stopped_tf;
    uint8_t *fx = fxsave_of(tf);
    uint64_t v;
    if (regno <= LU_GDB_X86_RIP) {
        memcpy(buf, gpr(tf, regno), 8);
        return 0;
    }
    if (regno == LU_GDB_X86_EFLAGS) {
        uint32_t f = (uint32_t)tf->rflags;
        memcpy(buf, &f, 4);
        return 0;
    }
    if (regno <= LU_GDB_X86_GS) {
        uint32_t s = regno == LU_GDB_X86_CS   ? (uint32_t)tf->cs
                     : regno == LU_GDB_X86_SS ? (uint32_t)tf->ss
                                              : selector(regno);
        memcpy(buf, &s, 4);
        return 0;
    }
    if (regno < LU_GDB_X86_FCTRL) {
        memcpy(buf, fx + 32 + 16 * (regno - LU_GDB_X86_ST0), 10);
        return 0;
    }
    if (regno <= LU_GDB_X86_FOP) {
        uint32_t r = x87_reg(fx, regno);
        memcpy(buf, &r, 4);
        return 0;
    }
    if (regno < LU_GDB_X86_MXCSR) {
        memcpy(buf, fx + 160 + 16 * (regno - LU_GDB_X86_XMM0), 16);
        return 0;
    }
    if (regno == LU_GDB_X86_MXCSR) {
        memcpy(buf, fx + 24, 4);
        return 0;
    }
    v = rdmsr(regno == LU_GDB_X86_FS_BASE ? MSR_FS_BASE : MSR_GS_BASE);
    memcpy(buf, &v, 8);
    return 0;
}

static int write_stopped(int regno, const uint8_t *buf)
{
    struct trap_frame *tf = stopped_tf;
    uint8_t *fx = fxsave_of(tf);
    if (regno <= LU_GDB_X86_RIP) {
        memcpy(gpr(tf, regno), buf, 8);
        return 0;
    }
    if (regno == LU_GDB_X86_EFLAGS) {
        uint32_t f;
        memcpy(&f, buf, 4);
        tf->rflags = (tf->rflags & ~0xffffffffULL) | f | 2; /* bit 1 is always set */
        return 0;
    }
    if (regno <= LU_GDB_X86_GS)
        return 0; /* selectors are the kernel's: keep them, quietly */
    if (regno < LU_GDB_X86_FCTRL) {
        memcpy(fx + 32 + 16 * (regno - LU_GDB_X86_ST0), buf, 10);
        return 0;
    }
    if (regno == LU_GDB_X86_FCTRL || regno == LU_GDB_X86_FCTRL + 1) {
        memcpy(fx + 2 * (regno - LU_GDB_X86_FCTRL), buf, 2);
        return 0;
    }
    if (regno <= LU_GDB_X86_FOP)
        return 0; /* derived state: not worth writing back */
    if (regno < LU_GDB_X86_MXCSR) {
        memcpy(fx + 160 + 16 * (regno - LU_GDB_X86_XMM0), buf, 16);
        return 0;
    }
    if (regno == LU_GDB_X86_MXCSR) {
        memcpy(fx + 24, buf, 4);
        return 0;
    }
    uint64_t v;
    memcpy(&v, buf, 8);
    wrmsr(regno == LU_GDB_X86_FS_BASE ? MSR_FS_BASE : MSR_GS_BASE, v);
    return 0;
}

/* A switched-out thread: ctx_switch left [mxcsr/fcw, r15, r14, r13, r12,
 * rbx, rbp, return address] at t->rsp. */
static int read_switched(struct lu_thread *t, int regno, uint8_t *buf)
{
    const uint64_t *f = (const uint64_t *)(uintptr_t)t->rsp;
    if (mapped_span(t->rsp, 8 * 8) != 8 * 8)
        return -ENOENT;
    uint64_t v;
    switch (regno) {
    case LU_GDB_X86_RBX: v = f[5]; break;
    case LU_GDB_X86_RBP: v = f[6]; break;
    case LU_GDB_X86_RSP: v = t->rsp + 8 * 8; break;
    case 12: v = f[4]; break;
    case 13: v = f[3]; break;
    case 14: v = f[2]; break;
    case 15: v = f[1]; break;
    case LU_GDB_X86_RIP: v = f[7]; break;
    case LU_GDB_X86_CS: v = 0x08; break;
    case LU_GDB_X86_SS: v = 0x10; break;
    default: return -ENOENT;
    }
    memcpy(buf, &v, lu_gdb_arch_x86_64.reg_bytes[regno]);
    return 0;
}

static int read_reg(void *ctx, uint32_t tid, int regno, uint8_t *buf)
{
    if (regno < 0 || regno >= LU_GDB_X86_NREGS)
        return -EINVAL;
    if (tid == 0 || tid == stopped_tid)
        return read_stopped(regno, buf);
    struct lu_thread *t = thread_by_tid(tid);
    if (!t)
        return -ESRCH;
    return read_switched(t, regno, buf);
}

static int write_reg(void *ctx, uint32_t tid, int regno, const uint8_t *buf)
{
    if (regno < 0 || regno >= LU_GDB_X86_NREGS)
        return -EINVAL;
    if (tid == 0 || tid == stopped_tid)
        return write_stopped(regno, buf);
    return thread_by_tid(tid) ? -EPERM : -ESRCH; /* only the stopped thread's frame is ours */
}

/* ---- threads, resuming ----------------------------------------------------------- */

static int threads(void *ctx, int (*fn)(const struct lu_gdb_thread *, void *), void *arg)
{
    /* The world is stopped: the table cannot change under us. Report in
     * tid order, which is how gdb numbers them. */
    uint32_t last = 0;
    for (;;) {
        struct lu_thread *next = NULL;
        for (struct lu_thread *t = thread_list; t; t = t->all_next)
            if (t->tid > last && (!next || t->tid < next->tid) && t->state != T_EXITED)
                next = t;
        if (!next)
            return 0;
        last = next->tid;
        struct lu_gdb_thread info = {.tid = next->tid, .cpu_ns = next->cpu_ns, .switches = next->switches};
        memcpy(info.name, next->name, sizeof info.name - 1);
        const char *state = next->tid == stopped_tid ? "running" : thread_state_name(next->state);
        strncpy(info.state, state, sizeof info.state - 1);
        int rc = fn(&info, arg);
        if (rc)
            return rc;
    }
}

static struct lu_gdb_resume pending;

static int resume(void *ctx, const struct lu_gdb_resume *r)
{
    for (int i = 0; i < r->n; i++) {
        uint32_t tid = r->a[i].tid;
        if (tid && !thread_by_tid(tid))
            return -ESRCH;
        /* Only the stopped thread has a frame to set TF in. */
        if (r->a[i].op == 's' && tid && tid != stopped_tid)
            return -EINVAL;
    }
    pending = *r;
    return 0;
}

static void detach(void *ctx)
{
    for (int i = 0; i < MAX_SW; i++)
        if (sw[i].used)
            sw_remove(sw[i].addr);
    for (int i = 0; i < 4; i++)
        hw[i].used = false;
    dr7_update();
    pending = (struct lu_gdb_resume){0};
}

static void kill_image(void *ctx)
{
    kprintf("lucent: killed by gdb\n");
    kernel_exit(128 + 9);
}

const struct lu_gdb_target_ops gdb_x86_ops = {
    .read_reg = read_reg,
    .write_reg = write_reg,
    .read_mem = read_mem,
    .write_mem = write_mem,
    .insert_bp = insert_bp,
    .remove_bp = remove_bp,
    .threads = threads,
    .resume = resume,
    .detach = detach,
    .kill = kill_image,
};

void gdb_arch_stopped(struct trap_frame *tf, uint32_t tid)
{
    serving = true;
    dr7_write(0);
    stopped_tf = tf;
    stopped_tid = tid;
    pending = (struct lu_gdb_resume){0};
}

bool gdb_arch_classify(struct trap_frame *tf, struct lu_gdb_stop *stop)
{
    static const enum lu_gdb_stop_kind watch_kind[] = {[LU_GDB_BP_HW] = LU_GDB_STOP_HWBREAK,
                                                       [LU_GDB_WP_WRITE] = LU_GDB_STOP_WATCH,
                                                       [LU_GDB_WP_ACCESS] = LU_GDB_STOP_AWATCH};
    *stop = (struct lu_gdb_stop){.signo = 5};
    if (tf->vector == 3) {
        /* int3 has executed: rip is one past it. Ours: back up onto it. */
        if (sw_find(tf->rip - 1) < 0)
            return false;
        tf->rip--;
        stop->kind = LU_GDB_STOP_SWBREAK;
        return true;
    }
    if (tf->vector != 1)
        return false;
    uint64_t dr6 = dr6_read();
    dr6_write(0xFFFF0FF0); /* the CPU never clears it */
    for (int i = 0; i < 4; i++) {
        if (!(dr6 & (1u << i)) || !hw[i].used)
            continue;
        if (hw[i].once) {
            hw[i].used = false; /* gdb=wait's stop at main: a plain SIGTRAP */
            dr7_update();
            return true;
        }
        stop->kind = watch_kind[hw[i].type];
        stop->addr = hw[i].addr;
        return true;
    }
    return (dr6 & (1u << 14)) != 0; /* BS: a single step */
}

int gdb_arch_resume(struct trap_frame *tf)
{
    bool step = false;
    int signo = 0;
    for (int i = 0; i < pending.n; i++) {
        const struct lu_gdb_action *a = &pending.a[i];
        if (a->tid != stopped_tid && a->tid != 0)
            continue;
        /* an explicit action for this thread beats the default (tid 0) */
        if (a->tid == stopped_tid || !signo) {
            step = a->op == 's';
            signo = a->signo;
        }
        if (a->tid == stopped_tid)
            break;
    }
    if (step)
        tf->rflags |= 1u << 8; /* TF */
    else
        tf->rflags &= ~(1ULL << 8);
    /* RF: do not re-hit an instruction breakpoint on the instruction we
     * resume at. */
    tf->rflags |= 1u << 16;
    pending = (struct lu_gdb_resume){0};
    serving = false;
    dr7_update(); /* what gdb inserted while we served */
    return signo;
}

/* The trap frame of a device interrupt (@vector, or any when 0) whose
 * handler the frame-pointer chain from @fp runs through, or NULL. */
static struct trap_frame *irq_frame_from(uintptr_t fp, unsigned vector)
{
    /* trap_common built a frame-pointer link [rbp, rip] of the interrupted
     * context just below its fxsave area, which sits 512 bytes (16-aligned)
     * below the trap frame. Walk up the rbp chain to that link, and check
     * each of the two places the frame can be from it. */
    for (int depth = 0; depth < 16 && fp; depth++) {
        if ((fp & 7) || !addr_is_mapped_ram(fp, 16))
            return NULL;
        const uint64_t *link = (const uint64_t *)fp;
        for (uintptr_t c = fp + 16 + 512; c <= fp + 16 + 512 + 8; c += 8) {
            struct trap_frame *tf = (struct trap_frame *)c;
            if (addr_is_mapped_ram(c, sizeof *tf) && (vector ? tf->vector == vector : tf->vector >= 32) &&
                tf->cs == 0x08 && tf->rip == link[1] && tf->rbp == link[0] &&
                fxsave_of(tf) == (uint8_t *)fp + 16)
                return tf;
        }
        fp = link[0];
    }
    return NULL;
}

struct trap_frame *gdb_arch_irq_frame(unsigned vector)
{
    return irq_frame_from((uintptr_t)__builtin_frame_address(0), vector);
}

struct trap_frame *gdb_arch_outer_frame(struct trap_frame *tf)
{
    if (tf->rflags & (1u << 9))
        return tf; /* interrupts were on: not inside a device interrupt */
    struct trap_frame *outer = irq_frame_from(tf->rbp, 0);
    return outer ? outer : tf;
}
