#!/usr/bin/env python3
"""bench/boot: how long an image takes from QEMU start to its first console
line and to exit, next to the floor: an image that exits at its first
instruction, booted with the same QEMU machine and devices.

usage: bench/boot/bench_boot.py [--runs N] [--app hello]
Prints medians over N runs, the ratios, and the image's size.
"""
import argparse
import importlib.machinery
import importlib.util
import io
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build'))


def load_launcher():
    loader = importlib.machinery.SourceFileLoader('lucent_launcher', os.path.join(ROOT, 'tools', 'lucent'))
    spec = importlib.util.spec_from_loader('lucent_launcher', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def boot(L, image, args):
    run = L.Run(image, args, timeout=30).start()
    status = run.stream(out=io.BytesIO())
    return run.first_line, run.t_exit, status


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--runs', type=int, default=10)
    p.add_argument('--app', default='hello')
    a = p.parse_args()
    L = load_launcher()
    image = os.path.join(BUILD, 'image', a.app)
    floor = os.path.join(BUILD, 'image', 'bench', 'floor')
    for f in (image, floor):
        if not os.path.isfile(f):
            sys.exit(f'bench_boot: {f} not built (run tools/setup)')
    accel = 'KVM' if L.kvm_usable() else 'TCG'
    floor_exit, first, done = [], [], []
    for _ in range(a.runs):
        _, t, _ = boot(L, floor, [])
        floor_exit.append(t)
        f, t, status = boot(L, image, [])
        if status != 0:
            sys.exit(f'bench_boot: {a.app} exited {status}')
        first.append(f)
        done.append(t)
    fm, im, dm = (statistics.median(x) * 1000 for x in (floor_exit, first, done))
    size = subprocess.run(['size', '-A', image], capture_output=True, text=True).stdout
    sec = {}
    for line in size.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            sec[parts[0]] = int(parts[1])
    text = sec.get('.text', 0)
    data = sum(v for k, v in sec.items() if k in ('.rodata', '.data', '.init_array', '.fini_array', '.eh_frame'))
    bss = sec.get('.bss', 0)
    print(f'boot benchmark: {a.app} vs floor, QEMU -machine pc under {accel}, median of {a.runs}')
    print(f'  floor (exit at first instruction): {fm:7.1f} ms')
    print(f'  {a.app}: first console line      {im:7.1f} ms   ratio {im / fm:.3f}')
    print(f'  {a.app}: exit                    {dm:7.1f} ms   ratio {dm / fm:.3f}')
    print(f'  image size: text {text} B, data {data} B, bss {bss} B, file {os.path.getsize(image)} B')


if __name__ == '__main__':
    main()
