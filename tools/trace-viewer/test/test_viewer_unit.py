"""The viewer's decoder, live model, store, formatting and view state under
node's test runner (no browser); `lucent trace --help` documents --serve."""
import os
import subprocess
import sys
import tempfile

from viewerlib import BUILD, HERE, LAUNCHER, VIEWER, check, launcher_env, need_node, program, skip

if BUILD != 'host':
    skip('the viewer is a host tool: tested in the host build')
need_node()
f = os.path.join(tempfile.mkdtemp(prefix='lucent-viewer-unit-'), 'u.pftrace')
subprocess.run([program('trace-gen'), f, '20000', '4', 'drops'], check=True, capture_output=True)
tests = [os.path.join(HERE, t) for t in ('decode.test.mjs', 'state.test.mjs')]
r = subprocess.run(['node', '--test', *tests], cwd=VIEWER, capture_output=True,
                   text=True, timeout=120, env=dict(os.environ, TRACE_FILE=f))
sys.stdout.write(r.stdout[-6000:] + r.stderr[-2000:])
check(r.returncode == 0, 'node --test test/decode.test.mjs test/state.test.mjs')

r = subprocess.run([sys.executable, LAUNCHER, 'trace', '--help'], capture_output=True, text=True, env=launcher_env())
check(r.returncode == 0 and 'lucent trace --serve [PORT] RUN_DIR' in r.stdout and '--serve [PORT]' in r.stdout,
      '`lucent trace --help` documents --serve')
