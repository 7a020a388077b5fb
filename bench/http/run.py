#!/usr/bin/env python3
"""bench/http: apps/httpd under wrk, as an image under QEMU, as a Linux
process, and against a Linux guest (Debian's kernel + busybox httpd) on the
same QEMU, serving the same 1 KiB file through the same user network.

  bench/http/run.py [--duration S] [--connections N] [--warmup S] [--rounds N] [--skip-linux] [--skip-mem]

Prints requests/s and p99 latency per target in two modes: keep-alive
(wrk's default) and a new connection per request (`Connection: close`;
busybox httpd only does this), the image ÷ Linux-guest ratio for the mode
both support, the image size, and the smallest --mem at which httpd boots
and serves. With --rounds N the image and the Linux guest are measured N
times, alternately, and each round's ratio is printed with their median.
The load average is printed before and after: the figures are only as quiet
as the machine. Build trees come from LUCENT_BUILD_ROOT (default build/).
The Linux guest is assembled in BUILD/linux-guest from Debian packages
(`apt-get download linux-image-amd64's kernel`, busybox-static).
"""
import argparse
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build')))
LAUNCHER = os.path.join(ROOT, 'tools', 'lucent')
QEMU = os.environ.get('LUCENT_QEMU', 'qemu-system-x86_64')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_http(url, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read()
        except OSError:
            time.sleep(0.2)
    return None


def start(cmd, url, timeout=90, env=None):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                         env=dict(os.environ, LUCENT_BUILD_ROOT=BUILD, **(env or {})))
    body = wait_http(url, timeout)
    if body is None:
        stop(p)
        return None, None
    return p, body


def stop(p):
    if p and p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def wrk(url, duration, conns, close):
    cmd = ['wrk', '-t1', f'-c{conns}', f'-d{duration}s', '--latency', '--timeout', '10s']
    if close:
        cmd += ['-H', 'Connection: close']
    out = subprocess.run(cmd + [url], capture_output=True, text=True).stdout
    rps = re.search(r'Requests/sec:\s+([\d.]+)', out)
    p99 = re.search(r'99%\s+([\d.]+)(us|ms|s)\b', out)
    errs = re.search(r'Socket errors: (.*)', out)
    non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    ms = None
    if p99:
        ms = float(p99.group(1)) * {'us': 0.001, 'ms': 1, 's': 1000}[p99.group(2)]
    return {'rps': float(rps.group(1)) if rps else 0.0, 'p99_ms': ms,
            'errors': (errs.group(1) if errs else '') + (f' non-2xx {non2xx.group(1)}' if non2xx else '')}


def linux_guest(work):
    """Kernel and initramfs for the Linux guest, built once in @work."""
    kernel = sorted(glob.glob(os.path.join(work, 'root/boot/vmlinuz-*')))
    if not kernel:
        os.makedirs(work, exist_ok=True)
        dep = subprocess.run(['apt-cache', 'depends', 'linux-image-amd64'], capture_output=True, text=True).stdout
        pkg = re.search(r'Depends: (linux-image-\S+)', dep).group(1)
        subprocess.run(['apt-get', 'download', pkg], cwd=work, check=True, capture_output=True)
        deb = glob.glob(os.path.join(work, pkg + '_*.deb'))[0]
        subprocess.run(['dpkg', '-x', deb, os.path.join(work, 'root')], check=True)
        kernel = sorted(glob.glob(os.path.join(work, 'root/boot/vmlinuz-*')))
    initrd = os.path.join(work, 'initrd.cpio.gz')
    if not os.path.exists(initrd):
        build_initrd(work, initrd)
    return kernel[-1], initrd


def build_initrd(work, out):
    busybox = shutil.which('busybox')
    if not busybox or 'static' not in subprocess.run(['file', busybox], capture_output=True, text=True).stdout:
        sys.exit('bench/http: needs busybox-static (apt-get install busybox-static)')
    moddir = glob.glob(os.path.join(work, 'root/lib/modules/*'))[0]
    # A .deb carries no modules.dep (depmod makes it on install): ask
    # modinfo for each module's dependencies instead.
    deps, by_name = {}, {}
    for path in glob.glob(os.path.join(moddir, 'kernel/**/*.ko'), recursive=True):
        by_name[os.path.basename(path)[:-3].replace('-', '_')] = os.path.relpath(path, moddir)
    wanted = ['virtio_net', 'virtio_pci']
    while wanted:
        name = wanted.pop()
        rel = by_name[name]
        if rel in deps:
            continue
        info = subprocess.run(['modinfo', '-F', 'depends', os.path.join(moddir, rel)], capture_output=True,
                              text=True).stdout.strip()
        names = [d.replace('-', '_') for d in info.split(',') if d]
        deps[rel] = [by_name[d] for d in names]
        wanted += names
    order = []

    def want(m):
        for d in deps[m]:
            want(d)
        if m not in order:
            order.append(m)
    for m in deps:
        if m.endswith(('/virtio_net.ko', '/virtio_pci.ko')):
            want(m)
    tree = os.path.join(work, 'initrd')
    shutil.rmtree(tree, ignore_errors=True)
    for d in ('bin', 'proc', 'sys', 'dev', 'www', 'mod'):
        os.makedirs(os.path.join(tree, d))
    shutil.copy(busybox, os.path.join(tree, 'bin/busybox'))
    for m in order:
        shutil.copy(os.path.join(moddir, m), os.path.join(tree, 'mod'))
    # The same bytes apps/httpd serves at /1k (its content.c), fetched from
    # the hostbuild below and written by main().
    with open(os.path.join(tree, 'init'), 'w') as f:
        f.write('#!/bin/busybox sh\n/bin/busybox --install -s /bin\nmount -t proc proc /proc\n'
                'mount -t sysfs sys /sys\n' +
                ''.join(f'insmod /mod/{os.path.basename(m)}\n' for m in order) +
                'ip link set lo up\nip link set eth0 up\nip addr add 10.0.2.15/24 dev eth0\n'
                'ip route add default via 10.0.2.2\necho READY\nexec httpd -f -p 80 -h /www\n')
    os.chmod(os.path.join(tree, 'init'), 0o755)
    shutil.copy(os.path.join(work, '1k'), os.path.join(tree, 'www/1k'))
    subprocess.run(f'cd {tree} && find . | cpio -o -H newc 2>/dev/null | gzip -9 > {out}', shell=True, check=True)


def smallest_mem(image_port_url):
    """The smallest --mem (MiB) at which the image boots and serves /1k."""
    best = None
    for mb in (64, 32, 16, 12, 8, 6, 5, 4, 3, 2):
        port = free_port()
        p, body = start([sys.executable, LAUNCHER, 'run', '--quiet', '--mem', f'{mb}M', '--net', '--port', str(port),
                         'httpd'], f'http://127.0.0.1:{port}/1k', timeout=30)
        stop(p)
        if body is None or len(body) != 1024:
            break
        best = mb
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--duration', type=int, default=10)
    ap.add_argument('--connections', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=3, help='seconds of wrk, not counted, before each target')
    ap.add_argument('--rounds', type=int, default=1, help='image and Linux guest measured this many times')
    ap.add_argument('--skip-linux', action='store_true')
    ap.add_argument('--skip-mem', action='store_true')
    a = ap.parse_args()
    if not shutil.which('wrk'):
        sys.exit('bench/http: needs wrk (apt-get install wrk)')
    image = os.path.join(BUILD, 'image', 'httpd')
    host = os.path.join(BUILD, 'host', 'httpd')
    for f in (image, host):
        if not os.path.isfile(f):
            sys.exit(f'bench/http: {f} not built (ninja -C {os.path.dirname(f)} httpd)')
    results = {}
    # QEMU's hostfwd listens with a backlog of 1; `lucent run --net` preloads
    # tools/qemu-backlog into QEMU to lift it, and the Linux guest's QEMU
    # gets the same, so both sit behind the same front door.
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    import lucent_net
    shim = lucent_net.backlog_shim_path()
    qemu_env = {'LD_PRELOAD': shim} if os.path.exists(shim) else {}
    print(f'load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; '
          f'QEMU listen backlog shim: {"yes" if qemu_env else "no (not built)"}')

    def bench(name, cmd, url, env=None):
        p, body = start(cmd, url + '1k', env=env)
        if body is None:
            print(f'{name}: did not come up')
            return None
        # A freshly booted guest is still warming up (TCG translating its
        # code, the Linux guest finishing its boot): a few seconds of load
        # first, not counted.
        if a.warmup:
            wrk(url + '1k', a.warmup, a.connections, True)
        for close in (False, True):
            mode = 'close' if close else 'keep-alive'
            r = wrk(url + '1k', a.duration, a.connections, close)
            results.setdefault((name, mode), []).append(r)
            print(f'{name:12} {mode:10} {r["rps"]:9.0f} req/s   p99 {r["p99_ms"] or 0:8.2f} ms  {r["errors"]}',
                  flush=True)
        stop(p)
        return body

    port = free_port()
    print(f'wrk -t1 -c{a.connections} -d{a.duration}s, GET /1k (1024 bytes); QEMU TCG unless KVM is usable')
    body = bench('hostbuild', [host, '--port', str(port)], f'http://127.0.0.1:{port}/')
    kernel = None
    if not a.skip_linux and body:
        work = os.path.join(BUILD, 'linux-guest')
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, '1k'), 'wb') as f:
            f.write(body)
        kernel, initrd = linux_guest(work)
    ratios = []
    for rnd in range(a.rounds):
        if a.rounds > 1:
            print(f'round {rnd + 1} of {a.rounds}')
        port = free_port()
        bench('image', [sys.executable, LAUNCHER, 'run', '--quiet', '--net', '--port', str(port), 'httpd'],
              f'http://127.0.0.1:{port}/')
        if not kernel:
            continue
        port = free_port()
        # The launcher probes whether KVM really works (tools/lucent kvm_usable);
        # an openable /dev/kvm can still fail, so the guest uses TCG unless told.
        accel = 'kvm' if os.environ.get('LUCENT_ACCEL') == 'kvm' else 'tcg'
        cmd = [QEMU, '-machine', f'pc,accel={accel}', '-cpu', 'max', '-m', '128M', '-nodefaults',
               '-no-reboot', '-display', 'none', '-serial', 'null', '-kernel', kernel, '-initrd', initrd,
               '-append', 'console=ttyS0 quiet panic=-1',
               '-netdev', f'user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:80', '-device', 'virtio-net-pci,netdev=n0']
        bench('linux-guest', cmd, f'http://127.0.0.1:{port}/', env=qemu_env)
        img = results.get(('image', 'close'), [None])[-1]
        lin = results.get(('linux-guest', 'close'), [None])[-1]
        if img and lin and lin['rps']:
            ratios.append(img['rps'] / lin['rps'])
            print(f'image / linux-guest (new connection per request): {ratios[-1]:.2f}x requests/s, '
                  f'p99 {img["p99_ms"] or 0:.2f} vs {lin["p99_ms"] or 0:.2f} ms', flush=True)
    if kernel:
        print(f'linux guest: {os.path.getsize(kernel)} bytes kernel + {os.path.getsize(initrd)} bytes initrd')
    if len(ratios) > 1:
        print(f'image / linux-guest over {len(ratios)} rounds: median {sorted(ratios)[len(ratios) // 2]:.2f}x '
              f'(each: {", ".join(f"{r:.2f}" for r in ratios)})')
    print(f'load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}')
    with tempfile.TemporaryDirectory() as d:
        stripped = os.path.join(d, 'httpd')
        subprocess.run(['strip', '-o', stripped, image], check=True)
        print(f'image size: {os.path.getsize(image)} bytes ({os.path.getsize(stripped)} stripped)')
    if not a.skip_mem:
        print(f'smallest --mem that boots and serves: {smallest_mem(None)} MiB')


if __name__ == '__main__':
    main()
