/*
 * LD_PRELOAD shim for QEMU (tools/launcher/net.py puts it in QEMU's
 * environment with `run --net`): raises the backlog of every listen() to
 * at least 256.
 *
 * Why: QEMU's user network (libslirp 4.7) listens on a hostfwd port with
 * listen(s, 1). Linux then queues at most two handshaken connections until
 * QEMU's main loop accept()s them; a burst of new connections overflows the
 * queue (nstat: TcpExtListenOverflows), the host kernel drops the client's
 * handshake ACK, and the client's request waits for a SYN-ACK retransmit:
 * 1 s, then 3, 7, 15 ... Measured here: 200 clients connecting at once to
 * httpd in the image, 181 overflows, 27 requests over 1 s, the slowest
 * 27 s; with this shim, no overflow and the slowest 2.8 s (the guest
 * starting 200 threads from cold). Both the image and the Linux guest of
 * bench/http sit behind the same front door.
 *
 * Nothing else changes: other listen() calls of QEMU (channel and gdb
 * sockets) just get a longer queue.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>

#define MIN_BACKLOG 256

int listen(int fd, int backlog)
{
    static int (*real_listen)(int, int);
    if (!real_listen)
        real_listen = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
    return real_listen(fd, backlog < MIN_BACKLOG ? MIN_BACKLOG : backlog);
}
