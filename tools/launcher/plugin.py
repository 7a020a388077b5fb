"""The one way to extend `lucent run`: a plugin.

A plugin is an object with up to four hooks; run.py calls each registered
plugin's hooks, in the order of PLUGINS, at fixed points of every run:

  add_arguments(command, parser)   add its options to a subcommand's parser
                                   (command is 'run'); so `lucent run --help`
                                   lists every option, argparse's own way
  prepare_argv(command, argv)      rewrite argv before it is parsed; only for
                                   an option whose value is optional, such
                                   as --gdb [PORT] (optional_value below)
  wrap(ctx)                        a context manager around the run: start a
                                   host-side helper (a metrics bridge, a
                                   trace collector) on the run directory
                                   before the program starts, stop it after
  contribute(ctx)                  add to the run: ctx.kernel_opts (the
                                   kernel command line; hostbuild: LUCENT_K=V
                                   in the environment), ctx.qemu_args,
                                   ctx.app_args (argv before the user's), and
                                   ctx.tcp_channels (a channel whose QEMU
                                   chardev listens on a TCP port)

Every wrap is entered before any contribute is called, so helpers are up
(and their status lines printed) before the devices are chosen. A hook
reports a failure by raising LucentError (common.py).

This module owns the protocol and the list; each plugin owns its options
and helpers, and run.py owns the run itself (the program, QEMU, the run
directory).
"""
import contextlib


class Plugin:
    """Hooks that do nothing: a plugin overrides the ones it needs."""

    def add_arguments(self, command, parser):
        pass

    def prepare_argv(self, command, argv):
        return argv

    def wrap(self, ctx):
        return contextlib.nullcontext()

    def contribute(self, ctx):
        pass


class Context:
    """One `lucent run`, as the plugins see it.

    args: the parsed options; program: the image or executable; host: True
    for a hostbuild process; run_dir: its RunDir (channels.py); the lists
    and the dict start empty (kernel_opts: the user's --kernel-opt) and the
    plugins fill them.
    """

    def __init__(self, args, program, host, run_dir, note):
        self.args, self.program, self.host, self.run_dir, self.note = args, program, host, run_dir, note
        self.kernel_opts = list(args.kernel_opt)
        self.qemu_args = []
        self.app_args = []
        self.tcp_channels = {}


def optional_value(argv, option, is_value):
    """`OPTION APP`: the app is not the option's value. argparse would take
    the word after an option with nargs='?' as its value, so the first bare
    OPTION (before any `--`) whose next word is not a value (is_value false)
    becomes `OPTION=auto`."""
    out = list(argv)
    for i, a in enumerate(out):
        if a == '--':
            break
        if a == option and (i + 1 == len(out) or not is_value(out[i + 1])):
            out[i] = option + '=auto'
            break
    return out


def plugins():
    """The registered plugins, in the order their hooks run: the trace
    collector's wrap is the outermost (it starts first and ends last)."""
    from . import gdb, metrics, net, trace
    return [trace.Trace(), metrics.Metrics(), net.Net(), gdb.Gdb()]
