"""Helpers for the tests that drive real gdb against an image (test_gdb*.py)
and for bench/gdb: boot gdb-demo through the launcher with a gdb port, run
/usr/bin/gdb in batch mode against it, stop everything afterwards."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from lulib import BUILD, BUILD_DIR, LAUNCHER, fail, launcher_env, skip

IMAGE = os.path.join(BUILD_DIR, 'gdb-demo')
GDB = shutil.which('gdb')


def require_image_and_gdb():
    """Skips in the host build (these tests apply to the image); fails where
    gdb (tools/setup installs it) or gdb-demo (this build makes it) is missing."""
    if BUILD == 'host':
        skip('applies to the image build: a hostbuild program is a Linux process that stock gdb debugs '
             'directly')
    if not GDB:
        fail('gdb not found on PATH (tools/setup installs gdb)')
    if not os.path.isfile(IMAGE):
        fail(f'{IMAGE} not built (ninja -C {BUILD_DIR})')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Image:
    """gdb-demo MODE booted by `lucent run` with the given gdb flags."""

    def __init__(self, mode, *flags, port=None):
        self.port = port or free_port()
        self.console = tempfile.TemporaryFile()
        fl = [f if f != '--gdb' else f'--gdb={self.port}' for f in flags]
        if '--gdb-wait' in fl or '--gdb-on-panic' in fl:
            fl.append(f'--gdb={self.port}')
        cmd = [sys.executable, LAUNCHER, 'run', '--timeout', '120'] + fl + ['gdb-demo', '--', mode]
        self.proc = subprocess.Popen(cmd, stdout=self.console, stderr=subprocess.STDOUT, env=launcher_env(),
                                     start_new_session=True)
        self.wait_listening()

    def wait_listening(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f'launcher exited early:\n{self.output()}')
            try:
                # QEMU's chardev listens from its start; connecting and
                # closing without a byte is invisible to the stub.
                socket.create_connection(('127.0.0.1', self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError('QEMU never listened on the gdb port')

    def output(self):
        self.console.seek(0)
        return self.console.read().decode(errors='replace')

    def wait_for(self, text, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            if self.proc.poll() is not None:
                return text in self.output()
            time.sleep(0.1)
        return False

    def alive(self):
        return self.proc.poll() is None

    def wait(self, timeout=30):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def qemu_pids(self):
        """QEMU runs in a session of its own (the launcher starts it so),
        so it is found by the port only it was given (the lucent.gdb
        chardev's, tools/launcher/channels.py)."""
        mark = f'host=127.0.0.1,port={self.port},'.encode()
        pids = []
        for d in os.listdir('/proc'):
            if d.isdigit():
                try:
                    with open(f'/proc/{d}/cmdline', 'rb') as f:
                        if mark in f.read():
                            pids.append(int(d))
                except OSError:
                    pass
        return pids

    def qemu_cpu_seconds(self):
        """User + system CPU time QEMU has used so far."""
        total = 0.0
        for pid in self.qemu_pids():
            try:
                with open(f'/proc/{pid}/stat') as f:
                    fields = f.read().rsplit(')', 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
            except OSError:
                pass
        return total

    def stop(self):
        for pid in self.qemu_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def gdb(port, commands, timeout=90, image=IMAGE):
    """Runs gdb in batch mode: connect, then @commands (a list of lines,
    or python blocks). Returns its combined output."""
    script = ['set pagination off', 'set confirm off', 'set width 0',
              f'target remote 127.0.0.1:{port}'] + list(commands)
    with tempfile.NamedTemporaryFile('w', suffix='.gdb', delete=False) as f:
        f.write('\n'.join(script) + '\n')
        path = f.name
    try:
        r = subprocess.run([GDB, '-nx', '-batch', '-x', path, image], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return r.stdout
    finally:
        os.unlink(path)


# A gdb script fragment: interrupt the running target after @seconds (what
# ^C does at a terminal), so that the `continue` after it returns.
def interrupt_after(seconds):
    return ['python',
            'import threading',
            f'threading.Timer({seconds}, lambda: gdb.post_event(lambda: gdb.execute("interrupt"))).start()',
            'end']


def source_line(marker):
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gdb_demo.c')
    with open(src) as f:
        for n, line in enumerate(f, 1):
            if marker in line:
                return n
    raise KeyError(marker)


def values(out, name):
    """All `$N = V` results, in order."""
    return re.findall(r'^\$\d+ = (.*)$', out, re.M)
