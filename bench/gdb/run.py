#!/usr/bin/env python3
"""bench/gdb: the same gdb session against Lucent's stub and against QEMU's
built-in gdbstub, on the same image in one run, timed from inside gdb.

  bench/gdb/run.py [--rounds 5] [--uart] [--kernel-opt K=V] [STEPS]
  bench/gdb/run.py --core      (instructions per packet, callgrind)
                   (LUCENT_BUILD_ROOT picks the build; default build/)

The session, once stopped at main(): STEPS (default 1000) `stepi`, `info
threads`, and a 64 KiB memory read (`dump binary memory`). Our stub runs
in the guest and talks over the lucent.gdb virtio-serial port, as
`lucent run --gdb` sets it up (--uart: also over the COM2 fallback, in a
third column); QEMU's runs in the emulator and reads guest state directly,
so it is the natural floor. Prints the times and the ratio ours/QEMU
(goal: <= 1.0).
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build'))
IMAGE = os.path.join(BUILD, 'image', 'gdb-demo')
QEMU = os.environ.get('LUCENT_QEMU', 'qemu-system-x86_64')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f'QEMU exited early ({proc.returncode})')
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit('QEMU never listened')


def qemu(port_args, append, console):
    # The launcher's machine (tools/launcher/qemu.py, Run.qemu_cmd), TCG.
    return subprocess.Popen([QEMU, '-machine', 'pc,accel=tcg', '-cpu', 'max', '-m', '64M', '-nodefaults',
                             '-no-reboot', '-display', 'none', '-kernel', IMAGE, '-append', append,
                             '-serial', f'file:{console}',
                             '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'] + port_args,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def session(port, steps, to_main):
    """gdb's output; the timed part prints `BENCH name seconds`."""
    script = f'''
set pagination off
set confirm off
target remote 127.0.0.1:{port}
{to_main}
python
import time
def timed(name, fn):
    t = time.monotonic(); fn(); print("BENCH %s %.4f" % (name, time.monotonic() - t))
def steps():
    for _ in range({steps}):
        gdb.execute("stepi", to_string=True)
timed("stepi", steps)
timed("info_threads", lambda: gdb.execute("info threads", to_string=True))
timed("read_64k", lambda: gdb.execute("dump binary memory /dev/null 0x100000 0x110000"))
end
kill
'''
    with tempfile.NamedTemporaryFile('w', suffix='.gdb', delete=False) as f:
        f.write(script)
    try:
        r = subprocess.run(['gdb', '-nx', '-batch', '-x', f.name, IMAGE], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=600)
    finally:
        os.unlink(f.name)
    got = {k: float(v) for k, v in re.findall(r'^BENCH (\w+) ([\d.]+)$', r.stdout, re.M)}
    if len(got) != 3:
        sys.stderr.write(r.stdout)
        raise SystemExit('gdb session failed')
    return got


def run(kind, steps, kernel_opts=()):
    port = free_port()
    with tempfile.NamedTemporaryFile(suffix='.console') as console:
        if kind == 'lucent':
            # The launcher's arguments for --gdb (tools/launcher/channels.py).
            proc = qemu(['-device', 'virtio-serial-pci,id=vser,disable-legacy=on,ioeventfd=off', '-chardev',
                         f'socket,id=gdb,host=127.0.0.1,port={port},server=on,wait=off,nodelay=on',
                         '-device', 'virtserialport,bus=vser.0,chardev=gdb,name=lucent.gdb'],
                        ' '.join(['gdb=on,wait'] + list(kernel_opts)) + ' -- loop', console.name)
            to_main = ''  # gdb=wait: already stopped at main()
        elif kind == 'uart':
            proc = qemu(['-serial', f'tcp:127.0.0.1:{port},server=on,wait=off,nodelay=on'], 'gdb=on,wait -- loop',
                        console.name)
            to_main = ''  # gdb=wait: already stopped at main()
        else:
            proc = qemu(['-gdb', f'tcp:127.0.0.1:{port}', '-S'], '-- loop', console.name)
            to_main = 'hbreak main\ncontinue\ndelete'  # -S stops at the PVH entry
        try:
            wait_port(port, proc)
            return session(port, steps, to_main)
        finally:
            proc.kill()
            proc.wait()


def core_counts():
    """Instructions per packet in the protocol core (bench-gdbcore, hostbuild,
    fake target), from callgrind: two runs of different lengths, differenced,
    so start-up cancels out."""
    exe = os.path.join(BUILD, 'host', 'bench-gdbcore')
    if not os.path.isfile(exe):
        raise SystemExit(f'{exe} not built (ninja -C {BUILD}/host bench-gdbcore)')

    def refs(packet, count):
        r = subprocess.run(['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null', exe, packet,
                            str(count)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        m = re.search(r'refs:\s*([\d,]+)', r.stdout)
        if r.returncode != 0 or not m:
            raise SystemExit(f'bench-gdbcore {packet} failed:\n{r.stdout}')
        return int(m.group(1).replace(',', ''))

    print('bench/gdb --core: instructions per packet in the protocol core (callgrind, fake target)')
    for packet, what in (('m64', 'm: read 64 bytes'), ('g', 'g: all registers'),
                         ('threads', 'qXfer:threads (3 threads)'), ('stop', 'T stop reply'),
                         ('step', 'vCont;s')):
        print(f'  {what:28} {(refs(packet, 2000) - refs(packet, 1000)) / 1000:8.0f}')
    return 0


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('steps', nargs='?', type=int, default=1000)
    p.add_argument('--rounds', type=int, default=5,
                   help='sessions per stub, interleaved (default 5); the figures are medians')
    p.add_argument('--uart', action='store_true', help='also time the COM2 fallback')
    p.add_argument('--kernel-opt', action='append', default=[], metavar='K=V',
                   help='a kernel option for our image (e.g. gdbspin=0), for comparisons')
    p.add_argument('--core', action='store_true',
                   help='instead: instructions per packet in the protocol core, under callgrind')
    a = p.parse_args()
    if a.core:
        return core_counts()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import need  # bench/need.py
    need.command('bench/gdb', 'gdb', 'gdb')
    need.command('bench/gdb', QEMU, 'qemu-system-x86')
    if not os.path.isfile(IMAGE):
        raise SystemExit(f'{IMAGE} not built (ninja -C {BUILD}/image gdb-demo)')
    kinds = ['lucent', 'qemu'] + (['uart'] if a.uart else [])
    runs = {k: [] for k in kinds}
    print(f'load average before: {os.getloadavg()[0]:.2f}', flush=True)
    for r in range(a.rounds):
        # Alternate who goes first, so a drift in the host's load falls on both.
        for k in (kinds if r % 2 == 0 else kinds[::-1]):
            runs[k].append(run(k, a.steps, a.kernel_opt))
        t = {k: sum(runs[k][-1].values()) for k in kinds}
        print(f'  round {r + 1}: lucent {t["lucent"]:.3f}s, qemu {t["qemu"]:.3f}s, '
              f'ratio {t["lucent"] / t["qemu"]:.2f}', flush=True)
    med = {k: {n: median([x[n] for x in runs[k]]) for n in runs[k][0]} for k in kinds}
    ratios = [sum(o.values()) / sum(q.values()) for o, q in zip(runs['lucent'], runs['qemu'])]
    print(f'bench/gdb: gdb-demo under QEMU TCG, the same gdb session against each stub, '
          f'medians of {a.rounds} interleaved rounds')
    extra = f' {"lucent COM2":>12} {"ratio":>7}' if a.uart else ''
    print(f'  {"":22} {"lucent stub":>12} {"qemu -gdb":>12} {"ratio":>7}{extra}')
    for k, label in (('stepi', f'{a.steps} x stepi'), ('info_threads', 'info threads'),
                     ('read_64k', '64 KiB memory read')):
        o, q = med['lucent'][k], med['qemu'][k]
        extra = f' {med["uart"][k]:11.3f}s {med["uart"][k] / q:7.2f}' if a.uart else ''
        print(f'  {label:22} {o:11.3f}s {q:11.3f}s {o / q:7.2f}{extra}')
    to, tq = (median([sum(x.values()) for x in runs[k]]) for k in ('lucent', 'qemu'))
    print(f'  {"total":22} {to:11.3f}s {tq:11.3f}s {to / tq:7.2f}')
    print(f'  per-round ratios: {" ".join(f"{x:.2f}" for x in ratios)} (range {min(ratios):.2f}-{max(ratios):.2f}, '
          f'median {median(ratios):.2f}; goal <= 1.0)')
    print(f'  {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, load average after {os.getloadavg()[0]:.2f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
