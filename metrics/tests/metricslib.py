"""Helpers for the metrics end-to-end tests: the demo app behind the
bridge (through the real launcher), a private Prometheus, raw clients.

Every wait polls with a deadline; nothing sleeps for a fixed time hoping
something happened.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import lulib

BUILD = lulib.BUILD
BOOT_TIMEOUT = 90 if BUILD == 'image' else 20


def poll(what, fn, timeout, every=0.1):
    """Calls fn until it returns something truthy; fails the test after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except (OSError, ValueError) as e:
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(every)
    lulib.check(False, f'{what} within {timeout} s (last: {last!r})')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def bridge_binary():
    return os.path.join(os.path.dirname(lulib.BUILD_DIR), 'host', 'tools', 'metrics-bridge',
                        'lucent-metrics-bridge')


class App:
    """metrics-demo run by `lucent run [--host] --metrics`, in this test's build.

    Fails the test when the app does not come up serving and answering a
    ping: every build can serve metrics, so that is a broken product, never a
    reason to skip.
    """

    def __init__(self, *app_args, metrics=True):
        if not os.path.isfile(bridge_binary()):
            lulib.fail(f'the metrics bridge is not built: {bridge_binary()} (tools/setup installs pkg-config and '
                       'libmicrohttpd-dev; the image build\'s tests use the host build next to it)')
        self.run_dir = tempfile.mkdtemp(prefix='lu-mt-')
        host = ['--host'] if BUILD == 'host' else []
        opts = ['--metrics'] if metrics else []
        cmd = [sys.executable, lulib.LAUNCHER, 'run', *host, *opts, '--run-dir', self.run_dir, 'metrics-demo',
               '--', *app_args]
        self.lines = []
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=lulib.launcher_env(), start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        try:
            status = poll('the demo app reports its metrics server', lambda: self.find(r'metrics server: (.*)'),
                          BOOT_TIMEOUT)
        except RuntimeError as e:  # find(): the launcher exited
            self._fail(f'{BUILD}: lucent run {" ".join(opts)} metrics-demo exited before its metrics server '
                       f'came up:\n{str(e)[-1500:]}')
        except SystemExit:  # poll() timed out: stop the run before leaving
            self._fail(f'{BUILD}: metrics-demo did not report its metrics server within {BOOT_TIMEOUT} s')
        if status != 'serving lucent.metrics':
            self._fail(f'{BUILD}: the guest metrics server is not serving: it says "{status}"')
        self.url = self.find(r'metrics at (http://\S+)') if metrics else None
        try:
            ch = Channel(self.socket('lucent.metrics'), timeout=30)
            ch.send(b'ping 1\n')
            reply = ch.read_reply()
            ch.close()
        except (OSError, ValueError) as e:
            reply = e
        if not isinstance(reply, tuple) or reply[0] != 'ok':
            self._fail(f'{BUILD}: the guest metrics server answers a ping on lucent.metrics (got {reply!r})')

    def _fail(self, msg):
        """Fails the test, with the run's last lines, after stopping it."""
        tail = '\n'.join(self.lines[-20:])
        self.stop()
        lulib.fail(f'{msg}\n--- last lines of the run:\n{tail}')

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip('\n'))

    def find(self, pattern):
        for line in list(self.lines):
            m = re.search(pattern, line)
            if m:
                return m.group(1)
        if self.proc.poll() is not None:
            raise RuntimeError('the launcher exited:\n' + '\n'.join(self.lines))
        return None

    def guest_pid(self):
        """The process that is the guest: the hostbuild app, or QEMU."""
        with open(f'/proc/{self.proc.pid}/task/{self.proc.pid}/children') as f:
            kids = [int(p) for p in f.read().split()]
        for pid in kids:
            with open(f'/proc/{pid}/comm') as f:
                comm = f.read().strip()
            if comm.startswith('metrics-demo') or comm.startswith('qemu'):
                return pid
        raise ValueError(f'no guest among {kids}')

    def socket(self, name):
        return os.path.join(self.run_dir, name + '.sock')

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.run_dir, ignore_errors=True)


def http_get(url, timeout=5, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.headers.get('Content-Type'), r.read().decode()


def sample(text, name):
    """The value of the series named exactly `name` (labels included)."""
    for line in text.splitlines():
        if line.startswith(name + ' '):
            return float(line.split()[-1])
    return None


class Channel:
    """A raw client of a channel socket, line oriented."""

    def __init__(self, path, timeout=10):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b''

    def send(self, data):
        self.s.sendall(data)

    def read_line(self):
        while b'\n' not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ValueError('channel closed')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return line.decode()

    def read_reply(self):
        """One lucent.metrics reply: (status, seq, body)."""
        status, seq, n = self.read_line().split()
        while len(self.buf) < int(n):
            chunk = self.s.recv(65536)
            if not chunk:
                raise ValueError('channel closed')
            self.buf += chunk
        body, self.buf = self.buf[:int(n)], self.buf[int(n):]
        return status, int(seq), body.decode()

    def close(self):
        self.s.close()


class Prometheus:
    """A private Prometheus server scraping one target every second."""

    def __init__(self, target):
        if not shutil.which('prometheus'):
            lulib.fail('prometheus is not installed (tools/setup installs it: apt-get install prometheus)')
        self.dir = tempfile.mkdtemp(prefix='lu-prom-')
        self.port = free_port()
        with open(os.path.join(self.dir, 'prometheus.yml'), 'w') as f:
            f.write('global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n'
                    'scrape_configs:\n  - job_name: lucent\n    static_configs:\n'
                    f'      - targets: ["{target}"]\n')
        self.log = open(os.path.join(self.dir, 'log'), 'w+')
        self.proc = subprocess.Popen(['prometheus', '--config.file=' + os.path.join(self.dir, 'prometheus.yml'),
                                      '--storage.tsdb.path=' + os.path.join(self.dir, 'data'),
                                      f'--web.listen-address=127.0.0.1:{self.port}', '--log.level=warn'],
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.base = f'http://127.0.0.1:{self.port}'
        poll('prometheus is ready', lambda: http_get(self.base + '/-/ready', timeout=2)[0] == 200, 30, 0.2)

    def query(self, q):
        url = self.base + '/api/v1/query?' + urllib.parse.urlencode({'query': q})
        data = json.loads(http_get(url)[2])
        if data.get('status') != 'success':
            raise ValueError(data)
        return data['data']['result']

    def value(self, q):
        r = self.query(q)
        return float(r[0]['value'][1]) if r else None

    def wait_value(self, q, want, timeout):
        return poll(f'{q} == {want}', lambda: self.value(q) == want, timeout, 0.25)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
