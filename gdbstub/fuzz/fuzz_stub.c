/*
 * libFuzzer target for the protocol core: the packet parser, every command,
 * acks and no-ack mode, polling and knocking, against the fake target.
 *
 * The first input byte picks the stub's starting state (ack mode, whether
 * gdb waits for a stop, the stop reason, poll before serve); the rest is
 * what "gdb" sends. A serve that resumes is followed by another stop, so
 * one input can walk through many stops. Crashes, sanitizer reports and
 * hangs are the failures; replies are not checked here (the unit tests do
 * that).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "../tests/fake_target.h"

static struct lu_gdb g;
static struct fake_target t;
static struct fake_io io;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    fake_setup(&g, &t, &io);
    g.noack = flags & 1;
    g.running = flags & 2;
    fake_input_bytes(&io, data + 1, size - 1);
    struct lu_gdb_stop why = {
        .tid = 1u + (flags >> 2) % 3,
        .signo = (flags & 0x20) ? 11 : 5,
        .kind = (enum lu_gdb_stop_kind)((flags >> 4) % 6),
        .addr = 0x10010,
    };
    for (int round = 0; round < 256 && io.in_pos < io.in_len; round++) {
        bool knock = false;
        if (flags & 0x80) {
            int p = lu_gdb_poll(&g);
            if (p == LU_GDB_POLL_NONE)
                break; /* poll consumed the rest */
            knock = p == LU_GDB_POLL_KNOCK;
            why.signo = p == LU_GDB_POLL_INTERRUPT ? 2 : 5;
        }
        enum lu_gdb_outcome o = lu_gdb_serve(&g, &why, knock);
        if (o == LU_GDB_DETACHED)
            break; /* the input ran out */
        why.tid = 1u + (uint32_t)(round % 3);
    }
    return 0;
}
