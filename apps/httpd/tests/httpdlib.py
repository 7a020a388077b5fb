"""Start apps/httpd through the real launcher (`lucent run [--host] --net`)
and talk to it, for the httpd tests. Both builds: the image answers through
QEMU's forwarded port, the hostbuild on its own socket."""
import http.client
import re
import socket
import subprocess
import sys
import threading
import time

import lulib
from lulib import BUILD, LAUNCHER, check, launcher_env, skip, stop_group  # noqa: F401


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Server:
    """`with Server(args) as s:` boots httpd and waits until it listens."""

    def __init__(self, *app_args, mem=None, boot_timeout=60, launcher_args=()):
        self.port = free_port()
        host = ['--host'] if BUILD == 'host' else []
        extra = (['--mem', mem] if mem else []) + list(launcher_args)
        self.cmd = [sys.executable, LAUNCHER, 'run', *host, *extra, '--net', '--port', str(self.port),
                    'httpd', '--', *app_args]
        self.boot_timeout = boot_timeout
        self.output = []

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=launcher_env(), start_new_session=True)
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.output.append(line)
                if 'httpd: listening' in line:
                    ready.set()
            ready.set()
        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(self.boot_timeout) or self.proc.poll() is not None:
            self.stop()
            print(''.join(self.output))
            check(False, f'httpd started within {self.boot_timeout} s')
        return self

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        stop_group(self.proc)

    def __exit__(self, *exc):
        crashed = self.proc.poll() is not None
        self.stop()
        if crashed:
            print(''.join(self.output))
        return False

    def conn(self, timeout=20):
        return http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)

    def get(self, path, method='GET', headers=None, timeout=20):
        c = self.conn(timeout)
        try:
            c.request(method, path, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def raw(self, data, timeout=10, read_all=True):
        """Send raw bytes on a fresh connection; return what comes back until
        the server closes (or the timeout)."""
        s = socket.create_connection(('127.0.0.1', self.port), timeout=timeout)
        try:
            s.sendall(data)
            out = b''
            while True:
                try:
                    b = s.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    break
                if not b:
                    break
                out += b
                if not read_all:
                    break
            return out
        finally:
            s.close()

    def stats(self):
        st, _, body = self.get('/stats')
        check(st == 200, 'GET /stats answers 200')
        return {k: int(v) for k, v in re.findall(rb'^(\S+) (\d+)$', body, re.M) for k, v in [(k.decode(), v)]}


def status_of(resp):
    m = re.match(rb'HTTP/1\.1 (\d{3}) ', resp)
    return int(m.group(1)) if m else None


def check_no_leak(s, label, tolerate=()):
    """Image only: lwIP's pools hold nothing that no connection owns.
    @tolerate: error counters that may be non-zero (a test that starves
    the guest on purpose: memory ran out and lwIP dropped, not leaked)."""
    if BUILD != 'image':
        return
    st = s.stats()
    print({k: v for k, v in st.items() if k.endswith('.used') or k.startswith(('tcp.', 'httpd.', 'heap'))})
    # The /stats connection itself is open (and counted) while this runs.
    check(st['pool.NETCONN.used'] == st['httpd.open'] + 1,
          f'{label}: every lwIP netconn belongs to an open connection or the listener '
          f'({st["pool.NETCONN.used"]} = {st["httpd.open"]} + 1)')
    check(st['pool.TCP_PCB.used'] == st['tcp.pcbs.active'] + st['tcp.pcbs.time_wait'],
          f'{label}: every TCP PCB is active or in TIME_WAIT ({st["pool.TCP_PCB.used"]})')
    check(st['pool.PBUF_POOL.used'] <= 4, f'{label}: pool pbufs returned ({st["pool.PBUF_POOL.used"]} in use)')
    check(st['pool.TCP_SEG.used'] <= 8, f'{label}: unacknowledged segments drained ({st["pool.TCP_SEG.used"]})')
    check(st['pool.NETBUF.used'] == 0 and st['pool.TCPIP_MSG_API.used'] == 0,
          f'{label}: no netbufs or API messages outstanding')
    errs = {k: v for k, v in st.items()
            if k.endswith('.err') and v and not k.startswith('pool.TCP_PCB') and k not in tolerate}
    check(not errs, f'{label}: no pool ran out ({errs})')
    return st
