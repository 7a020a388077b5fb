"""Metrics for the lucent launcher: the host bridge (docs/metrics.md).

  lucent metrics [--port P] [--bind ADDR] [--timeout MS] RUN_DIR
  lucent run --metrics [PORT] APP ...

The bridge (tools/metrics-bridge, a C program on libmicrohttpd) serves
http://ADDR:PORT/metrics and asks the guest over <RUN_DIR>/lucent.metrics.sock
on each scrape. This module finds it, runs it, and wires it into `lucent run`.
It does not own the run or the run directory (tools/lucent and
tools/lucent_channels.py do).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time


class MetricsError(Exception):
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
        from lucent_proc import spawn  # dies with the launcher, even on SIGKILL
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
        from lucent_proc import stop
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


def pop_metrics_option(argv):
    """Takes `--metrics [PORT]` (or `--metrics=PORT`) out of a `lucent run`
    command line, before its `--`. Returns (port or None, the rest)."""
    rest, port, i = [], None, 0
    while i < len(argv):
        a = argv[i]
        if a == '--':
            rest += argv[i:]
            break
        if a == '--metrics':
            port = 0
            if i + 1 < len(argv) and argv[i + 1].isdigit():
                port = int(argv[i + 1])
                i += 1
        elif a.startswith('--metrics='):
            if not a[10:].isdigit():
                raise MetricsError(f'bad metrics port {a[10:]!r}')
            port = int(a[10:])
        else:
            rest.append(a)
        i += 1
    return port, rest


# Appended to `lucent run --help`: the option is taken off the command line
# here, before `lucent run` parses the rest, so its parser cannot list it.
RUN_HELP = """
metrics (docs/metrics.md):
  --metrics [PORT]   serve the program's Prometheus metrics at
                     http://127.0.0.1:PORT/metrics (default: a free port,
                     printed) through a host bridge that asks the guest
                     over its lucent.metrics channel on each scrape"""


def wants_help(argv):
    """True when `lucent run` is asked for its help (before any `--`)."""
    for a in argv:
        if a == '--':
            return False
        if a in ('-h', '--help'):
            return True
    return False


def with_metrics(cmd_run, build_root, note):
    """Wraps `lucent run` so that --metrics [PORT] runs a bridge beside the
    program, on the run directory, for as long as the program runs."""
    def run(argv):
        if wants_help(argv):
            try:
                return cmd_run(argv)
            finally:  # argparse exits after its help; ours follows it
                print(RUN_HELP)
        port, argv = pop_metrics_option(argv)
        if port is None:
            return cmd_run(argv)
        # The bridge must know the directory before the program starts.
        from lucent_channels import run_dir_option
        given, made, argv = run_dir_option(argv, 'metrics')
        bridge = Bridge(build_root, given, port, quiet=True)
        note(f'metrics at {bridge.url}')
        try:
            return cmd_run(argv)
        finally:
            bridge.stop()
            if made:
                shutil.rmtree(made, ignore_errors=True)
    return run
