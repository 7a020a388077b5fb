"""The launcher's stdin as the image's fd 0 (kernel/libc/stdin.c).

The bytes travel on the channel port `lucent.stdin` (channels.py wires it
like the others: a UNIX socket QEMU listens on). A pump thread connects to
that socket, waits for the guest's first read (it sends one byte), then
copies stdin to the socket until end of file, and half-closes it there.

Why half-close and not close: QEMU takes bytes from the socket only while
the guest has receive buffers posted, so at end of file some may still be
in the socket; a full close raises POLLHUP on QEMU's end, and QEMU then
drops the connection with those bytes unread. After shutdown(SHUT_WR) QEMU
reads every byte, then end of file, and only then tells the guest the host
left, which the guest's read() turns into 0.

Why wait for the guest's first read: an app that never reads stdin must not
have it consumed (a script's next command gets it, as with a process), and
a run in the background must not be stopped (SIGTTIN) for reading the
terminal unless the app reads it.

A terminal stays as it is (canonical mode, echo): the host's line
discipline edits lines, and ^D (a read of 0 bytes) is end of file, as for
the hostbuild, which simply inherits the launcher's stdin. ^C reaches the
launcher, which stops the run (proc.py).
"""
import os
import socket
import threading
import time

CHANNEL = 'lucent.stdin'


def kind(fd=0):
    """What the image is told at boot: 'tty', 'stream' (a pipe, a file,
    /dev/null), or None when the launcher has no stdin at all (closed)."""
    try:
        os.fstat(fd)
    except OSError:
        return None
    return 'tty' if os.isatty(fd) else 'stream'


class Pump:
    """Feeds fd @fd to the image's stdin port at @path while QEMU (@proc)
    runs. Daemon thread: it may sit in a read of a terminal when the run
    ends, and must not hold the launcher's exit."""

    def __init__(self, path, proc, fd=0):
        self.path, self.proc, self.fd = path, proc, fd
        self.sock = None
        self.sent = 0
        self.thread = threading.Thread(target=self._run, name='lucent-stdin', daemon=True)
        self.thread.start()

    def _connect(self):
        # QEMU makes the socket while it starts; poll for it until it does
        # or QEMU has gone.
        while self.proc.poll() is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
                return s
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                time.sleep(0.01)
        return None

    def _run(self):
        try:
            self.sock = self._connect()
            if not self.sock or not self.sock.recv(1):
                return  # QEMU gone, or the app never read its stdin
            while True:
                data = os.read(self.fd, 65536)
                if not data:
                    break
                self.sock.sendall(data)
                self.sent += len(data)
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # QEMU went away mid-copy: the run is over

    def close(self):
        """After QEMU has exited: drop the socket."""
        if self.sock:
            self.sock.close()
