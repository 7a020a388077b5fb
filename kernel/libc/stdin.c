/*
 * fd 0: the launcher's stdin (a pipe, a file or a terminal), as bytes on
 * the virtio-serial port "lucent.stdin" (a channel, drivers/chan_virtio.c).
 *
 * The launcher (tools/launcher/stdin.py) says at boot, in the fw_cfg file
 * "opt/lucent/stdin", that it forwards its stdin ("stream" or "tty"); with
 * no such file (an image booted by `lucent exec` or by hand) fd 0 is at end
 * of file at once, as a process with /dev/null for stdin.
 *
 * The launcher reads its stdin only once the app asks: the first read here
 * sends it one byte on the port. So an app that never reads stdin leaves it
 * alone, as a process would (the shell's next command gets what it did not
 * read, and a run in the background is not stopped for reading the
 * terminal).
 *
 * End of file is the launcher closing its end: the channel hands over every
 * byte sent before that, then -EPIPE, which becomes 0 here, for good. (A
 * terminal's ^D is end of file once: the launcher stops forwarding there.)
 * Nothing is lost to a slow reader: QEMU takes bytes from the socket only
 * into receive buffers the guest posted, so a full guest stops the launcher.
 */
#include <errno.h>
#include <string.h>
#include <lucent/plat.h>
#include "../drivers/fw_cfg.h"
#include "stdin.h"

#define STDIN_FILE "opt/lucent/stdin"
#define STDIN_CHANNEL "lucent.stdin"

static bool forwarded, is_tty, asked, at_eof;
static struct lu_chan *chan;

void stdin_init(void)
{
    uint16_t sel;
    uint32_t size;
    char kind[8] = "";
    if (fw_cfg_find(STDIN_FILE, &sel, &size) < 0)
        return;
    fw_cfg_read(sel, kind, size < sizeof kind - 1 ? size : sizeof kind - 1);
    forwarded = true;
    is_tty = strcmp(kind, "tty") == 0;
}

bool stdin_isatty(void) { return is_tty; }

/* The first read: open the port and ask the launcher for its stdin, once it
 * has connected (it does as soon as QEMU listens). */
static int stdin_ask(void)
{
    chan = lu_chan_open(STDIN_CHANNEL);
    if (!chan)
        return -ENODEV;
    for (;;) {
        lu_chan_wait(chan, LU_CHAN_WRITABLE, -1);
        ssize_t r = lu_chan_write(chan, "r", 1, 0);
        if (r == 1)
            return 0;
        if (r != -EPIPE)
            return (int)r;
    }
}

ssize_t stdin_read(void *buf, size_t n)
{
    if (!forwarded || at_eof || !n)
        return 0;
    if (!asked) {
        int r = stdin_ask();
        if (r == -ENODEV) { /* forwarded, but the port is missing: nothing will come */
            at_eof = true;
            return 0;
        }
        if (r < 0)
            return r;
        asked = true;
    }
    ssize_t r = lu_chan_read(chan, buf, n, 0);
    if (r == -EPIPE) {
        at_eof = true;
        return 0;
    }
    return r;
}
