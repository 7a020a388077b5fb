"""The launcher's network plugin: `lucent run --net [--port P] APP`.

- image: QEMU user networking (slirp) with one forwarded port,
  `-netdev user,id=n0,hostfwd=tcp:127.0.0.1:PORT-:80 -device virtio-net-pci,netdev=n0`.
  The guest gets 10.0.2.15 from QEMU's DHCP server (kernel/net/net.c), and
  its port 80 answers on 127.0.0.1:PORT of the host. With a static
  `--kernel-opt ip=A.B.C.D/LEN`, the port is forwarded to A.B.C.D instead.
- hostbuild: the process listens on the host itself; it is passed
  `--port PORT` (apps take their port from argv).

Host-facing ports bind to 127.0.0.1 unless --net-bind says otherwise. PORT
is a free one unless --port gives it. This module owns the arguments and
the port; the run itself belongs to run.py.

QEMU's user network listens on the forwarded port with a backlog of 1, so
a burst of new connections overflows the host kernel's accept queue and
clients wait for handshake retransmits (1 s, 3 s, ...). The image run puts
tools/qemu-backlog (an LD_PRELOAD shim, built in the host build) into
QEMU's environment to raise it; backlog.c has the measurements.
"""
import os
import socket

from .common import ROOT, LucentError
from .plugin import Plugin

GUEST_PORT = 80


def add_arguments(p):
    p.add_argument('--net', action='store_true',
                   help='give the app a network: a virtio-net device on QEMU user networking with host '
                   'port PORT forwarded to guest port 80 (hostbuild: the app gets --port PORT)')
    p.add_argument('--port', type=int, default=None, metavar='PORT',
                   help='with --net: the host port (default: a free one)')
    p.add_argument('--net-bind', default='127.0.0.1', metavar='ADDR',
                   help='with --net: host address the forwarded port binds to (default 127.0.0.1)')


def free_port(addr='127.0.0.1'):
    """A port that is free now (the kernel's pick). Another program could
    take it before QEMU binds it; QEMU then fails with a clear message."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def setup(a, host, note):
    """Returns (app_args, qemu_args) for the parsed options @a; announces the URL."""
    if not a.net:
        if a.port is not None:
            raise ValueError('--port needs --net')
        return [], []
    port = a.port if a.port is not None else free_port(a.net_bind)
    if not 0 < port < 65536:
        raise ValueError(f'bad --port {port}')
    if not a.quiet:
        note(f'serving at http://{a.net_bind}:{port}/')
    if host:
        return ['--port', str(port)], []
    preload_backlog_shim(note if not a.quiet else None)
    # A static ip= on the kernel command line is where the port must go;
    # otherwise QEMU picks its first DHCP address (10.0.2.15).
    guest = ''
    for kv in getattr(a, 'kernel_opt', None) or []:
        if kv.startswith('ip='):
            guest = kv[3:].split('/')[0]
    return [], ['-netdev', f'user,id=n0,hostfwd=tcp:{a.net_bind}:{port}-{guest}:{GUEST_PORT}',
                '-device', 'virtio-net-pci,netdev=n0']


def backlog_shim_path():
    root = os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build'))
    return os.path.join(root, 'host', 'tools', 'qemu-backlog', 'lucent-qemu-backlog.so')


def preload_backlog_shim(note):
    """Adds the shim to LD_PRELOAD for the QEMU this launcher starts (the
    launcher's own environment: QEMU inherits it). Without the shim (no
    host build) QEMU keeps its backlog of 1, which only costs latency."""
    path = backlog_shim_path()
    if not os.path.exists(path):
        if note:
            note(f'{path} not built: QEMU keeps a listen backlog of 1 (bursts of connects wait 1 s+)')
        return
    pre = os.environ.get('LD_PRELOAD', '')
    if path not in pre.split():
        os.environ['LD_PRELOAD'] = (pre + ' ' + path).strip()


class Net(Plugin):
    def add_arguments(self, command, parser):
        if command == 'run':
            add_arguments(parser.add_argument_group('network (docs/networking.md)'))

    def contribute(self, ctx):
        try:
            app_args, qemu = setup(ctx.args, ctx.host, ctx.note)
        except (ValueError, OSError) as e:
            raise LucentError(f'--net: {e}')
        ctx.app_args += app_args
        ctx.qemu_args += qemu
