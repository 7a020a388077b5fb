/*
 * gdbstub.h: the GDB Remote Serial Protocol core and its two interfaces.
 *
 * The core (packet.c, serve.c, commands.c, query.c, monitor.c) knows the
 * protocol and nothing about CPUs or wires. It talks to:
 *   - a target (struct lu_gdb_target): registers, memory, breakpoints,
 *     threads, resuming. The image implements it in
 *     kernel/arch/x86_64/gdb_target.c; the unit tests and the fuzzer use a
 *     fake one (tests/fake_target.c).
 *   - a transport (struct lu_gdb_transport): bytes in and out. The image uses
 *     the lucent.gdb virtio-serial port (kernel/gdb_chan.c), or the COM2
 *     UART (kernel/gdb.c) when the image has no such port; tests use a
 *     buffer.
 * plus an arch description (struct lu_gdb_arch: the target.xml and register
 * sizes), shared by the real and the fake x86_64 target.
 *
 * The stub is all-stop: the platform stops the whole image, calls
 * lu_gdb_serve(), and resumes it when that returns. Nothing here allocates;
 * one struct lu_gdb holds every buffer.
 */
#ifndef LU_GDBSTUB_H
#define LU_GDBSTUB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lucent/gdb.h>

/* The largest packet we accept and send, advertised as PacketSize. gdb
 * sizes m/M/X requests from it, so it sets how many round trips a large
 * memory read takes. */
#define LU_GDB_PKT_MAX 16384

/* ---- arch description ----------------------------------------------------- */

struct lu_gdb_arch {
    const char *xml;          /* qXfer:features:read target.xml */
    int nregs;                /* registers in the `g` packet, in order */
    const uint8_t *reg_bytes; /* size of each, in bytes */
    const int *expedite;      /* registers sent with every stop reply, -1 ends */
    int pc_regno;
};
extern const struct lu_gdb_arch lu_gdb_arch_x86_64;

/* x86_64 register numbers (gdb's amd64 order, as in the target.xml). */
enum {
    LU_GDB_X86_RAX,
    LU_GDB_X86_RBX,
    LU_GDB_X86_RCX,
    LU_GDB_X86_RDX,
    LU_GDB_X86_RSI,
    LU_GDB_X86_RDI,
    LU_GDB_X86_RBP,
    LU_GDB_X86_RSP,
    LU_GDB_X86_R8,
    LU_GDB_X86_R15 = 15,
    LU_GDB_X86_RIP = 16,
    LU_GDB_X86_EFLAGS,
    LU_GDB_X86_CS,
    LU_GDB_X86_SS,
    LU_GDB_X86_DS,
    LU_GDB_X86_ES,
    LU_GDB_X86_FS,
    LU_GDB_X86_GS,
    LU_GDB_X86_ST0 = 24,
    LU_GDB_X86_FCTRL = 32,
    LU_GDB_X86_FOP = 39,
    LU_GDB_X86_XMM0 = 40,
    LU_GDB_X86_MXCSR = 56,
    LU_GDB_X86_FS_BASE = 57,
    LU_GDB_X86_GS_BASE = 58,
    LU_GDB_X86_NREGS = 59,
};

/* ---- target ---------------------------------------------------------------- */

/* Z/z packet types. */
enum lu_gdb_bp_type {
    LU_GDB_BP_SW = 0,    /* software breakpoint (int3) */
    LU_GDB_BP_HW = 1,    /* hardware breakpoint */
    LU_GDB_WP_WRITE = 2, /* watchpoints */
    LU_GDB_WP_READ = 3,
    LU_GDB_WP_ACCESS = 4,
};

struct lu_gdb_thread {
    uint32_t tid; /* > 0 */
    char name[32];
    char state[12];
    uint64_t cpu_ns, switches;
};

/* One resume action from c/s/C/S or vCont. tid 0 means "every thread
 * without an action of its own". */
struct lu_gdb_action {
    uint32_t tid;
    char op;   /* 'c' continue or 's' step */
    int signo; /* signal to deliver with it, 0 for none */
};
#define LU_GDB_MAX_ACTIONS 8
struct lu_gdb_resume {
    int n;
    struct lu_gdb_action a[LU_GDB_MAX_ACTIONS];
};

/* Why the target stopped, as told to lu_gdb_serve(). */
enum lu_gdb_stop_kind {
    LU_GDB_STOP_SIGNAL, /* a fault, an interrupt (SIGINT) or a finished step */
    LU_GDB_STOP_SWBREAK,
    LU_GDB_STOP_HWBREAK,
    LU_GDB_STOP_WATCH, /* addr: the watched address */
    LU_GDB_STOP_RWATCH,
    LU_GDB_STOP_AWATCH,
};
struct lu_gdb_stop {
    uint32_t tid;
    int signo;
    enum lu_gdb_stop_kind kind;
    uint64_t addr;
};

/*
 * Every operation returns 0 (or a count) on success and -errno on failure:
 * -EFAULT for memory that is not mapped (the stub answers E, it never
 * faults), -ESRCH for a thread that does not exist, -ENOSPC when no debug
 * register is free, -EOPNOTSUPP for what the target cannot do at all (the
 * stub answers with an empty packet, so gdb falls back).
 */
struct lu_gdb_target_ops {
    /* Reads register @regno of thread @tid into @buf (arch->reg_bytes[regno]
     * bytes, target byte order). -ENOENT: unavailable (sent as "xx"). */
    int (*read_reg)(void *ctx, uint32_t tid, int regno, uint8_t *buf);
    int (*write_reg)(void *ctx, uint32_t tid, int regno, const uint8_t *buf);
    /* Returns the number of bytes read (a short count stops at the first
     * unmapped byte) or -EFAULT when none can be. Software breakpoints are
     * invisible: reads show the original bytes. */
    int (*read_mem)(void *ctx, uint64_t addr, uint8_t *buf, size_t len);
    int (*write_mem)(void *ctx, uint64_t addr, const uint8_t *buf, size_t len);
    int (*insert_bp)(void *ctx, enum lu_gdb_bp_type type, uint64_t addr, unsigned kind);
    int (*remove_bp)(void *ctx, enum lu_gdb_bp_type type, uint64_t addr, unsigned kind);
    /* Calls @fn for each live thread; stops when it returns non-zero and
     * returns that value. */
    int (*threads)(void *ctx, int (*fn)(const struct lu_gdb_thread *, void *), void *arg);
    /* Records how to resume; the platform resumes when lu_gdb_serve()
     * returns. -EINVAL: an action the target cannot carry out. */
    int (*resume)(void *ctx, const struct lu_gdb_resume *r);
    /* gdb left: remove every breakpoint and watchpoint, stop stepping. */
    void (*detach)(void *ctx);
    /* `k`: end the program. May not return. */
    void (*kill)(void *ctx);
};

struct lu_gdb_target {
    const struct lu_gdb_target_ops *ops;
    const struct lu_gdb_arch *arch;
    void *ctx;
};

/* ---- transport ------------------------------------------------------------- */

struct lu_gdb_transport {
    /* The next byte from gdb, waiting at most @timeout_ns (negative: forever,
     * 0: do not wait). Returns 0..255, -ETIMEDOUT, or -EPIPE when the peer is
     * gone for good (tests; a UART never says so). */
    int (*getc)(void *ctx, int64_t timeout_ns);
    /* Writes all of @buf (best effort: a UART always succeeds). A
     * transport may hold bytes back until its next getc() that waits, or
     * until flush(). */
    void (*write)(void *ctx, const void *buf, size_t len);
    void *ctx;
    /* Sends what write() held back; NULL when write() never holds any.
     * lu_gdb_serve() calls it before it returns (the ack of a `c` or `s`
     * must leave before the image runs). */
    void (*flush)(void *ctx);
    /* Run-length encode replies (the protocol's '*'). Worth it only where
     * every byte costs, as on a UART (one I/O exit per byte); over a
     * buffered transport the encoding costs more instructions than the
     * bytes it saves (bench/gdb --core). */
    bool compress;
};

/* ---- packet layer (packet.c) ------------------------------------------------ */

enum lu_gdb_rx_event {
    LU_GDB_RX_NONE,
    LU_GDB_RX_PACKET,    /* a packet with a good checksum is in rx.buf */
    LU_GDB_RX_BADCSUM,   /* complete, checksum wrong: answer '-' */
    LU_GDB_RX_OVERSIZE,  /* complete and checksummed, but longer than we hold */
    LU_GDB_RX_MALFORMED, /* bad run-length encoding or checksum digits */
    LU_GDB_RX_INTERRUPT, /* 0x03 outside a packet */
    LU_GDB_RX_ACK,
    LU_GDB_RX_NACK,
};

struct lu_gdb_rx {
    int state;
    uint8_t sum;
    uint8_t csum; /* the checksum as sent */
    bool overflow, malformed;
    size_t len;
    uint8_t buf[LU_GDB_PKT_MAX + 1]; /* decoded payload, NUL-terminated */
};

void lu_gdb_rx_reset(struct lu_gdb_rx *rx);
/* Feeds one byte; returns what it completed. */
enum lu_gdb_rx_event lu_gdb_rx_byte(struct lu_gdb_rx *rx, uint8_t c);
/* True while a packet has started but not ended. */
bool lu_gdb_rx_busy(const struct lu_gdb_rx *rx);

/* ---- the stub ---------------------------------------------------------------- */

struct lu_gdb_stats {
    uint64_t packets_in, packets_out, bad_checksums, oversized, malformed, retransmits, interrupts, timeouts,
        unknown;
};

struct lu_gdb {
    struct lu_gdb_target tgt;
    struct lu_gdb_transport io;
    struct lu_gdb_rx rx;
    bool noack;                /* QStartNoAckMode accepted */
    bool running;              /* resumed by gdb: it waits for a stop reply */
    bool attached;             /* a gdb has spoken to us since the last detach */
    bool pending_intr;         /* 0x03 seen while sending */
    struct lu_gdb_stop stop;   /* the last stop, for `?` */
    uint32_t hg, hc;           /* H g / H c threads; 0 = the stopped one */
    int thread_cursor;         /* qsThreadInfo continues from here */
    int64_t ack_timeout_ns;    /* how long to wait for '+' */
    int64_t packet_timeout_ns; /* silence that ends a half-received packet */
    struct lu_gdb_stats stats;
    size_t outlen;
    bool out_binary; /* g->out holds escaped binary: no run-length encoding */
    char out[LU_GDB_PKT_MAX + 4];
    uint8_t tmp[LU_GDB_PKT_MAX / 2]; /* decoded data (M/X/m/qRcmd) */
};

/* How lu_gdb_serve() ended. */
enum lu_gdb_outcome {
    LU_GDB_RESUME,   /* gdb resumed (the target's resume() has the actions) */
    LU_GDB_DETACHED, /* `D` (or the transport said the peer left) */
    LU_GDB_KILLED,   /* `k`, where the target's kill() returned */
    LU_GDB_IDLE,     /* entered without a stop and no gdb showed up */
};

void lu_gdb_init(struct lu_gdb *g, const struct lu_gdb_target *tgt, const struct lu_gdb_transport *io);

/* With the target stopped for @why, serves gdb until it resumes, detaches
 * or kills. If gdb is waiting for a stop (it resumed us), the stop reply
 * goes out first. @knock: the platform stopped only because lu_gdb_poll()
 * saw a packet starting (a gdb attaching); if no complete packet arrives
 * within packet_timeout_ns (a gdb that vanished mid-packet), it returns
 * LU_GDB_IDLE and the image runs on. */
enum lu_gdb_outcome lu_gdb_serve(struct lu_gdb *g, const struct lu_gdb_stop *why, bool knock);

/* While the target runs: reads what gdb sent, without waiting. Returns
 * LU_GDB_POLL_INTERRUPT for ^C (stop with SIGINT and serve),
 * LU_GDB_POLL_KNOCK when a packet starts (stop with SIGTRAP and serve with
 * knock set), LU_GDB_POLL_NONE otherwise. */
enum { LU_GDB_POLL_NONE, LU_GDB_POLL_INTERRUPT, LU_GDB_POLL_KNOCK };
int lu_gdb_poll(struct lu_gdb *g);

/* ---- internals shared by the core's files ------------------------------------- */

/* commands.c: runs the packet in g->rx.buf. Returns LU_GDB_REPLY to send
 * g->out, LU_GDB_NOREPLY when there is nothing (more) to send, or an
 * outcome, which ends lu_gdb_serve(). */
#define LU_GDB_REPLY (-1)
#define LU_GDB_NOREPLY (-2)
int lu_gdb_dispatch(struct lu_gdb *g);
int lu_gdb_query(struct lu_gdb *g, const char *p, size_t len); /* query.c: q/Q/v */
int lu_gdb_monitor_run(struct lu_gdb *g, const char *cmd);     /* monitor.c */
int lu_gdb_vcont(struct lu_gdb *g, const char *p);             /* commands.c */
bool lu_gdb_thread_alive(struct lu_gdb *g, uint32_t tid);

/* packet.c: building and sending replies. */
void lu_gdb_out_reset(struct lu_gdb *g);
void lu_gdb_out_str(struct lu_gdb *g, const char *s);
void lu_gdb_out_hex(struct lu_gdb *g, const void *p, size_t n);
void lu_gdb_out_num(struct lu_gdb *g, uint64_t v);              /* lowercase hex, no leading zeros */
void lu_gdb_out_bin(struct lu_gdb *g, const void *p, size_t n); /* escaped binary */
size_t lu_gdb_out_room(const struct lu_gdb *g);
void lu_gdb_send(struct lu_gdb *g); /* frames g->out, waits for the ack */
void lu_gdb_send_stop(struct lu_gdb *g);
void lu_gdb_error(struct lu_gdb *g, int err); /* "Exx" from -errno */

/* hex.c */
int lu_gdb_hexval(int c); /* -1 if not a hex digit */
/* Parses a hex number at *p (at least one digit); advances *p. */
int lu_gdb_parse_hex(const char **p, uint64_t *v);
/* Decodes 2*n hex digits into n bytes; returns n or -EINVAL. */
int lu_gdb_unhex(const char *s, size_t digits, uint8_t *out);

#endif
