"""A NULL dereference is reported with the faulting function named in a
backtrace, and the run ends non-zero within seconds."""
import time
from lulib import BUILD, check, run_app, skip

if BUILD == 'host':
    skip('image only: in the hostbuild a NULL dereference is an ordinary SIGSEGV for gdb to catch')
t0 = time.monotonic()
r = run_app('hello', '--crash', timeout=30)
elapsed = time.monotonic() - t0
print(r.stdout, r.stderr)
check(r.returncode == 139, f'exit status is 139 (128 + SIGSEGV), got {r.returncode}')
check(elapsed < 10, f'ended within 10 s ({elapsed:.1f} s)')
check('NULL pointer dereference' in r.stdout, 'fault is called a NULL pointer dereference')
bt = r.stdout[r.stdout.find('backtrace:'):]
check('crash_on_null' in bt, 'backtrace names the faulting function')
check(' main+' in bt, 'backtrace reaches main')
