"""The launcher's bad-input promises: each failure is one clear line and a
non-zero exit, and none of them hangs."""
import os
import time
from lulib import BUILD, BUILD_DIR, check, lucent, run_app

r = lucent('run', 'no-such-app')
check(r.returncode != 0 and "unknown app 'no-such-app'" in r.stderr, 'unknown app: clear error')
check(len(r.stderr.strip().splitlines()) == 1, 'unknown app: exactly one line')

r = lucent('run', '--mem', 'lots', 'hello')
check(r.returncode != 0 and 'bad memory size' in r.stderr, 'bad --mem value rejected')

r = lucent('frobnicate')
check(r.returncode != 0 and "unknown command 'frobnicate'" in r.stderr, 'unknown command: clear error')

r = lucent('run', '--help')
check(r.returncode == 0 and '--timeout' in r.stdout and '--mem' in r.stdout, '--help lists options')
# The plugins' options too (tools/launcher/plugin.py), through argparse.
plugin_opts = ('--trace FILE', '--metrics [PORT]', '--net', '--port PORT', '--net-bind ADDR', '--gdb [PORT]',
               '--gdb-wait', '--gdb-on-panic')
check(all(o in r.stdout for o in plugin_opts), "--help lists the plugins' options")

if BUILD == 'image':
    env_qemu = os.environ.get('LUCENT_QEMU')
    os.environ['LUCENT_QEMU'] = '/nonexistent/qemu'
    r = lucent('run', 'hello')
    check(r.returncode != 0 and 'not found' in r.stderr, 'missing QEMU: clear error')
    if env_qemu is None:
        del os.environ['LUCENT_QEMU']
    else:
        os.environ['LUCENT_QEMU'] = env_qemu

    t0 = time.monotonic()
    r = lucent('run', '--timeout', '3', 'misbehave', '--', 'hang', timeout=30)
    took = time.monotonic() - t0
    check(r.returncode != 0 and 'timed out after 3 s' in r.stderr, 'an image that never prints: timeout error')
    check(took < 15, f'timeout honoured ({took:.1f} s)')

    r = lucent('run', '--timeout', '20', 'misbehave', '--', 'triple-fault', timeout=60)
    check(r.returncode != 0 and 'triple fault' in r.stderr, 'triple fault is not reported as success')

    r = run_app('misbehave', 'abort')
    check(r.returncode == 134 and 'abort() called' in r.stdout, 'abort() exits 134 with a panic message')
else:
    r = run_app('misbehave', 'abort')
    check(r.returncode == 134, f'abort() exits 134 as a process (got {r.returncode})')
