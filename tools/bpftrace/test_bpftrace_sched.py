"""lucent bpftrace: sched_switch each way the tool can follow it:
tp_btf and raw_tp (no tracefs needed), and the classic tracepoint (tracefs,
mounted in the tool's own private mount namespace where the host has none).
Each trace of trace-demo validates, has every work slice, and "running"
slices; with tp_btf and raw_tp every work slice begins while its thread is
on a CPU. The host's mounts are left as they were."""
import os
import subprocess
import sys
import tempfile
from bpftlib import (BUILD_DIR, LAUNCHER, check, launcher_env, need_tool, one,
                     validate)

tool = need_tool()
tmp = tempfile.mkdtemp(prefix='lucent-bpft-sched-')
N = 50


def mounts():
    with open('/proc/self/mounts') as f:
        return f.read()


before = mounts()
for mode in ('tp_btf', 'raw_tp', 'tp'):
    out = os.path.join(tmp, mode + '.pftrace')
    env = dict(launcher_env(), LUCENT_BPF_SCHED=mode, LUCENT_RUN_DIR=tmp)
    env.pop('LUCENT_TRACE', None)
    r = subprocess.run([sys.executable, LAUNCHER, 'bpftrace', '--out', out, 'trace-demo', '--', 'slices', str(N)],
                       capture_output=True, text=True, timeout=60, env=env)
    print(r.stderr)
    check(r.returncode == 0 and f'sched_switch via {mode}' in r.stderr, f'{mode}: attached and wrote a trace')
    ok, text, rows = validate(
        out, "select count(*) from slice where name = 'work'",
        "select count(*) from slice where name = 'running'",
        "select count(*) from slice where dur < 0",
        "select count(*) from slice s join thread_track tt on s.track_id = tt.id join thread using(utid) "
        "where s.name = 'work' and not exists (select 1 from slice r join track t on r.track_id = t.id "
        "where r.name = 'running' and t.name = 'tid ' || thread.tid || ' on CPU' "
        "and r.ts <= s.ts and s.ts <= r.ts + r.dur)",
        "select count(*) from slice s join args a using(arg_set_id) where s.name = 'work' "
        "and a.key = 'debug.who' and a.string_value in ('worker-1', 'worker-2')")
    print(text[-1500:])
    check(ok, f'{mode}: the trace validates')
    check(one(rows[0]) == 2 * N, f'{mode}: {2 * N} work slices (got {one(rows[0])})')
    check(one(rows[1]) > 0, f'{mode}: {one(rows[1])} running slices')
    check(one(rows[2]) == 0, f'{mode}: no negative durations')
    # read from the process, or from the file once it has exited
    check(one(rows[4]) == 2 * N, f'{mode}: string arguments on every work slice ({one(rows[4])})')
    if mode != 'tp':
        # the classic tracepoint learns a new thread at its first switch-out, so
        # a thread's first stretch on a CPU may be missing there
        check(one(rows[3]) == 0, f'{mode}: every work slice begins inside a running slice ({one(rows[3])} do not)')
check(mounts() == before, "the host's mounts are unchanged (tracefs went into a private namespace)")
