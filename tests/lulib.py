"""Shared helpers for Lucent's Python integration tests.

Tests run under `meson test` with LUCENT_BUILD ('host' or 'image') and
LUCENT_BUILD_DIR set; they drive the real launcher, as a user would.
Exit 77 means skipped (meson's convention), with the reason printed. A test
skips only where this machine cannot have what it needs (not root, no kernel
BTF, no /dev/kvm) or where it applies only to the other build; anything that
tools/setup installs or the build makes, and any part of Lucent that does not
work, is a failure (fail()), so that a green run means the product works.
"""
import json
import os
import subprocess
import sys

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
