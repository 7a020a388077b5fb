/*
 * A target and a transport made of plain memory, for the unit tests and the
 * fuzzer: three threads with x86_64 register files, 64 KiB of "mapped"
 * memory at FAKE_MEM_BASE (everything else answers -EFAULT), four debug
 * registers' worth of hardware slots, and a scripted byte stream in place of
 * gdb.
 */
#ifndef LU_GDB_FAKE_TARGET_H
#define LU_GDB_FAKE_TARGET_H
#include <setjmp.h>
#include "../gdbstub.h"

#define FAKE_MEM_BASE 0x10000u
#define FAKE_MEM_SIZE 0x10000u
#define FAKE_THREADS 3
#define FAKE_MAX_BPS 64

struct fake_bp {
    int type;
    uint64_t addr;
    unsigned kind;
};

struct fake_target {
    uint8_t regs[FAKE_THREADS][LU_GDB_X86_NREGS][16];
    uint8_t mem[FAKE_MEM_SIZE];
    struct fake_bp bps[FAKE_MAX_BPS];
    int nbps, hw_used;
    struct lu_gdb_resume last_resume;
    int resumes, detaches, kills;
};

struct fake_io {
    const uint8_t *in;
    size_t in_len, in_pos;
    /* When set, running out of input while the stub waits for a command
     * jumps here instead of reporting a hang-up (-EPIPE). */
    jmp_buf *at_end;
    char out[1 << 17];
    size_t out_len;
};

extern const struct lu_gdb_target_ops fake_target_ops;
extern const struct lu_gdb_transport fake_io_ops; /* ctx filled by fake_setup */

/* Sets up @g over a fresh @t and @io. */
void fake_setup(struct lu_gdb *g, struct fake_target *t, struct fake_io *io);
/* Points the transport at @input (NUL-terminated) and clears the output. */
void fake_input(struct fake_io *io, const char *input);
void fake_input_bytes(struct fake_io *io, const void *input, size_t len);
/* "$<payload>#cs" for @payload, in a static buffer. */
const char *fake_packet(const char *payload);

#endif
