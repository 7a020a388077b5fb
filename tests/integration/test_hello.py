"""hello runs in this build, prints what it prints in the other, and its
exit code reaches the shell through the launcher."""
from lulib import BUILD, check, run_app

EXPECTED = ['hello from lucent', 'allocated 1048576 bytes: ok', 'monotonic clock: ok', 'wall clock: ok',
            'exiting with 7']

r = run_app('hello', '7')
print(r.stdout, r.stderr)
check(r.returncode == 7, f'{BUILD}: exit code 7 reaches the shell (got {r.returncode})')
check(r.stdout.splitlines() == EXPECTED, f'{BUILD}: console output is exactly the expected lines')
r = run_app('hello', '0')
check(r.returncode == 0, f'{BUILD}: exit code 0 (got {r.returncode})')
