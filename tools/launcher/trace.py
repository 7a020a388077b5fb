"""`lucent trace`, and the launcher's trace plugin: record a running
program's Perfetto trace stream.

  lucent trace [--out FILE] [--categories LIST] [--duration S] RUN_DIR

Connects to <RUN_DIR>/lucent.trace.sock (the same path for a hostbuild
process and for an image's virtio port), asks for LIST (default: all
categories) with a one-line control message, and copies the stream to FILE.
Only whole TracePackets are written, so FILE opens in ui.perfetto.dev at any
moment, even after the collector is killed. `lucent run --trace FILE` uses
the same collector from boot (start_background, and the Trace plugin below).

The control messages the guest understands (trace/drain.c), one per line:
`enable LIST`, `disable LIST`, `set LIST`; anything else is ignored.
"""
import argparse
import contextlib
import os
import signal
import socket
import sys
import threading
import time

from .common import ROOT, LucentError
from .plugin import Plugin

SOCK_NAME = 'lucent.trace.sock'


class TraceError(LucentError):
    pass


def _varint(buf, i):
    """Decodes a varint at buf[i:]; returns (value, next index) or None if incomplete."""
    v = shift = 0
    while i < len(buf):
        b = buf[i]
        v |= (b & 0x7f) << shift
        i += 1
        if not b & 0x80:
            return v, i
        shift += 7
        if shift > 63:
            raise TraceError('bad varint in the trace stream')
    return None


def split_packets(buf):
    """Returns (bytes of the whole packets at the start of buf, count)."""
    i = n = 0
    while i < len(buf):
        if buf[i] != 0x0a:  # Trace.packet, length-delimited
            raise TraceError(f'not a Perfetto packet stream (byte 0x{buf[i]:02x} at a packet boundary)')
        r = _varint(buf, i + 1)
        if r is None:
            break
        length, j = r
        if j + length > len(buf):
            break
        i = j + length
        n += 1
    return i, n


class Collector:
    """One connection: copies whole packets from the socket into a file."""

    def __init__(self, run_dir, out, categories='all', quiet=False):
        self.sock_path = os.path.join(run_dir, SOCK_NAME)
        self.out, self.categories, self.quiet = out, categories, quiet
        self.packets = self.bytes = 0
        self.stop = threading.Event()
        self.sock = None

    def connect(self, wait=10.0):
        deadline = time.monotonic() + wait
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.sock_path)
                break
            except OSError as e:
                s.close()
                if time.monotonic() > deadline or self.stop.is_set():
                    raise TraceError(f'cannot connect to {self.sock_path}: {e.strerror}')
                time.sleep(0.02)
        if self.categories:
            s.sendall(f'enable {self.categories}\n'.encode())
        self.sock = s

    def run(self, duration=None):
        """Copies until the program closes the stream, stop is set, or duration passes."""
        deadline = time.monotonic() + duration if duration else None
        fd = os.open(self.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        pending = b''
        self.sock.settimeout(0.1)
        try:
            while not self.stop.is_set():
                if deadline and time.monotonic() > deadline:
                    break
                try:
                    data = self.sock.recv(1 << 20)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not data:
                    break
                pending += data
                end, n = split_packets(pending)
                if end:
                    os.write(fd, pending[:end])
                    self.packets += n
                    self.bytes += end
                    pending = pending[end:]
        finally:
            os.close(fd)
            self.sock.close()
        if pending and not self.quiet:
            print(f'lucent: trace: dropped {len(pending)} bytes of an unfinished packet', file=sys.stderr)
        return self.packets


def start_background(run_dir, out, categories='all'):
    """For `lucent run --trace`: collect in a thread; returns a handle with finish()."""
    c = Collector(run_dir, out, categories, quiet=True)
    c.error = None

    def body():
        try:
            c.connect(wait=30.0)
            c.run()
        except TraceError as e:
            c.error = str(e)

    c.thread = threading.Thread(target=body, daemon=True)
    c.thread.start()

    def finish(timeout=5.0):
        c.thread.join(timeout)
        c.stop.set()
        c.thread.join(1.0)
        return c
    c.finish = finish
    return c


def main(argv):
    if any(x == '--serve' or x.startswith('--serve=') for x in argv):
        sys.path.insert(0, os.path.join(ROOT, 'tools', 'trace-viewer'))
        import lucent_viewer  # tools/trace-viewer/lucent_viewer.py: the web viewer
        return lucent_viewer.main(argv)
    p = argparse.ArgumentParser(prog='lucent trace', description='Record the Perfetto trace stream of a '
                                'running Lucent program (image or hostbuild) into a file.',
                                epilog='Or view it in a browser, live or recorded (see `lucent trace --serve '
                                '--help`):\n  lucent trace --serve [PORT] RUN_DIR     follow the running program\n'
                                '  lucent trace --serve [PORT] FILE        open a recorded .pftrace\n'
                                '  lucent trace --serve [PORT]             an empty viewer: drop files on it',
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('run_dir', help="the program's run directory (printed by `lucent run`)")
    p.add_argument('--serve', metavar='PORT', nargs='?', help='instead of recording, serve the trace viewer '
                   'on 127.0.0.1:PORT (default 9494; 0: any free port) for RUN_DIR (live) or a .pftrace FILE')
    p.add_argument('--out', '-o', default=None, help='output file (default: trace.pftrace)')
    p.add_argument('--categories', default='all', help='categories to switch on, comma-separated '
                   '(default: all; "" sends no control message)')
    p.add_argument('--duration', type=float, default=None, help='stop after this many seconds')
    p.add_argument('--wait', type=float, default=10.0, help='seconds to wait for the socket (default 10)')
    a = p.parse_args(argv)
    out = a.out or 'trace.pftrace'
    c = Collector(a.run_dir, out, a.categories)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: c.stop.set())
    try:
        c.connect(a.wait)
        c.run(a.duration)
    except TraceError as e:
        print(f'lucent: error: {e}', file=sys.stderr)
        return 1
    print(f'lucent: trace: {c.packets} packets, {c.bytes} bytes in {out} (open in https://ui.perfetto.dev)',
          file=sys.stderr)
    return 0



class Trace(Plugin):
    """--trace FILE records the program from boot: tracing on from the first
    instruction (trace=all unless a trace= kernel option is given), the
    program waits up to 10 s for this collector (trace_wait=10), and the
    collector copies the stream until the program ends."""

    def add_arguments(self, command, parser):
        if command != 'run':
            return
        g = parser.add_argument_group('trace (docs/tracing.md)')
        g.add_argument('--trace', metavar='FILE', help='record the Perfetto trace from boot into FILE (tracing on '
                       'from the first instruction; see also `lucent trace --help`)')

    @contextlib.contextmanager
    def wrap(self, ctx):
        if ctx.args.trace is None:
            yield
            return
        # categories come from the kernel command line (trace=, in
        # contribute): the collector must not widen a trace=CATS the user chose
        c = start_background(ctx.run_dir.path, ctx.args.trace, categories=None)
        try:
            yield
        finally:
            c.finish()
            if c.error:
                ctx.note(f'trace: {c.error}')
            else:
                ctx.note(f'trace: {c.packets} packets, {c.bytes} bytes in {ctx.args.trace}')

    def contribute(self, ctx):
        if ctx.args.trace is None:
            return
        extra = ['trace_wait=10']
        if not any(o.startswith('trace=') for o in ctx.args.kernel_opt):
            extra.append('trace=all')
        ctx.kernel_opts[:0] = extra  # before the user's own, which come later and win
