"""`lucent run`: boot an app as an image, or run it as a Linux process, with
its run directory, and whatever the plugins (plugin.py) add to it: gdb and
the network add devices and options, metrics and trace run helpers beside
the program.

This module owns the run: the options every run has, the program, the run
directory, QEMU or the process, and the status lines. The plugins own their
own options.
"""
import argparse
import contextlib
import os
import subprocess

from . import plugin, proc, stdin
from .channels import ChannelError, RunDir, host_env, qemu_args
from .common import LucentError, ensure_built, note
from .qemu import SIGNAMES, Run, encode_args, kvm_usable


def parse_mem(s):
    s = s.strip().upper()
    if s[-1:] in 'KMG' and s[:-1].isdigit():
        return s
    if s.isdigit():
        return s + 'M'
    raise argparse.ArgumentTypeError(f'bad memory size {s!r} (use e.g. 64M)')


def parser(plugins):
    p = argparse.ArgumentParser(prog='lucent run', description='Boot APP as an image under QEMU '
                                '(KVM where /dev/kvm is usable, TCG otherwise), or run it as a Linux process.')
    p.add_argument('app', help='an app in apps/ or one made with `lucent build`, or the path of a built program')
    p.add_argument('args', nargs=argparse.REMAINDER, help='arguments for the app, after --')
    p.add_argument('--host', action='store_true', help='run the hostbuild executable instead')
    p.add_argument('--mem', type=parse_mem, default='64M', help='guest memory (default 64M)')
    p.add_argument('--timeout', type=float, default=None, help='kill the run after this many seconds')
    p.add_argument('--kernel-opt', action='append', default=[], metavar='K=V',
                   help='kernel command-line option (e.g. trace=sched); repeatable')
    p.add_argument('--env', action='append', default=[], metavar='K[=V]',
                   help='set K to V in the app\'s environment (K alone: the launcher\'s own value, if set); '
                   'repeatable. The image starts from a small default environment, the hostbuild from the '
                   'launcher\'s')
    p.add_argument('--quiet', action='store_true', help='do not print launcher status lines')
    p.add_argument('--run-dir', metavar='DIR', help='put the channel sockets in DIR (kept afterwards) '
                   'instead of a fresh $XDG_RUNTIME_DIR/lucent/APP-PID (removed afterwards)')
    for pl in plugins:
        pl.add_arguments('run', p)
    return p


def cmd_run(argv):
    plugins = plugin.plugins()
    for pl in plugins:
        argv = pl.prepare_argv('run', argv)
    a = parser(plugins).parse_args(argv)
    a.args = a.args[1:] if a.args[:1] == ['--'] else a.args
    a.env = env_pairs(a.env)
    path = ensure_built(a.app, 'host' if a.host else 'image')
    # ^C, SIGTERM and SIGHUP unwind through the finally blocks below (main()
    # installed proc.stop_on_signals), so the child and the helpers are
    # stopped and the run dir removed.
    try:
        run_dir = RunDir(os.path.basename(a.app), a.run_dir)
    except (ChannelError, OSError) as e:
        raise LucentError(f'run dir: {e}')
    ctx = plugin.Context(a, path, a.host, run_dir, note)
    try:
        with contextlib.ExitStack() as helpers:
            for pl in plugins:
                helpers.enter_context(pl.wrap(ctx))
            for pl in plugins:
                pl.contribute(ctx)
            return run_host(ctx) if a.host else run_image(ctx)
    finally:
        run_dir.close()


def env_pairs(entries):
    """--env's entries as K=V strings: K alone takes the launcher's value,
    and is left out where the launcher has none (as `docker run -e K`)."""
    out = []
    for e in entries:
        k, eq, _ = e.partition('=')
        if not k:
            raise LucentError(f'--env {e!r}: no variable name')
        if eq:
            out.append(e)
        elif k in os.environ:
            out.append(f'{k}={os.environ[k]}')
    return out


def run_host(ctx):
    a = ctx.args
    encode_args(ctx.app_args + a.args)  # the image's limits, so both builds take the same vectors
    env = host_env(ctx.run_dir, os.environ)
    for kv in a.env:
        k, _, v = kv.partition('=')
        env[k] = v
    for kv in ctx.kernel_opts:
        k, _, v = kv.partition('=')
        env['LUCENT_' + k.upper()] = v
    if not a.quiet:
        note(f'running {ctx.program} as a Linux process (run dir {ctx.run_dir.path})')
    child = None
    try:
        child = proc.spawn([ctx.program] + ctx.app_args + a.args, env=env)
        try:
            rc = child.wait(timeout=a.timeout)
        except subprocess.TimeoutExpired:
            raise LucentError(f'timed out after {a.timeout:g} s: process killed')
    finally:
        # SIGTERM first: the program ends its trace stream and sockets
        # cleanly; one that does not within a second is killed.
        if child:
            proc.stop(child, grace=1.0)
    return 128 - rc if rc < 0 else rc


def run_image(ctx):
    a = ctx.args
    run = Run(ctx.program, ctx.app_args + a.args, mem=a.mem, timeout=a.timeout, run_dir=ctx.run_dir.path,
              kernel_opts=ctx.kernel_opts, env=a.env, stdin=stdin.kind(),
              extra_qemu=qemu_args(ctx.run_dir, tcp=ctx.tcp_channels, tcg=not kvm_usable()) + ctx.qemu_args)
    pump = None
    try:
        run.start()
        if run.stdin:
            pump = stdin.Pump(ctx.run_dir.socket(stdin.CHANNEL), run.proc)
        if not a.quiet:
            note(f'booting {ctx.program} ({"KVM" if run.accel == "kvm" else "TCG, no usable /dev/kvm"}, '
                 f'{a.mem}), run dir {ctx.run_dir.path}')
        status = run.stream()
    finally:
        if getattr(run, 'proc', None) and run.proc.poll() is None:
            run.kill()
            run.proc.wait()
        if pump:
            pump.close()
    if not a.quiet:
        first = f'{run.first_line * 1000:.0f} ms' if run.first_line is not None else 'none'
        extra = f' ({SIGNAMES[status - 128]})' if status - 128 in SIGNAMES else ''
        note(f'exit status {status}{extra}; first console line at {first}, exit at {run.t_exit * 1000:.0f} ms')
    return status
