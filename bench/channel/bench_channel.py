#!/usr/bin/env python3
"""Channel throughput (guest -> host, MB/s) and small-message round trips/s,
hostbuild vs image side by side, through the real launcher and apps/chan-echo.

  bench/channel/bench_channel.py [--mb 64] [--rtt 2000]   (LUCENT_BUILD_ROOT picks the builds)
"""
import argparse
import os
import sys
import time
# Run by hand, not by meson: the folders meson's PYTHONPATH gives the tests
# (tests/ for lulib), and tests/integration for chanlib.
_TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests')
sys.path[:0] = [os.path.join(_TESTS, 'integration'), _TESTS]
# tests/lulib.py finds the builds through LUCENT_BUILD_DIR (a test's own
# build dir); a bench is pointed at a tree with LUCENT_BUILD_ROOT, as the
# other benches are.
if os.environ.get('LUCENT_BUILD_ROOT') and not os.environ.get('LUCENT_BUILD_DIR'):
    os.environ['LUCENT_BUILD_DIR'] = os.path.join(os.path.abspath(os.environ['LUCENT_BUILD_ROOT']), 'host')
import chanlib  # noqa: E402


def run(build, mb, n):
    chanlib.BUILD = build
    chanlib.SLOW = 4 if build == 'image' else 1
    os.environ['LUCENT_BUILD'] = build
    try:
        app = chanlib.EchoApp('--source', str(mb << 20), timeout=300)
        app.serving()
    except SystemExit:
        return None
    s = app.connect()
    t0, got = time.monotonic(), 0
    while got < mb << 20:
        b = s.recv(1 << 20)
        if not b:
            break
        got += len(b)
    mbps = got / (time.monotonic() - t0) / 1e6
    if got != mb << 20:
        print(f'{build}: only {got} of {mb << 20} bytes arrived', file=sys.stderr)
    s.close()
    app.finish()
    app = chanlib.EchoApp('--idle', '5', timeout=300).serving()
    s = app.connect()
    s.sendall(b'x')
    s.recv(1)
    t0 = time.monotonic()
    for _ in range(n):
        s.sendall(b'ping')
        chanlib.recv_exact(s, 4)
    rtt = n / (time.monotonic() - t0)
    s.close()
    app.finish()
    return mbps, rtt


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--mb', type=int, default=64)
    p.add_argument('--rtt', type=int, default=2000)
    a = p.parse_args()
    res = {b: run(b, a.mb, a.rtt) for b in ('host', 'image')}
    fmt = lambda r, i, f: f.format(r[i]) if r else 'n/a (no driver)'  # noqa: E731
    print(f'{"":28}{"hostbuild":>20}{"image":>20}')
    print(f'{"guest->host MB/s":28}{fmt(res["host"], 0, "{:.1f}"):>20}{fmt(res["image"], 0, "{:.1f}"):>20}')
    print(f'{"round trips/s (4 B)":28}{fmt(res["host"], 1, "{:.0f}"):>20}{fmt(res["image"], 1, "{:.0f}"):>20}')


if __name__ == '__main__':
    main()
