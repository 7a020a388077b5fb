#!/usr/bin/env python3
"""bench/boot: how long an image takes from QEMU start to its first console
line and to exit, next to the floor: an image that exits at its first
instruction, booted with the same QEMU machine and the same devices.

usage: bench/boot/bench_boot.py [--runs N] [--app hello] [--devices run,net]

The devices are those `lucent run` attaches (tools/launcher/qemu.py, Run.qemu_cmd):
- run: the virtio-serial controller with its four ports (lucent.trace,
  lucent.metrics, lucent.gdb, lucent.test), as every `lucent run` has;
- net: the same plus virtio-net on QEMU's user network with a forwarded
  port, as `lucent run --net` has (and its listen-backlog shim);
- bare: only the debug-exit devices, as this bench measured before.
Floor and image get the same set in each boot pair, the sets alternate
within each run, and the accelerator is the launcher's (printed). Prints
per set the medians and ranges over N runs of the floor's exit, the
image's first line and exit, and their ratios to the floor's exit.
"""
import argparse
import io
import os
import statistics
import subprocess
import sys
import time
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build')))
os.environ['LUCENT_BUILD_ROOT'] = BUILD
sys.path.insert(0, os.path.join(ROOT, 'tools'))


def load_launcher():
    """The launcher's boot (Run, kvm_usable), imported after LUCENT_BUILD_ROOT is set."""
    from launcher import qemu
    return qemu


def boot(L, image, devices):
    """One boot of @image with the device set @devices, as `lucent run` makes it."""
    from launcher import channels as lucent_channels
    from launcher import net as lucent_net
    extra, run_dir = [], None
    if devices in ('run', 'net'):
        run_dir = lucent_channels.RunDir('bench-boot')
        extra = lucent_channels.qemu_args(run_dir, tcg=not L.kvm_usable())
    if devices == 'net':
        a = types.SimpleNamespace(net=True, port=None, net_bind='127.0.0.1', quiet=True, kernel_opt=[])
        extra += lucent_net.setup(a, False, lambda msg: None)[1]
    try:
        run = L.Run(image, [], timeout=30, run_dir=run_dir.path if run_dir else None, extra_qemu=extra).start()
        status = run.stream(out=io.BytesIO())
    finally:
        if run_dir:
            run_dir.close()
    return run.first_line, run.t_exit, status


def ms(values):
    return statistics.median(values) * 1000, min(values) * 1000, max(values) * 1000


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--runs', type=int, default=10)
    p.add_argument('--app', default='hello')
    p.add_argument('--devices', default='run,net', help='comma-separated sets: bare, run, net (default run,net)')
    a = p.parse_args()
    sets = a.devices.split(',')
    if not sets or any(s not in ('bare', 'run', 'net') for s in sets):
        sys.exit(f'bench_boot: --devices {a.devices}: use bare, run and/or net')
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import need  # bench/need.py
    need.command('bench/boot', os.environ.get('LUCENT_QEMU', 'qemu-system-x86_64'), 'qemu-system-x86')
    need.command('bench/boot', 'size', 'binutils')
    L = load_launcher()
    image = os.path.join(BUILD, 'image', a.app)
    floor = os.path.join(BUILD, 'image', 'bench', 'floor')
    for f in (image, floor):
        if not os.path.isfile(f):
            sys.exit(f'bench_boot: {f} not built (ninja -C {os.path.dirname(os.path.dirname(f))})')
    accel = 'KVM' if L.kvm_usable() else 'TCG'
    t = {s: {'floor': [], 'first': [], 'exit': []} for s in sets}
    for _ in range(a.runs):
        for s in sets:
            _, te, _ = boot(L, floor, s)
            t[s]['floor'].append(te)
            f, te, status = boot(L, image, s)
            if status != 0:
                sys.exit(f'bench_boot: {a.app} exited {status} ({s} devices)')
            if f is None:
                sys.exit(f'bench_boot: {a.app} printed no line ({s} devices)')
            t[s]['first'].append(f)
            t[s]['exit'].append(te)
    print(f'boot benchmark: {a.app} vs floor, QEMU -machine pc under {accel}, {a.runs} runs, '
          f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, load {os.getloadavg()[0]:.2f} after')
    names = {'bare': 'no devices but debug-exit', 'run': 'devices of `lucent run`',
             'net': 'devices of `lucent run --net`'}
    for s in sets:
        fl, fi, ex = t[s]['floor'], t[s]['first'], t[s]['exit']
        print(f'  {names[s]}: median (range) over {a.runs} runs')
        print('    floor exit (exit at first instruction): {:7.1f} ms ({:.1f}-{:.1f})'.format(*ms(fl)))
        for label, vals in (('first console line', fi), ('exit', ex)):
            pair = [v / f for v, f in zip(vals, fl)]
            print('    {:20} {:7.1f} ms ({:.1f}-{:.1f})'.format(f'{a.app} {label}', *ms(vals)) +
                  f'   median / floor median {statistics.median(vals) / statistics.median(fl):.3f}, '
                  f'per run {min(pair):.3f}-{max(pair):.3f}')
    size = subprocess.run(['size', '-A', image], capture_output=True, text=True).stdout
    sec = {}
    for line in size.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            sec[parts[0]] = int(parts[1])
    text = sec.get('.text', 0)
    data = sum(v for k, v in sec.items() if k in ('.rodata', '.data', '.init_array', '.fini_array', '.eh_frame'))
    bss = sec.get('.bss', 0)
    print(f'  image size: text {text} B, data {data} B, bss {bss} B, file {os.path.getsize(image)} B')


if __name__ == '__main__':
    main()
