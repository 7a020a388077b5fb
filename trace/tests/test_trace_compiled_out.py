"""-Dtracing=false: every lu_trace_* call compiles to an empty inline. A
scratch hostbuild of trace-demo with the option off must build, run, and
carry no tracepoint metadata and no USDT probes; the default build has both
(so the check can fail). The drain still writes the trace file it is asked
for: it must be a valid Perfetto trace that holds no event."""
import os
import shutil
import subprocess
import tempfile
from lulib import BUILD, BUILD_DIR, SRC, check, skip
import validate_trace

if BUILD != 'host':
    skip('image: the option is checked on a scratch hostbuild (the same header serves both builds)')


def sections(path):
    r = subprocess.run(['readelf', '-S', '-n', '-W', path], capture_output=True, text=True)
    return r.stdout


on = sections(os.path.join(BUILD_DIR, 'trace-demo'))
check('lu_tracepoints' in on and 'stapsdt' in on, 'the default build has tracepoint metadata and USDT notes')
tmp = tempfile.mkdtemp(prefix='lu-notrace-')
try:
    r = subprocess.run(['meson', 'setup', '-Dtracing=false', tmp, SRC], capture_output=True, text=True)
    check(r.returncode == 0, 'meson setup -Dtracing=false' + ('' if r.returncode == 0 else '\n' + r.stdout[-2000:]))
    r = subprocess.run(['ninja', '-C', tmp, 'trace-demo'], capture_output=True, text=True)
    check(r.returncode == 0, 'trace-demo builds with tracing compiled out' +
          ('' if r.returncode == 0 else '\n' + r.stdout[-3000:]))
    exe = os.path.join(tmp, 'trace-demo')
    off = sections(exe)
    check('lu_tracepoints' not in off and 'stapsdt' not in off,
          'no tracepoint metadata and no USDT notes in the binary')
    env = dict(os.environ, LUCENT_TRACE='demo', LUCENT_TRACE_FILE=os.path.join(tmp, 't.pftrace'))
    r = subprocess.run([exe, 'slices', '5'], capture_output=True, text=True, env=env, timeout=60)
    check(r.returncode == 0, f'trace-demo runs with tracing compiled out (exit {r.returncode})')
    try:
        c = validate_trace.validate(env['LUCENT_TRACE_FILE'], min_slices=0)
    except validate_trace.TraceInvalid as e:
        check(False, f'the trace file it writes is a valid Perfetto trace: {e}')
    print(c)
    check(c['packets'] > 0 and c['slices'] == 0 and c['counters'] == 0,
          f'the trace file is valid and holds no event ({c["slices"]} slices, {c["counters"]} counter values)')
finally:
    shutil.rmtree(tmp, ignore_errors=True)
