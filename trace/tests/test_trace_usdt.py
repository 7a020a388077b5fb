"""Every tracepoint is a USDT probe in the hostbuild: bpftrace attaches to
trace-demo's lucent:* probes (with tracing itself off) and counts them, and
reads a string argument. Skips only where BPF cannot run on this machine (not
root, no kernel BTF); no probes or a failed attach is a failure."""
import os
import re
import shutil
import subprocess
import tempfile
from pfcheck import BUILD, demo_path
from lulib import build_option, check, fail, skip

if BUILD != 'host':
    skip('USDT probes exist only in the hostbuild')
if os.geteuid() != 0:
    skip('bpftrace needs root')
if build_option('usdt') == 'disabled':
    skip('this build was configured with -Dusdt=disabled: no USDT probes to attach to')
if not os.path.exists('/sys/kernel/btf/vmlinux'):
    skip('no kernel BTF (/sys/kernel/btf/vmlinux): BPF unavailable')
if not shutil.which('bpftrace'):
    fail('bpftrace is not installed (tools/setup installs it: apt-get install bpftrace)')
exe = demo_path()
r = subprocess.run(['bpftrace', '-l', f'usdt:{exe}:lucent:*'], capture_output=True, text=True, timeout=60)
probes = set(r.stdout.split())
print(r.stdout, r.stderr)
check(bool(probes), f'bpftrace lists trace-demo\'s USDT probes (none: built without sys/sdt.h? tools/setup '
      'installs systemtap-sdt-dev)')
for p in ('work_begin', 'work_end', 'inner_begin', 'tick', 'queue_depth', 'flood'):
    check(f'usdt:{exe}:lucent:{p}' in probes, f'probe lucent:{p} is listed')

N = 100
prog = (f'usdt:{exe}:lucent:work_begin {{ @begin = count(); @who[str(arg1)] = count(); }} '
        f'usdt:{exe}:lucent:work_end {{ @end = count(); }} '
        f'usdt:{exe}:lucent:queue_depth {{ @sum = sum(arg0); }}')
env = dict(os.environ, LUCENT_RUN_DIR=tempfile.mkdtemp(prefix='lucent-usdt-'))
env.pop('LUCENT_TRACE', None)
r = subprocess.run(['bpftrace', '-e', prog, '-c', f'{exe} slices {N}'], capture_output=True, text=True,
                   timeout=120, env=env)
print(r.stdout, r.stderr)
check(r.returncode == 0 and ('Attaching' in r.stdout or 'Attaching' in r.stderr),
      f'bpftrace attaches to trace-demo\'s probes and runs it (exit {r.returncode})')


def val(name):
    m = re.search(rf'^@{re.escape(name)}: (\d+)$', r.stdout, re.M)
    return int(m.group(1)) if m else None


check(val('begin') == 2 * N and val('end') == 2 * N, f'bpftrace counts {2 * N} work_begin/work_end '
      f'(got {val("begin")}/{val("end")})')
check(val('who[worker-1]') == N and val('who[worker-2]') == N, 'string arguments reach bpftrace')
check(val('sum') == 2 * sum(i % 7 for i in range(N)), f'integer arguments reach bpftrace (sum {val("sum")})')
