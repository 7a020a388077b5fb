"""Shared helpers for Lucent's Python integration tests.

Tests run under `meson test` with LUCENT_BUILD ('host' or 'image') and
LUCENT_BUILD_DIR set, and with tests/ and tools/ on PYTHONPATH (the
top-level meson.build), so a test imports lulib and the launcher's package
(`launcher`) by name; they drive the real launcher, as a user would.
Exit 77 means skipped (meson's convention), with the reason printed. A test
skips only where this machine cannot have what it needs (not root, no kernel
BTF, no /dev/kvm) or where it applies only to the other build; anything that
tools/setup installs or the build makes, and any part of Lucent that does not
work, is a failure (fail()), so that a green run means the product works.
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

SRC = os.environ.get('LUCENT_SOURCE_DIR', os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('LUCENT_BUILD', 'host')
BUILD_DIR = os.environ.get('LUCENT_BUILD_DIR', os.path.join(SRC, 'build', BUILD))
LAUNCHER = os.path.join(SRC, 'tools', 'lucent')
SHARED = os.path.join(os.path.dirname(SRC), 'shared')


def launcher_env():
    env = dict(os.environ)
    env['LUCENT_BUILD_ROOT'] = os.path.dirname(BUILD_DIR)
    return env


def lucent(*args, timeout=60, **kw):
    """Run `lucent ARGS`; returns the CompletedProcess (text mode)."""
    return subprocess.run([sys.executable, LAUNCHER] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=launcher_env(), **kw)


def run_app(app, *args, timeout=60, extra=()):
    """Run an app in this test's build, through the launcher."""
    host = ['--host'] if BUILD == 'host' else []
    return lucent('run', *host, *extra, app, '--', *args, timeout=timeout)


def stop_group(proc, grace=10):
    """SIGTERM to the group of @proc (started with start_new_session=True);
    SIGKILL if it is not gone within @grace seconds."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Launcher:
    """`lucent ARGS` left running in a session of its own (a signal can go to
    its whole group), its output (stdout and stderr) collected line by line."""

    def __init__(self, *args):
        self.args = args
        self.proc = subprocess.Popen([sys.executable, LAUNCHER, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                                     env=launcher_env(), start_new_session=True)
        self.lines = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip('\n'))

    def find(self, pattern, timeout=60):
        """The first group of @pattern in the first output line it matches;
        fails the test (after clean_up) if none does within @timeout s or
        before the launcher exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                m = re.search(pattern, line)
                if m:
                    return m.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.clean_up()
        fail(f'`lucent {" ".join(self.args)}` did not print {pattern!r}:\n' + '\n'.join(self.lines[-30:]))

    def stop(self):
        stop_group(self.proc)

    def clean_up(self):
        """What a failed find() does before failing: stop the launcher."""
        self.stop()


def build_option(name):
    """The value this test's build was configured with for meson option name."""
    r = subprocess.run(['meson', 'introspect', '--buildoptions', BUILD_DIR], capture_output=True, text=True,
                       timeout=60)
    for o in json.loads(r.stdout):
        if o['name'] == name:
            return o['value']
    return None


def skip(reason):
    print(f'SKIP: {reason}')
    sys.exit(77)


def fail(msg):
    print(f'FAIL: {msg}')
    sys.exit(1)


def check(cond, msg):
    if not cond:
        print(f'FAIL: {msg}')
        sys.exit(1)
    print(f'ok: {msg}')
