"""Drop accounting: a tiny ring (64 records), a flood of 200000 instants,
and the trace must hold exactly emitted - dropped of them, with the drop
count the program reports equal to the last value of the drop counter track.
Host: through the trace file. Image: through `lucent run --trace`."""
import os
import re
import tempfile
from pfcheck import BUILD, one, validate
from lulib import check, lucent

N = 200000
path = os.path.join(tempfile.mkdtemp(prefix='lucent-trace-drops-'), 'drops.pftrace')
opts = ['--kernel-opt', 'trace=flood', '--kernel-opt', 'trace_ring=64']
if BUILD == 'host':
    r = lucent('run', '--host', *opts, '--kernel-opt', f'trace_file={path}', 'trace-demo', '--', 'flood', str(N),
               timeout=120)
else:
    r = lucent('run', '--trace', path, *opts, 'trace-demo', '--', 'flood', str(N), timeout=240)
print(r.stdout, r.stderr)
check(r.returncode == 0, f'{BUILD}: trace-demo flood runs (exit {r.returncode})')
m = re.search(r'emitted=(\d+) dropped=(\d+)', r.stdout)
check(m is not None, 'the program reports emitted and dropped counts')
emitted, dropped = int(m.group(1)), int(m.group(2))
check(os.path.exists(path) and os.path.getsize(path) > 0, f'{BUILD}: the trace reached {path}')
check(dropped > 0, f'a 64-record ring drops some of {N} events (dropped {dropped})')
ok, out, rows = validate(path, "select count(*) from slice where name = 'flood'",
                         "select sum(v) from (select max(c.value) v from counter c join counter_track t "
                         "on c.track_id = t.id where t.name like 'trace drops%' group by t.id)",
                         "select count(distinct a.int_value) from slice s join args a using(arg_set_id) "
                         "where s.name = 'flood' and a.key = 'debug.n'")
print(out)
check(ok, 'the trace validates')
got, reported, distinct = one(rows[0]), one(rows[1]), one(rows[2])
check(got == emitted - dropped, f'trace holds emitted - dropped = {emitted - dropped} events (got {got})')
check(distinct == got, f'no event appears twice (distinct n: {distinct})')
check(reported == dropped, f'the drop counter track ends at the reported {dropped} (got {reported})')
