"""The flight recorder on panic: trace-demo records N ticks and panics; the
panic path flushes the rings, says how many events it sent, and the trace
holds them. Host: trace file; image: `lucent run --trace`."""
import os
import re
import tempfile
from pfcheck import BUILD, one, validate
from lulib import check, lucent

N = 300
path = os.path.join(tempfile.mkdtemp(prefix='lucent-trace-panic-'), 'panic.pftrace')
if BUILD == 'host':
    # no flush before the panic: the drain thread sleeps between passes, and
    # a file sink is always "connected"
    r = lucent('run', '--host', '--kernel-opt', 'trace=demo', '--kernel-opt', f'trace_file={path}',
               'trace-demo', '--', 'panic', str(N), timeout=120)
else:
    r = lucent('run', '--trace', path, '--kernel-opt', 'trace=demo', 'trace-demo', '--', 'panic', str(N),
               timeout=240)
print(r.stdout, r.stderr)
check(r.returncode != 0 and 'panic' in r.stderr + r.stdout, f'{BUILD}: trace-demo panics')
m = re.search(r'panic flush sent (\d+) events', r.stderr + r.stdout)
check(m is not None, 'the panic path says how many events the flight recorder sent')
check(os.path.exists(path) and os.path.getsize(path) > 0, f'{BUILD}: the flushed trace reached the file')
ok, out, rows = validate(path, "select count(*) from slice where name = 'tick'")
print(out)
check(ok, 'the trace written on the way down validates')
check(one(rows[0]) == N, f'it holds all {N} ticks (got {one(rows[0])})')
