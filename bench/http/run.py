#!/usr/bin/env python3
"""bench/http: apps/httpd under wrk, as an image under QEMU, as a Linux
process, and against a Linux guest (Debian's kernel with busybox httpd and
nginx) on the same QEMU, accelerator and user network, serving the same
1 KiB file.

  bench/http/run.py [--duration S] [--connections N] [--warmup S] [--rounds N]
                    [--kernel-opt K=V] [--skip-linux] [--skip-host] [--skip-mem]

Each round boots the image and the Linux guest twice (QEMU's default CPU
model, and the image's model: -cpu max under TCG, -cpu host under KVM), in
an order that rotates from round to round, and runs wrk against every
server in two modes: keep-alive (wrk's default) and a new connection per
request (`Connection: close`). Requests/s are the good answers only: wrk's
non-2xx answers and socket errors (connect, read, write, timeout) are
subtracted from its count. Every round's image ÷ guest ratio is printed,
per server and mode, then the range over rounds. The accelerator is chosen
once (LUCENT_ACCEL, or the launcher's KVM probe) and given to both sides.
Build trees come from LUCENT_BUILD_ROOT (default build/); the Linux guest
is assembled in BUILD/linux-guest (bench/http/linux_guest.py).
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.abspath(os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build')))
os.environ['LUCENT_BUILD_ROOT'] = BUILD
LAUNCHER = os.path.join(ROOT, 'tools', 'lucent')
QEMU = os.environ.get('LUCENT_QEMU', 'qemu-system-x86_64')
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, 'tools'))  # the launcher package
import need  # noqa: E402  bench/need.py
import linux_guest  # noqa: E402

WHO = 'bench/http'
# wrk's done() hook: the latency tail that --latency does not print (99.9%,
# max, the share of requests slower than 1 s), in microseconds.
WRK_LUA = """
done = function(summary, latency, requests)
  local over = 0
  if latency.max > 1000000 then
    local lo, hi = 0.0, 100.0
    for i = 1, 40 do
      local mid = (lo + hi) / 2
      if latency:percentile(mid) > 1000000 then hi = mid else lo = mid end
    end
    over = 100 - hi
  end
  io.write(string.format("lucent-tail p999=%d max=%d over1s=%.4f\\n",
           latency:percentile(99.9), latency.max, over))
end
"""


def load_launcher():
    """The launcher's boot (Run, kvm_usable), imported after LUCENT_BUILD_ROOT is set."""
    from launcher import qemu
    return qemu


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_http(url, timeout, proc):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read()
        except OSError:
            time.sleep(0.2)
    return None


def start(cmd, urls, env, timeout=90):
    """Starts @cmd and waits until every URL answers; (proc, first body) or (None, None)."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                         env=dict(os.environ, **env))
    bodies = [wait_http(u, timeout, p) for u in urls]
    if any(b is None for b in bodies):
        stop(p)
        return None, None
    return p, bodies[0]


def stop(p):
    if p and p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def _us(value, unit):
    return float(value) * {'us': 1, 'ms': 1e3, 's': 1e6, 'm': 60e6, 'h': 3600e6}[unit]


def parse_wrk(out):
    """wrk's text output -> counts; good = answered 2xx/3xx, minus every socket error."""
    done = re.search(r'(\d+) requests in ([\d.]+)(us|ms|s|m|h)\b', out)
    if not done:
        return None
    requests, secs = int(done.group(1)), _us(done.group(2), done.group(3)) / 1e6
    errs = dict.fromkeys(('connect', 'read', 'write', 'timeout'), 0)
    m = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', out)
    if m:
        errs = dict(zip(errs, map(int, m.groups())))
    non2xx = int((re.search(r'Non-2xx or 3xx responses: (\d+)', out) or [0, 0])[1])
    lat = {p: _us(v, u) / 1e3 for p, v, u in re.findall(r'^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$', out, re.M)}
    tail = re.search(r'lucent-tail p999=(\d+) max=(\d+) over1s=([\d.]+)', out)
    good = max(0, requests - non2xx - sum(errs.values()))
    return {'requests': requests, 'secs': secs, 'non2xx': non2xx, 'errors': errs, 'good': good,
            'rps': good / secs if secs else 0.0, 'raw_rps': requests / secs if secs else 0.0,
            'p50': lat.get('50'), 'p99': lat.get('99'),
            'p999': int(tail.group(1)) / 1e3 if tail else None, 'max': int(tail.group(2)) / 1e3 if tail else None,
            'over1s': float(tail.group(3)) if tail else None}


def wrk(url, duration, conns, close, script):
    cmd = ['wrk', '-t1', f'-c{conns}', f'-d{duration}s', '--latency', '--timeout', '10s', '-s', script]
    if close:
        cmd += ['-H', 'Connection: close']
    out = subprocess.run(cmd + [url], capture_output=True, text=True).stdout
    r = parse_wrk(out)
    if r is None:
        sys.exit(f'{WHO}: could not read wrk\'s output:\n{out}')
    return r


def fmt(r):
    e = r['errors']
    errs = ', '.join(f'{k} {v}' for k, v in e.items() if v)
    bad = (f'  [{r["requests"]} answers, non-2xx {r["non2xx"]}{", " + errs if errs else ""}: '
           f'{r["raw_rps"]:.0f}/s before subtracting]') if r['good'] != r['requests'] else ''
    ms = lambda v: f'{v:8.1f}' if v is not None else '       ?'  # noqa: E731
    return (f'{r["rps"]:9.0f} req/s  p50 {ms(r["p50"])}  p99 {ms(r["p99"])}  p99.9 {ms(r["p999"])}  '
            f'max {ms(r["max"])} ms  >1s {r["over1s"] or 0:.3f}%{bad}')


def spread(values, f='{:.0f}'):
    if not values:
        return '-'
    lo, hi = min(values), max(values)
    med = statistics.median(values)
    return (f.format(lo) if lo == hi else f'{f.format(lo)}-{f.format(hi)}') + f' (median {f.format(med)})'


def smallest_mem(env):
    """The smallest --mem (MiB) at which the image boots and serves /1k."""
    best = None
    for mb in (64, 32, 16, 12, 8, 6, 5, 4, 3, 2):
        port = free_port()
        p, body = start([sys.executable, LAUNCHER, 'run', '--quiet', '--mem', f'{mb}M', '--net', '--port', str(port),
                         'httpd'], [f'http://127.0.0.1:{port}/1k'], env, timeout=30)
        stop(p)
        if body is None or len(body) != 1024:
            break
        best = mb
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--duration', type=int, default=10)
    ap.add_argument('--connections', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=3, help='seconds of wrk, not counted, before each server')
    ap.add_argument('--rounds', type=int, default=1, help='image and Linux guests measured this many times')
    ap.add_argument('--kernel-opt', action='append', default=[], metavar='K=V', help='for the image (repeatable)')
    ap.add_argument('--skip-linux', action='store_true')
    ap.add_argument('--skip-host', action='store_true')
    ap.add_argument('--skip-mem', action='store_true')
    a = ap.parse_args()
    need.command(WHO, 'wrk', 'wrk')
    need.command(WHO, QEMU, 'qemu-system-x86')
    need.command(WHO, 'strip', 'binutils')
    image = os.path.join(BUILD, 'image', 'httpd')
    host = os.path.join(BUILD, 'host', 'httpd')
    for f in (image, host):
        if not os.path.isfile(f):
            sys.exit(f'{WHO}: {f} not built (ninja -C {os.path.dirname(f)} httpd)')
    L = load_launcher()
    accel = os.environ.get('LUCENT_ACCEL') or ('kvm' if L.kvm_usable() else 'tcg')
    if accel not in ('kvm', 'tcg'):
        sys.exit(f'{WHO}: LUCENT_ACCEL={accel}: use kvm or tcg')
    image_cpu = 'max' if accel == 'tcg' else 'host'  # what Run.qemu_cmd (tools/launcher/qemu.py) gives the image
    # QEMU's hostfwd listens with a backlog of 1; `lucent run --net` preloads
    # tools/qemu-backlog into QEMU to lift it, and the Linux guest's QEMU
    # gets the same, so both sit behind the same front door.
    from launcher import net as lucent_net
    shim = lucent_net.backlog_shim_path()
    env = {'LUCENT_ACCEL': accel}
    guest_env = dict(env, LD_PRELOAD=shim) if os.path.exists(shim) else dict(env)
    tmp = tempfile.mkdtemp(prefix='bench-http-')
    script = os.path.join(tmp, 'tail.lua')
    with open(script, 'w') as f:
        f.write(WRK_LUA)
    print(f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}; load average before: '
          f'{" ".join(f"{x:.2f}" for x in os.getloadavg())}; QEMU listen backlog shim: '
          f'{"yes" if os.path.exists(shim) else "no (not built)"}')
    print(f'accelerator: {accel.upper()} for the image and the Linux guest alike; image -cpu {image_cpu} '
          f'{" ".join(a.kernel_opt)}; Linux guest -m 128M on QEMU\'s default CPU model and on -cpu {image_cpu}')
    print(f'wrk -t1 -c{a.connections} -d{a.duration}s --timeout 10s, GET /1k (1024 bytes), after {a.warmup} s '
          'of uncounted load; req/s = good answers only (non-2xx and socket errors subtracted)', flush=True)
    results = {}   # (target, mode) -> [result per round]

    def measure(name, url, rnd):
        if a.warmup:
            wrk(url, a.warmup, a.connections, True, script)
        for close in (False, True):
            mode = 'close' if close else 'keep-alive'
            r = wrk(url, a.duration, a.connections, close, script)
            results.setdefault((name, mode), {})[rnd] = r
            print(f'  {name:26} {mode:10} {fmt(r)}', flush=True)

    body = None
    if not a.skip_host or not a.skip_linux:
        port = free_port()
        p, body = start([host, '--port', str(port)], [f'http://127.0.0.1:{port}/1k'], {})
        if body is None:
            sys.exit(f'{WHO}: the hostbuild httpd did not come up')
        if not a.skip_host:
            measure('hostbuild', f'http://127.0.0.1:{port}/1k', 0)
        stop(p)
    kernel = initrd = None
    if not a.skip_linux:
        work = os.path.join(BUILD, 'linux-guest')
        kernel = linux_guest.kernel(work)
        initrd = linux_guest.initrd(work, body)

    def run_image(rnd):
        port = free_port()
        cmd = [sys.executable, LAUNCHER, 'run', '--quiet', '--net', '--port', str(port)]
        cmd += [x for k in a.kernel_opt for x in ('--kernel-opt', k)] + ['httpd']
        p, _ = start(cmd, [f'http://127.0.0.1:{port}/1k'], env)
        if p is None:
            print('  image: did not come up', flush=True)
            return
        measure('image', f'http://127.0.0.1:{port}/1k', rnd)
        stop(p)

    def run_guest(model, rnd):
        ports = {srv: free_port() for srv in linux_guest.PORTS}
        fwd = ','.join(f'hostfwd=tcp:127.0.0.1:{ports[s]}-:{g}' for s, g in linux_guest.PORTS.items())
        console = os.path.join(tmp, f'console-{model}-{rnd}.log')
        cmd = [QEMU, '-machine', f'pc,accel={accel}'] + ([] if model == 'default' else ['-cpu', model])
        cmd += ['-m', '128M', '-nodefaults', '-no-reboot', '-display', 'none', '-serial', f'file:{console}',
                '-kernel', kernel, '-initrd', initrd, '-append', 'console=ttyS0 quiet panic=-1',
                '-netdev', f'user,id=n0,{fwd}', '-device', 'virtio-net-pci,netdev=n0']
        urls = {s: f'http://127.0.0.1:{ports[s]}/1k' for s in linux_guest.PORTS}
        p, _ = start(cmd, list(urls.values()), guest_env)
        label = f'linux-{"default-cpu" if model == "default" else "cpu-" + model}'
        if p is None:
            last = open(console, errors='replace').read().strip().splitlines()[-5:] if os.path.exists(console) else []
            print(f'  {label}: did not come up; console ends:\n    ' + '\n    '.join(last), flush=True)
            return
        for srv, url in urls.items():
            measure(f'{label}/{srv}', url, rnd)
        stop(p)

    targets = [('image', None)] + ([('guest', 'default'), ('guest', image_cpu)] if kernel else [])
    for rnd in range(a.rounds):
        order = targets[rnd % len(targets):] + targets[:rnd % len(targets)]
        print(f'round {rnd + 1} of {a.rounds} ({time.strftime("%H:%M:%S")}, load {os.getloadavg()[0]:.2f})',
              flush=True)
        for kind, model in order:
            run_image(rnd) if kind == 'image' else run_guest(model, rnd)
        for mode in ('keep-alive', 'close'):
            img = results.get(('image', mode), {}).get(rnd)
            ratios = [f'{t.split("linux-", 1)[1]} {img["rps"] / r[rnd]["rps"]:.2f}'
                      for (t, m), r in results.items()
                      if m == mode and t.startswith('linux-') and rnd in r and img and r[rnd]['rps']]
            if ratios:
                print(f'  image / linux guest, {mode}: ' + ', '.join(ratios) + ' x', flush=True)

    print(f'\nover {a.rounds} round(s): good req/s, range (median); p99 and max latency, range in ms')
    for (t, mode), by_round in results.items():
        rs = list(by_round.values())
        p99 = [r['p99'] for r in rs if r['p99'] is not None]
        mx = [r['max'] for r in rs if r['max'] is not None]
        lost = sum(r['requests'] - r['good'] for r in rs)
        print(f'  {t:26} {mode:10} {spread([r["rps"] for r in rs]):28} p99 {spread(p99, "{:.1f}"):26} '
              f'max {spread(mx, "{:.0f}"):22} subtracted {lost}')
    for mode in ('keep-alive', 'close'):
        img = results.get(('image', mode), {})
        for (t, m), by_round in results.items():
            if m != mode or not t.startswith('linux-'):
                continue
            rs = [img[i]['rps'] / by_round[i]['rps'] for i in sorted(by_round) if i in img and by_round[i]['rps']]
            if rs:
                print(f'  image / {t:26} {mode:10} per round: {" ".join(f"{x:.2f}" for x in rs)}  '
                      f'-> {spread(rs, "{:.2f}")}')
    if kernel:
        print(f'linux guest: {os.path.getsize(kernel)} bytes kernel + {os.path.getsize(initrd)} bytes initrd')
    print(f'load average after: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    stripped = os.path.join(tmp, 'httpd')
    subprocess.run(['strip', '-o', stripped, image], check=True)
    print(f'image size: {os.path.getsize(image)} bytes ({os.path.getsize(stripped)} stripped)')
    if not a.skip_mem:
        print(f'smallest --mem that boots and serves: {smallest_mem(env)} MiB')
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
