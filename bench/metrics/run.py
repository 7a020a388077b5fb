#!/usr/bin/env python3
"""bench/metrics: metric update cost and scrape latency, hostbuild and image
side by side (README.md has the figures and what they mean).

  bench/metrics/run.py [--scrapes N] [--skip-image]

Builds are found through $LUCENT_BUILD_ROOT (default build/): host/ and
image/, each with bench-metrics built (ninja -C BUILD/host bench-metrics).
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BROOT = os.path.abspath(os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build')))
LAUNCHER = os.path.join(ROOT, 'tools', 'lucent')
ENV = dict(os.environ, LUCENT_BUILD_ROOT=BROOT)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def increments(build):
    """ns/op for each loop, best of 5."""
    if build == 'host':
        out = subprocess.run([os.path.join(BROOT, 'host', 'bench-metrics'), 'inc', '10000000'],
                             capture_output=True, text=True, timeout=300).stdout
    else:
        out = subprocess.run([sys.executable, LAUNCHER, 'run', '--quiet', '--timeout', '300', 'bench-metrics',
                              '--', 'inc', '1000000'], capture_output=True, text=True, timeout=400, env=ENV).stdout
    return {m.group(1): float(m.group(2)) for m in re.finditer(r'(\w+)\s+([\d.]+) ns/op', out)}


def instructions():
    """Instructions per op under callgrind (hostbuild; the loop alone)."""
    exe, n, res = os.path.join(BROOT, 'host', 'bench-metrics'), 1000000, {}
    for kind in ('atomic', 'counter', 'percpu', 'histogram'):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run(['valgrind', '--tool=callgrind', f'--callgrind-out-file={d}/cg',
                                f'--toggle-collect=loop_{kind}', exe, 'loop', kind, str(n)],
                               capture_output=True, text=True, timeout=600, env=dict(ENV, LUCENT_METRICS='off'))
            m = re.search(r'Collected : (\d+)', r.stderr)
            res[kind] = int(m.group(1)) / n if m else None
    return res


class Serving:
    """bench-metrics serve N through the launcher, with its run directory."""

    def __init__(self, build, series):
        self.dir = tempfile.mkdtemp(prefix='bench-metrics-')
        host = ['--host'] if build == 'host' else []
        self.proc = subprocess.Popen([sys.executable, LAUNCHER, 'run', *host, '--run-dir', self.dir,
                                      'bench-metrics', '--', 'serve', str(series)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV,
                                     start_new_session=True)
        deadline = time.monotonic() + 120
        for line in self.proc.stdout:
            if line.strip() == 'ready' or time.monotonic() > deadline:
                break
        self.sock = os.path.join(self.dir, 'lucent.metrics.sock')

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait()
        subprocess.run(['rm', '-rf', self.dir])


def read_reply(s, buf):
    while b'\n' not in buf:
        buf += s.recv(1 << 20)
    head, buf = buf.split(b'\n', 1)
    n = int(head.split()[2])
    while len(buf) < n:
        buf += s.recv(1 << 20)
    return head, buf[:n], buf[n:]


def channel_scrapes(srv, n):
    """Round trips of `metrics SEQ` on one connection: the guest's side."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(srv.sock)
    buf, times, body = b'', [], b''
    for i in range(1, n + 1):
        t0 = time.perf_counter()
        s.sendall(b'metrics %d\n' % i)
        head, body, buf = read_reply(s, buf)
        times.append(time.perf_counter() - t0)
        assert head.startswith(b'ok %d ' % i), head
    s.close()
    series = sum(1 for line in body.split(b'\n') if line and not line.startswith(b'#'))
    return times, series, len(body)


def http_scrapes(srv, n):
    """GET /metrics through the bridge: a connection to the guest per scrape."""
    bridge = os.path.join(BROOT, 'host', 'tools', 'metrics-bridge', 'lucent-metrics-bridge')
    with tempfile.TemporaryDirectory() as d:
        pf = os.path.join(d, 'port')
        b = subprocess.Popen([bridge, '--port', '0', '--timeout', '2000', '--port-file', pf, srv.dir],
                             stdout=subprocess.DEVNULL)
        while not os.path.exists(pf):
            time.sleep(0.02)
        time.sleep(0.05)
        url = f'http://127.0.0.1:{int(open(pf).read())}/metrics'
        times, down = [], 0
        for _ in range(n):
            t0 = time.perf_counter()
            body = urllib.request.urlopen(url, timeout=10).read()
            times.append(time.perf_counter() - t0)
            down += b'lucent_bridge_guest_up 0' in body
        b.terminate()
        b.wait()
    return times, down


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--scrapes', type=int, default=300)
    ap.add_argument('--series', type=int, default=1000)
    ap.add_argument('--skip-image', action='store_true')
    a = ap.parse_args()
    builds = ['host'] + ([] if a.skip_image else ['image'])
    inc = {b: increments(b) for b in builds}
    ir = instructions()
    print('== update cost (ns/op best of 5; instructions/op: callgrind, hostbuild) ==')
    print(f'{"":22}{"host ns":>10}{"image ns (TCG)":>16}{"host instr":>12}')
    names = {'atomic': 'plain atomic add', 'counter': 'lu_counter_inc', 'percpu': 'lu_counter_percpu_inc',
             'histogram': 'lu_histogram_observe'}
    for k, label in names.items():
        img = inc.get('image', {}).get(k)
        print(f'{label:22}{inc["host"].get(k, 0):>10.2f}{img if img is not None else float("nan"):>16.2f}'
              f'{ir[k] if ir[k] is not None else float("nan"):>12.1f}')
    print(f'counter / atomic: {inc["host"]["counter"] / inc["host"]["atomic"]:.2f}x ns (host), '
          f'{ir["counter"] / ir["atomic"]:.2f}x instructions')
    print(f'\n== scrape latency, {a.series} series ({a.scrapes} scrapes each) ==')
    print(f'{"":34}{"host p50":>10}{"p99":>9}{"image p50":>11}{"p99":>9}   (ms)')
    rows = {}
    for b in builds:
        srv = Serving(b, a.series)
        try:
            ch, series, size = channel_scrapes(srv, a.scrapes)
            ht, down = http_scrapes(srv, a.scrapes if b == 'host' else a.scrapes // 3)
        finally:
            srv.stop()
        rows[b] = (ch, ht, down, series, size)
    for i, label in enumerate(['guest, over lucent.metrics', 'HTTP GET through the bridge']):
        cells = ''
        for b in ('host', 'image'):
            if b in rows:
                xs = rows[b][i]
                cells += f'{pct(xs, 50) * 1e3:>10.2f}{pct(xs, 99) * 1e3:>9.2f}' if b == 'host' else \
                         f'{pct(xs, 50) * 1e3:>11.2f}{pct(xs, 99) * 1e3:>9.2f}'
        print(f'{label:34}{cells}')
    for b in rows:
        print(f'{b}: {rows[b][3]} series, {rows[b][4]} bytes per exposition; '
              f'bridge scrapes that found the guest down: {rows[b][2]}')


if __name__ == '__main__':
    main()
