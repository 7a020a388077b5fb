"""Helpers for the channel tests: run apps/chan-echo through the launcher in
a run directory the test chooses, and talk to its channel as a host tool.

The same code serves both builds: in the image QEMU listens on
<run dir>/<name>.sock, in the hostbuild the process does (docs/channels.md).
"""
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time

from lulib import BUILD, LAUNCHER, check, launcher_env

# Under TCG the virtio path is slow; the hostbuild needs a fraction of this.
SLOW = 4 if BUILD == 'image' else 1


class EchoApp:
    """chan-echo ARGS in this test's build, its console lines in a queue."""

    def __init__(self, *args, name='lucent.test', timeout=60):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix='lu-chan-')
        host = ['--host'] if BUILD == 'host' else []
        cmd = [sys.executable, LAUNCHER, 'run', *host, '--run-dir', self.dir, '--timeout', str(timeout),
               'chan-echo', '--', name, *args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=launcher_env())
        self.lines, self.out, self.err = queue.Queue(), [], []
        self._readers = [threading.Thread(target=self._pump, args=(self.proc.stdout, self.out, True)),
                         threading.Thread(target=self._pump, args=(self.proc.stderr, self.err, False))]
        for t in self._readers:
            t.daemon = True
            t.start()

    def _pump(self, stream, keep, queued):
        for line in stream:
            keep.append(line)
            if queued:
                self.lines.put(line.rstrip('\n'))
        if queued:
            self.lines.put(None)

    def expect(self, prefix, timeout=30):
        """The next console line starting with prefix (others are skipped)."""
        deadline = time.monotonic() + timeout * SLOW
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.dump()
                check(False, f'console line "{prefix}..." (got none; output above)')
            if line.startswith(prefix):
                return line
            if line.startswith('chan-echo: no channel'):
                # lu_chan_open failed: in the image, the virtio-console
                # driver or the launcher's ports are broken; a failure in
                # both builds.
                self.finish()
                self.dump()
                check(False, f'{BUILD}: chan-echo opened {self.name} ({line})')

    def serving(self):
        """Waits until the app has opened its channel (fails if it could not)."""
        self.expect('chan-echo: serving')
        return self

    def connect(self, timeout=10):
        path = os.path.join(self.dir, self.name + '.sock')
        deadline = time.monotonic() + timeout * SLOW
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return s
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def finish(self, timeout=60):
        """Waits for the run to end; returns the launcher's exit status."""
        try:
            rc = self.proc.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            rc = self.proc.wait()
        for t in self._readers:
            t.join(5)
        for f in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, f))
        os.rmdir(self.dir)
        return rc

    def dump(self):
        print(''.join(self.out), ''.join(self.err), sep='\n')


def recv_exact(s, n, timeout=30):
    s.settimeout(timeout * SLOW)
    parts, got = [], 0
    while got < n:
        b = s.recv(min(1 << 16, n - got))
        if not b:
            break
        parts.append(b)
        got += len(b)
    return b''.join(parts)
