"""An unhandled SIGALRM ends the program with status 142 (128 + SIGALRM) in
both builds, interrupting a loop that never calls anything; an ignored one
does not end it."""
from lulib import check, run_app

r = run_app('signal-default', timeout=60)
print(r.stdout, r.stderr)
check(r.returncode == 142, f'exit status is 142 (128 + SIGALRM), got {r.returncode}')
check('spinning' in r.stdout, 'the program ran up to its loop')
check('still here' not in r.stdout, 'the loop never finished')

r = run_app('signal-default', 'ignore', timeout=60)
print(r.stdout, r.stderr)
check(r.returncode == 0, f'an ignored SIGALRM leaves it running to exit 0, got {r.returncode}')
check('still here' in r.stdout, 'the loop ran to its end')
