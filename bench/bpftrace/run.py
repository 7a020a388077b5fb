#!/usr/bin/env python3
"""bench/bpftrace: what a Lucent tracepoint costs the traced thread, in
process and seen from outside, all in one run, one table:

  in process (trace/'s rings): disabled, enabled (rings, drained to /dev/null)
  USDT probe: nothing attached; lucent-bpftrace attached (ring buffer
  drained every 10 ms, no wake-ups; and with a wake-up per event);
  bpftrace attached (where installed)

Usage (root, for the attached rows): bench/bpftrace/run.py [BUILD_DIR] [N_PROBE] [ROUNDS]
BUILD_DIR is a host build (default build/host). Each attached row is the
range over ROUNDS runs (default 3) of N_PROBE events (default 2e5).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'build', 'host'))
n_probe = sys.argv[2] if len(sys.argv) > 2 else '2e5'
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
bench = os.path.join(build, 'bench-bpftrace')
tool = os.path.join(build, 'tools', 'bpftrace', 'lucent-bpftrace')
tmp = tempfile.mkdtemp(prefix='lucent-bench-bpft-')
env = dict(os.environ, LUCENT_RUN_DIR=tmp, LUCENT_TRACE_FILE='/dev/null')
env.pop('LUCENT_TRACE', None)
if not os.path.isfile(bench):
    sys.exit(f'{bench} missing: ninja -C {build} bench-bpftrace')


def figures(text):
    return {k: float(v) for k, v in re.findall(r'^(\w+) ([-\d.]+)$', text, re.M)}


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, **kw)
    if r.returncode:
        print(f'# {" ".join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}', file=sys.stderr)
    return r


rows = []
inproc = figures(run([bench, 'inproc', '2e6']).stdout)
rows.append(('Lucent tracepoint, disabled (no tracer)', f'{inproc.get("disabled_ns", float("nan")):.2f}', ''))
rows.append(('Lucent tracepoint, enabled: in-process rings', f'{inproc.get("enabled_ns", float("nan")):.1f}',
             f'{inproc.get("dropped", 0):.0f} dropped'))
rows.append(('bare USDT probe, nothing attached', f'{inproc.get("usdt_bare_ns", float("nan")):.2f}', ''))
alone = [figures(run([bench, 'probe', n_probe]).stdout).get('probe_ns', float('nan')) for _ in range(rounds)]
rows.append(('its USDT probe, nothing attached', f'{min(alone):.1f}', ''))


def attached(label, cmd_for):
    ns, notes = [], []
    for i in range(rounds):
        r = run(cmd_for(i))
        f = figures(r.stdout)
        if 'probe_ns' in f:
            ns.append(f['probe_ns'])
        m = re.search(r'(\d+) app events, \d+ sched events, (\d+) dropped', r.stderr)
        if m:
            notes.append(f'{m.group(1)} recorded, {m.group(2)} dropped')
        m = re.search(r'^@n: (\d+)$', r.stdout, re.M)
        if m:
            notes.append(f'{m.group(1)} counted')
    if ns:
        rows.append((label, f'{min(ns):.0f}–{max(ns):.0f}', '; '.join(sorted(set(notes)))))
    else:
        rows.append((label, 'n/a', 'did not run (root? BPF?)'))


if os.geteuid() != 0:
    print('# not root: the attached rows need BPF, skipped', file=sys.stderr)
else:
    if os.access(tool, os.X_OK):
        out = os.path.join(tmp, 'bench.pftrace')
        attached('lucent-bpftrace attached (ring buffer, drained every 10 ms)',
                 lambda i: [tool, '--out', out, bench, 'probe', n_probe])
        attached('lucent-bpftrace --wakeup (a wake-up per event)',
                 lambda i: [tool, '--wakeup', '--out', out, bench, 'probe', n_probe])
    else:
        rows.append(('lucent-bpftrace attached', 'n/a', f'{tool} not built'))
    if shutil.which('bpftrace'):
        attached('bpftrace attached (usdt:...:lucent:bench_ev { @n = count(); })',
                 lambda i: ['bpftrace', '-e', f'usdt:{bench}:lucent:bench_ev {{ @n = count(); }}',
                            '-c', f'{bench} probe {n_probe}'])

w = max(len(r[0]) for r in rows)
print(f'{"per event, traced thread":<{w}} | ns/event | notes')
print(f'{"-" * w}-|----------|------')
for label, ns, note in rows:
    print(f'{label:<{w}} | {ns:>8} | {note}')
print(f'\n(N = 2e6 in process, {n_probe} per attached run, {rounds} runs each; load average '
      f'{os.getloadavg()[0]:.1f}; nproc {os.cpu_count()})')
shutil.rmtree(tmp, ignore_errors=True)
