/*
 * lucent/plat.h: the platform contract.
 *
 * This header is everything portable Lucent code (trace/, metrics/, gdbstub/
 * protocol core, apps) may ask of the platform beyond POSIX. It is
 * implemented twice: by kernel/ for the KVM image, and by hostbuild/ for a
 * Linux process. The build picks one; no .c file tests which it got.
 *
 * Rules for implementers:
 *  - Every function here is safe to call from any thread.
 *  - Functions marked "hot" are called on tracing and metrics fast paths and
 *    must not lock, allocate or enter the kernel (in the hostbuild: must not
 *    make a system call other than through the vDSO).
 *  - Errors are returned as negative errno values, never through errno.
 */
#ifndef LUCENT_PLAT_H
#define LUCENT_PLAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- time ---------------------------------------------------------------- */

/* Monotonic time in nanoseconds since an arbitrary origin fixed at boot
 * (image) or process start (hostbuild). Never goes backwards. Hot. */
uint64_t lu_plat_now_ns(void);

/* A raw cycle counter (the TSC on x86_64). Cheaper than lu_plat_now_ns but
 * in unspecified units; convert with lu_plat_cycles_to_ns. Hot. */
static inline uint64_t lu_plat_cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Converts a lu_plat_cycles() reading to the lu_plat_now_ns() time base. */
uint64_t lu_plat_cycles_to_ns(uint64_t cycles);

/* Cycles per second, as calibrated at start-up. */
uint64_t lu_plat_cycles_per_sec(void);

/* ---- CPUs and threads ------------------------------------------------------ */

/* The current CPU, in [0, lu_plat_cpu_count()). In the hostbuild this is the
 * CPU the thread last ran on and may change at any moment; callers that need
 * a stable per-CPU slot must tolerate a stale answer. Hot. */
unsigned lu_plat_cpu_id(void);
unsigned lu_plat_cpu_count(void);
/* Bytes of RAM the program runs in (the guest's in the image, the
 * machine's in the hostbuild), for sizing buffers to the memory there is. */
uint64_t lu_plat_ram_bytes(void);

/* The current thread's id: a small positive integer, unique among live
 * threads (the kernel thread id, or the Linux tid). Hot. */
uint32_t lu_plat_thread_id(void);

/* The process id Perfetto and host tools show for this program: the Linux
 * pid, or a fixed id for the image. */
uint32_t lu_plat_process_id(void);

/* Copies the name of thread @tid into @buf (NUL-terminated, truncated to
 * @len). Returns 0, or -ESRCH when no such thread exists. */
int lu_plat_thread_name(uint32_t tid, char *buf, size_t len);

struct lu_plat_thread_info {
    uint32_t tid;
    char name[32];
    char state[12];    /* "running", "ready", "blocked", "sleeping", ... */
    uint64_t cpu_ns;   /* CPU time consumed; 0 where unknown */
    uint64_t switches; /* times switched in; 0 where unknown */
};

/* Calls @fn once per live thread with a snapshot of its state. Stops early
 * when @fn returns non-zero and returns that value; otherwise returns 0. */
int lu_plat_thread_foreach(int (*fn)(const struct lu_plat_thread_info *, void *), void *arg);

/* ---- identity and environment --------------------------------------------- */

/* A short name for the program (the app name), for trace process tracks and
 * metric labels. */
const char *lu_plat_program_name(void);

/* Which build this is: "image" or "host". For messages and test skips only;
 * code must not branch on it to pick behaviour. */
const char *lu_plat_build_name(void);

/* Looks up a boot-time setting: a `key=value` word on the image's kernel
 * command line, or the LUCENT_<KEY> environment variable in the hostbuild.
 * Returns NULL when unset. */
const char *lu_plat_getopt(const char *key);

/* ---- failure --------------------------------------------------------------- */

/* Prints "panic: <message>" with file:line, the current thread's name and a
 * symbolized backtrace, flushes the flight recorder where there is one, and
 * ends the program with a non-zero status. Never returns. */
__attribute__((noreturn, format(printf, 3, 4))) void lu_plat_panic(const char *file, int line,
                                                                   const char *fmt, ...);
#define LU_PANIC(...) lu_plat_panic(__FILE__, __LINE__, __VA_ARGS__)
#define LU_ASSERT(c)                                                                                         \
    do {                                                                                                     \
        if (__builtin_expect(!(c), 0))                                                                       \
            LU_PANIC("assertion failed: %s", #c);                                                            \
    } while (0)

/* Finds the function containing @addr. On success writes its name into
 * @buf, its start offset into *@off and returns 0; returns -ENOENT when the
 * address is in no known function. Safe to call from a fault handler. */
int lu_plat_symbolize(uintptr_t addr, char *buf, size_t len, uintptr_t *off);

/* ---- channels to the host -------------------------------------------------- */
/*
 * A channel is a named byte stream between this program and a host tool:
 * "lucent.trace", "lucent.metrics", "lucent.gdb". In the image it is a
 * virtio-serial port of that name; in the hostbuild it is a UNIX socket
 * <run dir>/<name>.sock on which the process listens. At most one host peer
 * is connected at a time; a second one is not served until the first leaves
 * (a virtio port behaves the same way, since QEMU's chardev serves one).
 *
 * Byte order and framing are the users' business; a channel only moves bytes.
 */
struct lu_chan;

enum {
    LU_CHAN_NONBLOCK = 1 << 0, /* read/write: return -EAGAIN instead of waiting */
};

enum {
    LU_CHAN_READABLE = 1 << 0,
    LU_CHAN_WRITABLE = 1 << 1,
    LU_CHAN_HANGUP = 1 << 2, /* the host peer went away (since the last wait) */
};

struct lu_chan_stats {
    uint64_t bytes_in, bytes_out;
    uint64_t connects, disconnects;
    uint64_t writes_dropped; /* non-blocking writes refused for lack of a peer or room */
};

/* Opens the channel called @name. Returns NULL when the platform has no such
 * channel (the image was booted without that port). Opening the same name
 * twice returns the same channel. */
struct lu_chan *lu_chan_open(const char *name);

/* True while a host peer is connected. */
bool lu_chan_connected(struct lu_chan *ch);

/* Reads up to @len bytes. Blocks until at least one byte arrives unless
 * LU_CHAN_NONBLOCK. Returns the byte count, -EAGAIN, or -EPIPE when no peer
 * is connected (after a peer leaves, each reader sees -EPIPE once, then
 * blocks waiting for the next peer). */
ssize_t lu_chan_read(struct lu_chan *ch, void *buf, size_t len, unsigned flags);

/* Writes @len bytes. Without LU_CHAN_NONBLOCK it waits for room and returns
 * @len, or -EPIPE if the peer leaves. With LU_CHAN_NONBLOCK it writes what
 * fits now and returns that count (possibly short), -EAGAIN when nothing
 * fits, or -EPIPE when no peer is connected; it never waits. */
ssize_t lu_chan_write(struct lu_chan *ch, const void *buf, size_t len, unsigned flags);

/* Waits until one of @events (LU_CHAN_*) holds or @timeout_ns passes
 * (negative: forever). Returns the events that hold (0 on timeout). */
int lu_chan_wait(struct lu_chan *ch, int events, int64_t timeout_ns);

void lu_chan_get_stats(struct lu_chan *ch, struct lu_chan_stats *out);

#ifdef __cplusplus
}
#endif
#endif
