"""lucent: build and run Lucent apps, as Linux processes or as KVM images.

  lucent run [--host] APP [-- ARGS]    boot APP as an image (or run it as a process)
                                       (--metrics [PORT]: serve its metrics for Prometheus)
  lucent metrics RUN_DIR               serve a running program's metrics over HTTP
  lucent trace RUN_DIR                 record a running program's Perfetto trace
                                       (run --trace FILE: record from boot)
  lucent trace --serve [PORT] RUN_DIR|FILE  view it in a browser, live or recorded
  lucent bpftrace PID|APP [-- ARGS]    record a hostbuild process's tracepoints with eBPF
  lucent build FILE.c... -o NAME       build your own app, both ways, outside the tree
                                       (-I -D -U -L -l -Wl,...: as cc takes them)
  lucent demo                          boot the demo app with its endpoints printed
  lucent exec IMAGE [ARGS]             boot an image file (meson's exe_wrapper)

Ctrl-C, SIGTERM or SIGHUP stops any of them within two seconds, helpers
included; killed outright (kill -9), the launcher takes QEMU, the app and
its helpers with it (tools/launcher/proc.py).

Run `lucent COMMAND --help` for each command's options.
"""
import sys

from . import proc
from .common import BUILD, ROOT, USER_APPS, LucentError, err, find_program


def cmd_build(argv):
    from . import build  # options, recipes, parallel compiles
    try:
        return build.main(ROOT, BUILD, USER_APPS, argv)
    except build.BuildError as e:
        raise LucentError(str(e))


def cmd_metrics(argv):
    from . import metrics
    return metrics.cmd_metrics(argv, BUILD)


def cmd_trace(argv):
    from . import trace  # records, or with --serve hands over to the web viewer
    return trace.main(argv)


def cmd_bpftrace(argv):
    from . import bpftrace
    return bpftrace.main(argv, BUILD, find_program)


def cmd_run(argv):
    from .run import cmd_run
    return cmd_run(argv)


def cmd_exec(argv):
    from .qemu import cmd_exec
    return cmd_exec(argv)


def cmd_demo(argv):
    from .demo import cmd_demo
    return cmd_demo(argv)


COMMANDS = {'run': cmd_run, 'exec': cmd_exec, 'build': cmd_build, 'metrics': cmd_metrics, 'trace': cmd_trace,
            'bpftrace': cmd_bpftrace, 'demo': cmd_demo}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    proc.stop_on_signals()
    if not argv or argv[0] in ('-h', '--help', 'help'):
        print(__doc__.strip())
        return 0 if argv else 2
    cmd = COMMANDS.get(argv[0])
    if not cmd:
        err(f"unknown command '{argv[0]}' (try: lucent --help)")
        return 2
    try:
        return cmd(argv[1:])
    except LucentError as e:
        err(str(e))
        return 125
    except proc.Stopped as e:
        return e.status
    except KeyboardInterrupt:
        return 130
