"""Memory protection in the image: a stack overflow is caught and named,
kernel text is read-only, the heap is not executable; and sleeping takes
as long as asked under TCG."""
import re
from lulib import BUILD, check, run_app, skip

if BUILD == 'host':
    skip('image only: the hostbuild gets these protections from Linux')

r = run_app('faults', 'stack-overflow', timeout=60)
print(r.stdout, r.stderr)
check(r.returncode == 139, f'stack overflow ends the run with 139 (got {r.returncode})')
check("stack overflow in thread 'deep-thread'" in r.stdout, 'the overflow names the thread')
check('PROTECTION MISSING' not in r.stdout, 'no silent corruption')

r = run_app('faults', 'write-text')
print(r.stdout, r.stderr)
check(r.returncode == 139 and 'protection violation on write' in r.stdout, 'a write to text faults')
check('victim' in r.stdout or 'main' in r.stdout, 'the report has a backtrace')

r = run_app('faults', 'exec-heap')
print(r.stdout, r.stderr)
check(r.returncode == 139 and 'instruction fetch' in r.stdout, 'executing the heap faults')

r = run_app('faults', 'smash')
print(r.stdout, r.stderr)
check(r.returncode == 134 and 'stack smashing detected' in r.stdout, 'the stack protector catches an overrun')

r = run_app('faults', 'sleep')
print(r.stdout, r.stderr)
m = re.search(r'slept (\d+) ms', r.stdout)
check(m is not None and 200 <= int(m.group(1)) <= 300, f'sleep(0.2 s) takes 0.2-0.3 s ({m and m.group(1)} ms)')
