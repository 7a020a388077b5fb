#!/usr/bin/env python3
"""bench/trace: one run printing every tracepoint figure (see README.md).

  bench/trace/run.py [BUILD_DIR]     (default: $LUCENT_BUILD_ROOT/host or build/host)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
bdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.environ.get('LUCENT_BUILD_ROOT', os.path.join(root, 'build')), 'host')
exe = os.path.join(bdir, 'bench-trace')
if not os.path.isfile(exe):
    sys.exit(f'{exe} missing: ninja -C {bdir} bench-trace')
env = dict(os.environ, LUCENT_TRACE_FILE='/dev/null', LUCENT_RUN_DIR=tempfile.mkdtemp(prefix='bench-trace-'))
env.pop('LUCENT_TRACE', None)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, **kw)
    return r.stdout + r.stderr


print('== ns/event (best of 5, 2M events, empty loop subtracted) ==')
print(run([exe, 'all', '2e6']).rstrip())
if shutil.which('lttng') and os.geteuid() == 0:
    subprocess.run(['lttng-sessiond', '--daemonize'], capture_output=True)
    s = 'lubench'
    subprocess.run(['lttng', 'create', s, '--output', tempfile.mkdtemp(prefix='lttng-')], capture_output=True)
    subprocess.run(['lttng', 'enable-event', '-u', 'lubench:*', '-s', s], capture_output=True)
    subprocess.run(['lttng', 'start', s], capture_output=True)
    out = run([exe, 'lttng', '2e6'])
    m = re.search(r'([\d.]+) ns/event', out)
    print(f'{"LTTng-UST tracepoint (session on)":44} {m.group(1) if m else "?":>8} ns/event')
    subprocess.run(['lttng', 'destroy', s], capture_output=True)
else:
    print('LTTng-UST with a session: skipped (needs root and lttng-tools)')
if shutil.which('bpftrace') and os.geteuid() == 0:
    out = run(['bpftrace', '-e', f'usdt:{exe}:bench:bare {{ @n = count(); }}', '-c', f'{exe} usdt 2e5'])
    m = re.search(r'USDT probe\s+([\d.]+) ns/event', out)
    print(f'{"USDT probe (bpftrace attached)":44} {m.group(1) if m else "?":>8} ns/event')
else:
    print('USDT with bpftrace attached: skipped (needs root and bpftrace)')

print('\n== instructions/event (callgrind; empty loop subtracted) ==')
if shutil.which('valgrind'):
    cg = os.path.join(tempfile.mkdtemp(prefix='cg-'), 'cg.out')
    run(['valgrind', '--tool=callgrind', f'--callgrind-out-file={cg}', exe, 'callgrind'])
    ann = subprocess.run(['callgrind_annotate', '--inclusive=yes', cg], capture_output=True, text=True).stdout
    ir = {}
    for line in ann.splitlines():
        m = re.match(r'\s*([\d,]+) .*:(loop_\w+) ', line)
        if m:
            ir[m.group(2)] = int(m.group(1).replace(',', ''))
    # callgrind mode: 1e5 events per loop, except the enabled one (8192)
    counts = {'loop_lucent_on': 8192, 'loop_int_on': 8192, 'loop_str_on': 4096}
    per = {k: v / counts.get(k, 1e5) for k, v in ir.items()}
    empty = per.get('loop_empty', 0)
    print(f'{"empty loop":44} {empty:8.1f} instructions/iteration (subtracted below)')
    for key, name in (('loop_floor', 'rdtsc ring write (the floor)'), ('loop_lucent', 'lucent tracepoint, disabled'),
                      ('loop_lucent_on', 'lucent tracepoint, enabled'),
                      ('loop_int_on', 'lucent tracepoint, enabled, 1 integer'),
                      ('loop_str_on', 'lucent tracepoint, enabled, 32-byte string'),
                      ('loop_usdt', 'USDT probe, no tracer'),
                      ('loop_lttng', 'LTTng-UST tracepoint, no session')):
        print(f'{name:44} {per.get(key, 0) - empty:8.1f} instructions/event')
else:
    print('valgrind missing: apt-get install valgrind')

print('\n== sustained streaming into the drain (trace file /dev/null), 3 s each ==')
for rate in ('2', '3', '5'):
    print(run([exe, 'stream', '3', rate]).strip())
