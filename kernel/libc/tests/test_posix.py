"""What a program sees of unsupported calls and protected mappings, through
the launcher: two fork() calls print the one-time note once, fail with
ENOSYS and count 2 in lucent_unsupported_calls_total; a PROT_NONE page
faults on a read and a read-only page on a write, in both builds; a program
that references every hook newlib wants links (it was built) and runs, and
jumps with BSD's _setjmp/_longjmp; /dev/urandom reads come from the
virtio-rng device the launcher adds."""
import re
from lulib import BUILD, check, run_app

NOTE = 'lucent: fork is not supported in the image'

r = run_app('posix-probe', 'fork')
print(r.stdout, r.stderr)
check(r.returncode == 0, f'posix-probe fork exits 0 (got {r.returncode})')
if BUILD == 'image':
    out = r.stdout + r.stderr
    check(out.count(NOTE) == 1, f'the note appears exactly once ({out.count(NOTE)} times)')
    check(r.stdout.count('-1 errno=Function not implemented') == 2, 'both calls fail with ENOSYS')
    check('metric: lucent_unsupported_calls_total{function="fork"} 2' in r.stdout, 'the metric counts 2 calls')
else:
    check(NOTE not in r.stdout + r.stderr, 'Linux forks without a note')
    check(r.stdout.count(': child errno=0') == 2, 'Linux forks twice')

r = run_app('posix-probe', 'urandom')
print(r.stdout, r.stderr)
m = re.search(r'read (-?\d+) bytes, (\d+) zero', r.stdout)
check(r.returncode == 0 and m and m.group(1) == '4096', '4096 bytes come from /dev/urandom')
check(m and int(m.group(2)) < 64, f'about 16 of 4096 random bytes are 0 ({m and m.group(2)})')
if BUILD == 'image':
    used = re.search(r'lucent_virtio_queue_operations_total\{device="rng",queue="0",op="used"\} (\d+)', r.stdout)
    check(used and int(used.group(1)) >= 16, f'they come from virtio-rng (used: {used and used.group(1)})')

for mode, what in [('prot-none', 'a read of a PROT_NONE page'), ('read-only', 'a write to a read-only page')]:
    r = run_app('posix-probe', mode)
    print(r.stdout, r.stderr)
    check('protected 0x' in r.stdout, f'{mode}: the page was mapped and protected')
    check('PROTECTION MISSING' not in r.stdout, f'{mode}: {what} faults')
    if BUILD == 'image':
        check(r.returncode == 139 and 'page fault' in r.stdout, f'{mode}: the fault is reported (exit 139)')
    else:
        check(r.returncode in (139, -11), f'{mode}: SIGSEGV (exit {r.returncode})')

r = run_app('posix-probe', 'link-all')
print(r.stdout, r.stderr)
check(r.returncode == 0, f'a program using every newlib hook links and runs (exit {r.returncode})')
check('jumped 3 times' in r.stdout, '_setjmp/_longjmp jump')
