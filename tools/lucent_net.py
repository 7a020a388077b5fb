"""Networking for the lucent launcher: `lucent run --net [--port P] APP`.

- image: QEMU user networking (slirp) with one forwarded port,
  `-netdev user,id=n0,hostfwd=tcp:127.0.0.1:PORT-:80 -device virtio-net-pci,netdev=n0`.
  The guest gets 10.0.2.15 from QEMU's DHCP server (kernel/net/net.c), and
  its port 80 answers on 127.0.0.1:PORT of the host.
- hostbuild: the process listens on the host itself; it is passed
  `--port PORT` (apps take their port from argv).

Host-facing ports bind to 127.0.0.1 unless --net-bind says otherwise. PORT
is a free one unless --port gives it. This module owns the arguments and
the port; the run itself belongs to tools/lucent.
"""
import socket

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
    return [], ['-netdev', f'user,id=n0,hostfwd=tcp:{a.net_bind}:{port}-:{GUEST_PORT}',
                '-device', 'virtio-net-pci,netdev=n0']
