"""`lucent demo`: the README's first command. Boots the demo app (httpd) as
an image with every observability endpoint, and prints where they are: the
site, the gdb command, the Prometheus /metrics URL, and a live trace viewer
(plus the command that records the same stream for ui.perfetto.dev).

It is `lucent run` with fixed options (DEMO_ARGS), beside a viewer it starts.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from . import proc
from .channels import base_dir
from .common import LAUNCHER, note
from .run import cmd_run

# What `lucent demo` runs (besides the viewer it starts).
DEMO_ARGS = ['--net', '--gdb', '--metrics', 'httpd']


def cmd_demo(argv):
    p = argparse.ArgumentParser(prog='lucent demo', description='Boot the demo app (httpd) as an image, '
                                'with its site, gdb, metrics and trace endpoints printed.')
    p.add_argument('--timeout', type=float, default=None)
    p.add_argument('--host', action='store_true', help='run the hostbuild process instead of the image')
    a = p.parse_args(argv)
    base = base_dir()
    os.makedirs(base, mode=0o700, exist_ok=True)
    run_dir = tempfile.mkdtemp(prefix='demo-', dir=base)
    extra = (['--timeout', str(a.timeout)] if a.timeout else []) + (['--host'] if a.host else [])
    # The viewer follows the run directory's lucent.trace socket as soon as
    # the program makes it (it switches every category on when it connects).
    viewer = proc.spawn([sys.executable, LAUNCHER, 'trace', '--serve', '0', run_dir], stdin=subprocess.DEVNULL)
    note(f'trace: record it for ui.perfetto.dev with: {LAUNCHER} trace -o demo.pftrace {run_dir}')
    try:
        args = [x for x in DEMO_ARGS if not (a.host and x == '--gdb')]  # gdb attaches to a process directly
        return cmd_run(extra + ['--run-dir', run_dir] + args)
    finally:
        proc.stop(viewer, grace=1.0)
        shutil.rmtree(run_dir, ignore_errors=True)
