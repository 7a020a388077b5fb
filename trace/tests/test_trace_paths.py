"""Dynamic string arguments, as a user first tried them: apps/httpd traced
from boot (`lucent run --trace FILE --net httpd`) gets requests for paths it
has never seen, /probe-1 ... /probe-50 (all 404), and the trace holds 50
http_request slices carrying those paths and the Host header each request
sent. Also: a path longer than the bound (128 bytes) is cut there and marked
`path_truncated`; and one path asked for 20 times is interned, its bytes in
the file once per sequence rather than once per request. Both builds."""
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
host = ['--host'] if BUILD == 'host' else []
cmd = [sys.executable, LAUNCHER, 'run', *host, '--trace', path, '--net', '--port', str(port), 'httpd']
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=launcher_env(),
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
check(1 <= copies <= 4, f'{REP} stored {copies} times for {REPEAT} requests (interned per sequence)')
