"""Helpers for the viewer's meson tests: skips, servers, the build's programs."""
import os
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VIEWER = os.path.dirname(HERE)
SRC = os.environ.get('LUCENT_SOURCE_DIR', os.path.dirname(os.path.dirname(VIEWER)))
from lulib import BUILD, BUILD_DIR, LAUNCHER, check, launcher_env, skip  # noqa: E402,F401

ARTIFACTS = os.path.join(BUILD_DIR, 'trace-viewer')
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')


def need_node():
    if not shutil.which('node'):
        skip('node is not installed (apt-get install nodejs; tools/setup does it)')


def need_browser():
    need_node()
    if not os.path.isdir(os.path.join(VIEWER, 'node_modules', 'playwright-core')):
        skip('tools/trace-viewer/node_modules is missing: run tools/setup (npm ci in tools/trace-viewer)')
    if not os.access(CHROMIUM, os.X_OK):
        skip(f'{CHROMIUM} is missing: run tools/setup as root (apt-get install chromium)')


def program(name):
    p = os.path.join(BUILD_DIR, name)
    if not os.path.isfile(p):
        skip(f'{name} is not built in {BUILD_DIR}')
    return p


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Serve:
    """`lucent trace --serve PORT TARGET` in the background."""

    def __init__(self, target, *extra):
        self.port = free_port()
        self.log = open(os.path.join(ARTIFACTS, f'serve-{self.port}.log'), 'w')
        args = [target] if target else []  # None: an empty viewer, for dropped files
        self.proc = subprocess.Popen([sys.executable, LAUNCHER, 'trace', '--serve', str(self.port), *args, *extra],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=launcher_env())
        self.url = f'http://127.0.0.1:{self.port}/'
        for _ in range(100):
            try:
                socket.create_connection(('127.0.0.1', self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.close()
        check(False, f'the viewer server starts on port {self.port}')

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def run_e2e(jobs, timeout=300, on_line=None):
    """Runs test/e2e.mjs on JOBS (one browser, a page per job). on_line(line,
    send) sees each line it prints and may answer on its stdin (live mode);
    a watchdog kills it after @timeout s. Returns its exit status."""
    import json
    import tempfile
    import threading
    fd, path = tempfile.mkstemp(prefix='viewer-jobs-', suffix='.json', dir=ARTIFACTS)
    with os.fdopen(fd, 'w') as f:
        json.dump(jobs, f)
    p = subprocess.Popen(['node', os.path.join(HERE, 'e2e.mjs'), path], cwd=VIEWER, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    timer = threading.Timer(timeout, p.kill)
    timer.start()

    def send(text):
        try:
            p.stdin.write(text + '\n')
            p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
    try:
        for line in p.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if on_line:
                on_line(line.rstrip('\n'), send)
        rc = p.wait()
    finally:
        timer.cancel()
        if p.poll() is None:
            p.kill()
            p.wait()
        os.unlink(path)
    if rc < 0:
        print(f'FAIL: the browser test ran past {timeout} s and was killed')
    return rc


def e2e(jobs, timeout=300, on_line=None):
    check(run_e2e(jobs, timeout, on_line) == 0, f'the browser test passes ({", ".join(j["mode"] for j in jobs)})')
