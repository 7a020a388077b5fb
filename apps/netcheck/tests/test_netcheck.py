"""The socket API from inside an app (apps/netcheck), in both builds:
getaddrinfo (numeric), inet_pton/ntop, non-blocking connect with fcntl
O_NONBLOCK, poll, select, EAGAIN, socket options, shutdown, UDP
sendto/recvfrom, a listener with non-blocking accept, read/write on socket
descriptors. The host side here: a TCP and a UDP echo server, and one
client of the app's listener. In the image it runs twice: address from
DHCP (the default), and static from the kernel command line (ip=, gw=)."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from lulib import BUILD, LAUNCHER, check, launcher_env


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def echo_servers():
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(('127.0.0.1', 0))
    t.listen(4)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(('127.0.0.1', 0))

    def tcp():
        while True:
            try:
                c, _ = t.accept()
            except OSError:
                return
            with c:
                while True:  # echo until the app's shutdown(SHUT_WR), then close
                    d = c.recv(4096)
                    if not d:
                        break
                    c.sendall(d)

    def udp():
        while True:
            try:
                d, a = u.recvfrom(4096)
                u.sendto(d, a)
            except OSError:
                return
    threading.Thread(target=tcp, daemon=True).start()
    threading.Thread(target=udp, daemon=True).start()
    return t, u


def run(label, kernel_opts=()):
    t, u = echo_servers()
    port = free_port()
    host = '10.0.2.2' if BUILD == 'image' else '127.0.0.1'
    opts = [x for k in kernel_opts for x in ('--kernel-opt', k)]
    cmd = [sys.executable, LAUNCHER, 'run', *(['--host'] if BUILD == 'host' else []), '--timeout', '90',
           *opts, '--net', '--port', str(port), 'netcheck', '--', host, str(t.getsockname()[1]),
           str(u.getsockname()[1])]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=launcher_env(),
                         start_new_session=True)
    out = []
    answered = [None]

    def client():
        for _ in range(100):
            try:
                with socket.create_connection(('127.0.0.1', port), timeout=10) as c:
                    c.sendall(b'hello\n')
                    answered[0] = c.recv(64)
                    return
            except OSError:
                time.sleep(0.1)
    try:
        for line in p.stdout:
            out.append(line)
            if 'netcheck: listening' in line:
                threading.Thread(target=client, daemon=True).start()
        p.wait(30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        t.close()
        u.close()
    text = ''.join(out)
    print(text)
    oks = sum(line.startswith('ok - ') for line in out)
    bad = [line.strip() for line in out if line.startswith('not ok')]
    check(p.returncode == 0 and not bad and oks >= 30,
          f'{label}: every socket check passed ({oks} ok, {len(bad)} not ok: {bad[:3]}; exit {p.returncode})')
    check(answered[0] == b'bye\n', f'{label}: the host reached the app\'s listener and got its answer')
    return text


if BUILD == 'image':
    text = run('DHCP')
    check('(dhcp)' in text and '10.0.2.15' in text, 'DHCP: the console shows the leased address')
    text = run('static ip=', ['ip=10.0.2.42/24', 'gw=10.0.2.2'])
    check('10.0.2.42' in text and '(static)' in text, 'static: the console shows ip=10.0.2.42 (static)')
else:
    run('hostbuild')
