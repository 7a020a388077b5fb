"""Dynamic string arguments, as a user first tried them: apps/httpd traced
from boot (`lucent run --trace FILE --net httpd`) gets requests for paths it
has never seen, /probe-1 ... /probe-50 (all 404), and the trace holds 50
http_request slices carrying those paths and the Host header each request
sent. Also: a path longer than the bound (128 bytes) is cut there and marked
`path_truncated`; and one path asked for 20 times is interned, its bytes in
the file once per sequence rather than once per request. Both builds.

With an argument R (trace_paths_smallring): rings of R records, so records
of two slots wrap the ring's end again and again (padding records) and many
are dropped; then the check is that whatever arrived is intact: every path
in the trace is one that was asked for, with its own Host header."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pfcheck import BUILD, one, validate
from lulib import LAUNCHER, check, launcher_env

N = 50
REPEAT = 20
path = os.path.join(tempfile.mkdtemp(prefix='lucent-trace-paths-'), 'httpd.pftrace')
with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
RING = int(sys.argv[1]) if len(sys.argv) > 1 else 0
host = ['--host'] if BUILD == 'host' else []
env = launcher_env()
if RING:
    # the image: only `http`, so that the kernel's own events (the scheduler's, whose losses
    # trace_processor reports as errors) do not fill the tiny rings
    host += ['--kernel-opt', f'trace_ring={RING}', '--kernel-opt', 'trace=http'] if BUILD == 'image' else []
    env['LUCENT_TRACE_RING'] = str(RING)  # the hostbuild's spelling of trace_ring=
cmd = [sys.executable, LAUNCHER, 'run', *host, '--trace', path, '--net', '--port', str(port), 'httpd']
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                        start_new_session=True)
out, ready = [], threading.Event()


def pump():
    for line in proc.stdout:
        out.append(line)
        if 'httpd: listening' in line:
            ready.set()
    ready.set()


def get(target, hosthdr):
    """One GET with Connection: close, read until httpd closes: the
    request's slice has ended by then."""
    with socket.create_connection(('127.0.0.1', port), timeout=30) as c:
        c.sendall(f'GET {target} HTTP/1.1\r\nHost: {hosthdr}\r\nConnection: close\r\n\r\n'.encode())
        data = b''
        while chunk := c.recv(65536):
            data += chunk
    return int(data.split(b' ', 2)[1]) if data.startswith(b'HTTP/1.') else 0


LONG = '/long-' + 'x' * 200  # 206 bytes: cut at 128
REP = '/repeated-path-5d2c'
threading.Thread(target=pump, daemon=True).start()
try:
    check(ready.wait(120) and proc.poll() is None, 'httpd starts with tracing on')
    st = [get(f'/probe-{i}?q={i}', f'host-{i}.example') for i in range(1, N + 1)]
    check(st == [404] * N, f'{N} GETs of unseen paths answered 404 ({sorted(set(st))})')
    check(get(LONG, 'long.example') == 404, 'the long path is answered 404')
    st = [get(REP, 'rep.example') for _ in range(REPEAT)]
    check(st == [404] * REPEAT, f'{REPEAT} GETs of {REP} answered 404')
    time.sleep(3)  # the drain streams every millisecond; leave it time under a loaded TCG
finally:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
print(''.join(out[-15:]))
check(os.path.exists(path) and os.path.getsize(path) > 0, 'the collector wrote a trace')

ARG = ("join args {a} on {a}.arg_set_id = s.arg_set_id and {a}.key = 'debug.{k}' ")
Q = [
    # each probe path on exactly one slice, with the Host header its request sent
    "select count(distinct p.string_value) from slice s " + ARG.format(a='p', k='path') + ARG.format(a='h', k='host') +
    "where s.name = 'http_request' and p.string_value glob '/probe-*' "
    "and h.string_value = 'host-' || substr(p.string_value, 8) || '.example'",
    "select count(*) from slice s " + ARG.format(a='p', k='path') +
    "where s.name = 'http_request' and p.string_value glob '/probe-*'",
    "select count(*) from slice s " + ARG.format(a='p', k='path') + ARG.format(a='t', k='status') +
    "where s.name = 'http_request' and p.string_value glob '/probe-*' and t.int_value = 404",
    # the long one: its first 128 bytes, marked
    "select p.string_value as v from slice s " + ARG.format(a='p', k='path') +
    ARG.format(a='c', k='path_truncated') + "where s.name = 'http_request' and c.int_value = 1",
    "select count(*) from args where key = 'debug.path_truncated'",
    "select count(*) from slice s " + ARG.format(a='p', k='path') +
    f"where s.name = 'http_request' and p.string_value = '{REP}'",
]
if RING:
    # Records are lost here by design (tiny rings), and a lost END leaves a
    # slice open, which the full validation rejects: the trace is loaded and
    # queried by trace_processor instead, and checked for what arrived.
    import validate_trace
    Q = [
        "select count(*) from slice s " + ARG.format(a='p', k='path') + "where s.name = 'http_request'",
        "select count(*) from slice s " + ARG.format(a='p', k='path') + "where s.name = 'http_request' and not ("
        f"p.string_value in ('{LONG[:128]}', '{REP}') or p.string_value glob '/probe-[0-9]*')",
        "select count(*) from slice s " + ARG.format(a='p', k='path') + ARG.format(a='h', k='host') +
        "where s.name = 'http_request' and p.string_value glob '/probe-*' "
        "and h.string_value != 'host-' || substr(p.string_value, 8) || '.example'",
        "select max(value) from counter c join counter_track t on c.track_id = t.id "
        "where t.name glob 'trace drops*'"]
    try:
        v = [one(validate_trace.query(path, q)) for q in Q]
    except validate_trace.TraceInvalid as e:
        check(False, f'{BUILD}, {RING}-record rings: trace_processor loads the trace ({e})')
    print(v)
    check(v[0] and v[0] > 0, f'some http_request slices arrived ({v[0]}; drops counted: {v[3]})')
    check(v[1] == 0, f'none carries a path that was not asked for (got {v[1]})')
    check(v[2] == 0, f'none carries another request\'s Host header (got {v[2]})')
    sys.exit(0)
ok, vout, rows = validate(path, *Q)
print(vout[-3000:])
check(ok, f'{BUILD}: the trace validates (protoc + trace_processor)')
v = [one(r) for r in rows]
check(v[0] == N, f'{N} distinct /probe-N paths, each with its own Host header (got {v[0]})')
check(v[1] == N and v[2] == N, f'{N} slices with a probe path (got {v[1]}), all status 404 (got {v[2]})')
check(v[3] == LONG[:128], f'the long path is cut at 128 bytes and marked (got {v[3]!r})')
check(v[4] == 1, f'only the long path is marked truncated (got {v[4]})')
check(v[5] == REPEAT, f'{REPEAT} slices for {REP} (got {v[5]})')
# Interned: the repeated path's bytes are in the file once per sequence
# that saw it (a ring: the image has one per CPU, the hostbuild one per
# thread), not once per request.
raw = open(path, 'rb').read()
copies = raw.count(REP.encode())
check(1 <= copies <= REPEAT // 2, f'{REP} stored {copies} times for {REPEAT} requests (interned per sequence)')
