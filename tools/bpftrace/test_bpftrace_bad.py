"""lucent bpftrace, bad input: a PID that does not exist, a binary
and a process without Lucent probes, a traced process killed mid-trace (by
PID, and one the tool started), and --duration. Each gives a clear message;
where tracing had begun the trace is valid and holds the events up to the
end; where it had not, no file is left behind."""
import os
import signal
import subprocess
import sys
import tempfile
import time
from bpftlib import (BUILD_DIR, LAUNCHER, check, finish, launcher_env, need_tool, one,
                     start_tool, validate)

tool = need_tool()
tmp = tempfile.mkdtemp(prefix='lucent-bpft-bad-')
demo = os.path.join(BUILD_DIR, 'trace-demo')
env = dict(os.environ, LUCENT_RUN_DIR=tmp)
env.pop('LUCENT_TRACE', None)  # tracing off in the process: the probes fire anyway


def lucent_bpftrace(*args, timeout=60):
    r = subprocess.run([sys.executable, LAUNCHER, 'bpftrace', *args], capture_output=True, text=True,
                       timeout=timeout, env=launcher_env())
    print(r.stdout, r.stderr, sep='')
    return r


def gone_pid():
    p = subprocess.Popen(['true'])
    p.wait()
    return p.pid


QD = ("(select c.ts from counter c join counter_track t on c.track_id = t.id "
      "where t.name = 'queue_depth' order by c.ts {} limit 1)")


def ticks(path):
    """Checks the tick/queue_depth pairs of `trace-demo stream` (a tick and
    its counter back to back, then a 200 us sleep) and returns the tick count. The tool keeps one
    window for every probe (opened once all are attached, closed at once at
    the end), so a pair can be cut only at the window's edges, and by one
    event at most: the trace may begin with a counter whose tick came just
    before the window opened, and end with a tick whose counter came after it
    closed (or after the kill). Every tick in between has its counter:
    nothing lost mid-trace, no probe starting or stopping before another."""
    ok, text, rows = validate(path, "select count(*) from slice where name = 'tick'",
                              "select count(*) from slice where dur < 0",
                              "select count(*) from counter c join counter_track t on c.track_id = t.id "
                              "where t.name = 'queue_depth'",
                              f"select count(*) from slice where name = 'tick' and ts < {QD.format('asc')}",
                              f"select count(*) from slice where name = 'tick' and ts > {QD.format('desc')}")
    print(text[-1500:])
    check(ok, f'{os.path.basename(path)} validates')
    check(one(rows[1]) == 0, 'no negative durations')
    n, counters, before, after = one(rows[0]), one(rows[2]), one(rows[3]), one(rows[4])
    # before is the first counter's own tick (1) or none, its tick being
    # outside the window (0); either way every counter pairs with one tick
    inside = n - (before - 1) - after
    check(counters > 0 and before <= 1 and after <= 1 and inside == counters,
          f'every tick has its queue_depth value, but for one at each edge of the window ({counters} '
          f'counters, {n} ticks: {before} before the first counter, {after} after the last)')
    return n


r = lucent_bpftrace('--out', os.path.join(tmp, 'x.pftrace'))
check(r.returncode == 2 and 'usage' in r.stderr, 'no target: usage, exit 2')
r = lucent_bpftrace('--bogus', '1')
check(r.returncode == 2 and "unknown option '--bogus'" in r.stderr, 'unknown option: exit 2')

out = os.path.join(tmp, 'nopid.pftrace')
pid = gone_pid()
r = lucent_bpftrace(str(pid), '--out', out)
check(r.returncode == 1 and f'no process with pid {pid}' in r.stderr, 'a PID that does not exist: clear error')
check(not os.path.exists(out), 'and no file')

out = os.path.join(tmp, 'true.pftrace')
r = lucent_bpftrace('--out', out, '/bin/true')
check(r.returncode == 1 and 'has no Lucent USDT probes' in r.stderr, 'a binary without probes: clear error')
check(not os.path.exists(out), 'and no file')
sleeper = subprocess.Popen(['sleep', '30'])
r = lucent_bpftrace('--out', out, str(sleeper.pid))
sleeper.kill()
sleeper.wait()
check(r.returncode == 1 and 'has no Lucent USDT probes' in r.stderr, 'a process without probes: clear error')

# killed mid-trace, attached by PID
out = os.path.join(tmp, 'killed-pid.pftrace')
target = subprocess.Popen([demo, 'stream', '20'], env=env, stdout=subprocess.DEVNULL)
time.sleep(0.2)
tracer, pid = start_tool('--out', out, str(target.pid))
time.sleep(1.0)
target.kill()
target.wait()
rc, err = finish(tracer)
check(rc == 0 and f'process {target.pid} (trace-demo) exited' in err,
      'the target killed mid-trace (PID): the tool says so and exits 0')
n = ticks(out)
check(n > 50, f'the trace holds the events up to the kill ({n} ticks)')

# killed mid-trace, started by the tool (an app name, resolved by the launcher)
out = os.path.join(tmp, 'killed-child.pftrace')
tracer, pid = start_tool('--out', out, 'trace-demo', '--', 'stream', '20')
time.sleep(1.0)
os.kill(pid, signal.SIGKILL)
rc, err = finish(tracer)
check(rc == 0 and 'killed by signal 9' in err, 'the target it started, killed mid-trace: said so, exit 0')
n = ticks(out)
check(n > 50, f'the trace holds the events from the first one up to the kill ({n} ticks)')

# --duration: the tool ends the run it started
out = os.path.join(tmp, 'duration.pftrace')
t0 = time.time()
r = lucent_bpftrace('--out', out, '--duration', '1', demo, 'stream', '20', timeout=30)
check(r.returncode == 0 and time.time() - t0 < 15, f'--duration 1 stops after about a second ({time.time() - t0:.1f} s)')
check('wrote' in r.stderr and os.path.getsize(out) > 0, 'and writes the trace')
n = ticks(out)
check(n > 0, f'the trace cut by --duration validates and holds the ticks up to the end ({n})')
