#!/usr/bin/env python3
"""bench/sched: context-switch and thread create/join costs, image vs
hostbuild, side by side, from one run of each.

usage: bench/sched/run.py [ROUNDS]
The image runs under QEMU (TCG here): its absolute times include emulation
and are indicative only; the hostbuild's instruction counts come from
`valgrind --tool=callgrind` when valgrind is installed.
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build'))


def parse(text):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r'^(\w+) ([\d.]+) ns$', text, re.M)}


def main():
    rounds = sys.argv[1] if len(sys.argv) > 1 else '20000'
    host = subprocess.run([os.path.join(BUILD, 'host', 'bench-sched'), rounds],
                          capture_output=True, text=True, check=True).stdout
    image = subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'lucent'), 'exec',
                            os.path.join(BUILD, 'image', 'bench-sched'), rounds],
                           capture_output=True, text=True, check=True).stdout
    h, i = parse(host), parse(image)
    print(f'bench/sched ({rounds} rounds): image under QEMU vs hostbuild (Linux pthreads)')
    print(f'  {"figure":22} {"image":>12} {"host":>12} {"image/host":>10}')
    for k in ('condvar_handoff_ns', 'yield_switch_ns', 'create_join_ns'):
        if k in h and k in i:
            print(f'  {k:22} {i[k]:10.1f}ns {h[k]:10.1f}ns {i[k] / h[k]:10.2f}')
    if shutil.which('valgrind'):
        out = subprocess.run(['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null',
                              os.path.join(BUILD, 'host', 'bench-sched'), '2000'],
                             capture_output=True, text=True)
        m = re.search(r'Collected : (\d+)', out.stderr)
        if m:
            print(f'  hostbuild instructions for the whole run at 2000 rounds (callgrind): {int(m.group(1)):,}')


if __name__ == '__main__':
    main()
