"""The launcher's metrics plugin and command: the host bridge (docs/metrics.md).

  lucent metrics [--port P] [--bind ADDR] [--timeout MS] RUN_DIR
  lucent run --metrics [PORT] APP ...

The bridge (tools/metrics-bridge, a C program on libmicrohttpd) serves
http://ADDR:PORT/metrics and asks the guest over <RUN_DIR>/lucent.metrics.sock
on each scrape. This module finds it, runs it, and wires it into `lucent run`.
It does not own the run or the run directory (run.py and channels.py do).
"""
import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

from .common import LucentError
from .plugin import Plugin, optional_value


class MetricsError(LucentError):
    pass


def bridge_path(build_root):
    """The bridge is a host tool: it lives in the host build even for images."""
    path = os.path.join(build_root, 'host', 'tools', 'metrics-bridge', 'lucent-metrics-bridge')
    if not os.path.isfile(path):
        raise MetricsError(f'{path} not found: build the host tree (needs libmicrohttpd-dev)')
    return path


class Bridge:
    """A running bridge for one run directory; stop() ends it."""

    def __init__(self, build_root, run_dir, port=0, bind='127.0.0.1', timeout_ms=1000, quiet=False):
        self.tmp = tempfile.mkdtemp(prefix='lucent-bridge-')
        port_file = os.path.join(self.tmp, 'port')
        cmd = [bridge_path(build_root), '--port', str(port), '--bind', bind, '--timeout', str(timeout_ms),
               '--port-file', port_file, run_dir]
        from .proc import spawn  # dies with the launcher, even on SIGKILL
        self.proc = spawn(cmd, stdout=subprocess.DEVNULL if quiet else None)
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise MetricsError(f'the metrics bridge did not start (port {port} in use?)')
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        host = f'[{bind}]' if ':' in bind else bind
        self.url = f'http://{host}:{self.port}/metrics'

    def stop(self):
        from .proc import stop
        stop(self.proc, grace=1.0)  # it stops on SIGTERM at once; a hung one is killed
        shutil.rmtree(self.tmp, ignore_errors=True)


def cmd_metrics(argv, build_root):
    p = argparse.ArgumentParser(prog='lucent metrics', description='Serve the metrics of a running Lucent '
                                'program (image or hostbuild) over HTTP for Prometheus.')
    p.add_argument('run_dir', help='the run directory `lucent run` printed')
    p.add_argument('--port', type=int, default=0, help='HTTP port (default: any free one, printed)')
    p.add_argument('--bind', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    p.add_argument('--timeout', type=int, default=1000, metavar='MS',
                   help='how long a scrape waits for the guest (default 1000 ms)')
    a = p.parse_args(argv)
    if not os.path.isdir(a.run_dir):
        raise MetricsError(f'{a.run_dir} is not a directory')
    cmd = [bridge_path(build_root), '--port', str(a.port), '--bind', a.bind, '--timeout', str(a.timeout),
           a.run_dir]
    sys.stdout.flush()
    os.execv(cmd[0], cmd)


def port_arg(s):
    """--metrics's PORT: digits (0 is any free port), or 'auto' (plugin.optional_value)."""
    if s == 'auto':
        return 0
    if s.isdigit():
        return int(s)
    raise argparse.ArgumentTypeError(f'bad metrics port {s!r}')


class Metrics(Plugin):
    """--metrics [PORT] runs a bridge beside the program, on the run
    directory, for as long as the program runs."""

    def add_arguments(self, command, parser):
        if command != 'run':
            return
        g = parser.add_argument_group('metrics (docs/metrics.md)')
        g.add_argument('--metrics', nargs='?', const=0, type=port_arg, metavar='PORT',
                       help="serve the program's Prometheus metrics at http://127.0.0.1:PORT/metrics (default: "
                       'a free port, printed) through a host bridge that asks the guest over its lucent.metrics '
                       'channel on each scrape')

    def prepare_argv(self, command, argv):
        # `--metrics APP`: the app is not a port
        return optional_value(argv, '--metrics', str.isdigit)

    @contextlib.contextmanager
    def wrap(self, ctx):
        if ctx.args.metrics is None:
            yield
            return
        from .common import BUILD
        # The bridge must know the directory before the program starts.
        bridge = Bridge(BUILD, ctx.run_dir.path, ctx.args.metrics, quiet=True)
        ctx.note(f'metrics at {bridge.url}')
        try:
            yield
        finally:
            bridge.stop()
