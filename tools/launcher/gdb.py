"""The launcher's gdb plugin: `lucent run --gdb` and its kin.

  lucent run --gdb [PORT] APP      serve the image's gdb stub on 127.0.0.1:PORT
  lucent run --gdb-wait APP        the same, stopped before main() until gdb attaches
  lucent run --gdb-on-panic APP    a fault or LU_PANIC with no debugger attached waits for one

The stub speaks over the image's `lucent.gdb` virtio-serial port, whose QEMU
chardev listens on TCP 127.0.0.1:PORT instead of the run dir's socket
(gdbstub/README.md says why that port, and when the stub falls back to the
COM2 UART). The kernel side reads the `gdb=` kernel option (kernel/gdb.c).
A hostbuild program needs none of this: it is a Linux process, and stock
gdb runs it directly.
"""
import shlex
import socket
import sys

from .plugin import Plugin, optional_value


def port_arg(s):
    if s == 'auto':
        return 0
    if s.isdigit() and 0 < int(s) < 65536:
        return int(s)
    raise ValueError(s)


def add_arguments(p):
    p.add_argument('--gdb', nargs='?', const=0, type=port_arg, metavar='PORT',
                   help='serve the gdb stub on 127.0.0.1:PORT (default: a free port) and print '
                        'the gdb command that attaches')
    p.add_argument('--gdb-wait', action='store_true',
                   help='like --gdb, and stop before main() until gdb attaches')
    p.add_argument('--gdb-on-panic', action='store_true',
                   help='on a fault or LU_PANIC with no debugger attached, wait for gdb (prints how to attach)')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def setup(a, image, note):
    """Returns (kernel options, QEMU arguments) for the run described by the
    parsed options @a; prints how to attach. Both empty without --gdb*."""
    if a.gdb is None and not a.gdb_wait and not a.gdb_on_panic:
        return [], []
    if getattr(a, 'host', False):
        args = ' '.join(shlex.quote(x) for x in a.args if x != '--')
        note(f'--gdb is for images: a hostbuild program is a Linux process, debug it with '
             f'gdb --args {image} {args}'.rstrip())
        return [], []
    # An image linked without the stub (by hand, or by an older `lucent
    # build`) would get an attach command that cannot work: gdb times out on
    # qSupported. Say so instead.
    from . import build
    try:
        has_stub = 'lu_gdb_dispatch' in build.elf_defines(image, {'lu_gdb_dispatch'})
    except (build.BuildError, OSError):
        has_stub = False
    if not has_stub:
        print(f'lucent: error: {image} has no gdb stub (lu_gdb_dispatch is not linked): build it with '
              '`lucent build`, lucent-cc or meson, which link the stub into every image', file=sys.stderr)
        raise SystemExit(125)
    port = a.gdb or free_port()
    a.gdb_tcp_port = port
    modes = ['on']
    if a.gdb_wait:
        modes.append('wait')
    if a.gdb_on_panic:
        modes.append('panic')
    cmd = f"gdb -ex 'target remote :{port}' {image}"
    if a.gdb_wait:
        what = 'stopped before main(), waiting for gdb'
    elif a.gdb is None:
        what = 'a fault or panic waits for gdb'
    else:
        what = 'attach any time'
    if not a.quiet:
        note(f'gdb stub on 127.0.0.1:{port} ({what}): {cmd}')
    else:
        print(cmd, file=sys.stderr, flush=True)
    # nodelay (on the chardev, channels.qemu_args): without it Nagle
    # and gdb's delayed ACKs cost 40 ms per round trip.
    return ['gdb=' + ','.join(modes)], []


def tcp_channels(a):
    """Channels whose chardev listens on TCP rather than a run-dir socket:
    lucent.gdb when setup() chose a gdb port."""
    port = getattr(a, 'gdb_tcp_port', None)
    return {'lucent.gdb': port} if port else {}


class Gdb(Plugin):
    def add_arguments(self, command, parser):
        if command == 'run':
            add_arguments(parser.add_argument_group('gdb (gdbstub/README.md)'))

    def prepare_argv(self, command, argv):
        # `--gdb APP`: the app is not a port
        return optional_value(argv, '--gdb', str.isdigit)

    def contribute(self, ctx):
        opts, qemu = setup(ctx.args, ctx.program, ctx.note)
        ctx.kernel_opts += opts
        ctx.qemu_args += qemu
        ctx.tcp_channels.update(tcp_channels(ctx.args))
