"""lucent bpftrace: a hostbuild httpd serving N requests, traced
from outside with eBPF, attached by PID and stopped with Ctrl-C (SIGINT).
The trace validates; it has N http_request slices with their arguments,
sched_switch activity for httpd's threads, and every request begins inside a
"running" slice of its own thread: the app's tracepoints and the kernel's
scheduler on one timeline."""
import os
import signal
import socket
import subprocess
import tempfile
from bpftlib import BUILD_DIR, check, finish, need_tool, one, start_tool, validate

tool = need_tool()
httpd = os.path.join(BUILD_DIR, 'httpd')
probes = subprocess.run(['readelf', '-n', httpd], capture_output=True, text=True).stdout
check('http_request_begin' in probes, 'httpd has its lucent:http_request_begin USDT probe (none: built without '
      'sys/sdt.h? tools/setup installs systemtap-sdt-dev)')

def get_until_closed(port, path):
    """One GET with Connection: close, read until httpd closes its side. The
    request's end probe runs after httpd sent the response but before it
    closes the connection, so once the close is seen the slice has ended: a
    Ctrl-C sent after the last response alone could stop the tool between
    the two and leave the last slice open."""
    with socket.create_connection(('127.0.0.1', port), timeout=20) as c:
        c.sendall(f'GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'.encode())
        data = b''
        while chunk := c.recv(65536):
            data += chunk
    return int(data.split(b' ', 2)[1]) if data.startswith(b'HTTP/1.') else 0


N = 30
P = 50
tmp = tempfile.mkdtemp(prefix='lucent-bpft-')
out = os.path.join(tmp, 'httpd.pftrace')
with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
# Tracing is off in the process: httpd's begin probe sits behind
# lu_trace_http_request_begin_enabled(), which the probe's USDT semaphore
# turns on while the tool is attached (nothing compiled in or switched on).
env = dict(os.environ, LUCENT_RUN_DIR=tmp)
env.pop('LUCENT_TRACE', None)
srv = subprocess.Popen([httpd, '--port', str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, env=env)
try:
    line = srv.stdout.readline()
    check('listening' in line, f'httpd listens ({line.strip()})')
    tracer, pid = start_tool(str(srv.pid), '--out', out)
    check(pid == srv.pid, 'the tool traces httpd by PID')
    paths = ['/', '/stats', '/nope']
    statuses = {}
    for i in range(N):
        status = get_until_closed(port, paths[i % 3])
        statuses[status] = statuses.get(status, 0) + 1
    check(statuses.get(404) == N // 3, f'httpd answered {N} requests ({statuses})')
    # paths httpd has never seen: the probe passes each one's bytes (pointer
    # and length), read in BPF while the request is alive
    probes = [get_until_closed(port, f'/probe-{i}') for i in range(1, P + 1)]
    check(probes == [404] * P, f'{P} GETs of /probe-1 ... /probe-{P} answered 404')
    tracer.send_signal(signal.SIGINT)
    rc, err = finish(tracer)
finally:
    srv.terminate()
    srv.wait(10)
check(rc == 0, f'lucent bpftrace exits 0 on Ctrl-C (got {rc})')
check('Interrupt' in err and 'wrote' in err, 'it says it was interrupted and what it wrote')

ok, text, rows = validate(
    out,
    "select count(*) from slice where name = 'http_request'",
    "select count(*) from slice s join args a using(arg_set_id) where s.name = 'http_request' "
    "and a.key = 'debug.status' and a.int_value = 404",
    "select count(*) from slice s join args a using(arg_set_id) where s.name = 'http_request' "
    "and a.key = 'debug.path' and a.string_value = '/stats'",
    "select count(*) from slice s join args a using(arg_set_id) where s.name = 'http_request' "
    "and a.key = 'debug.method' and a.string_value = 'GET'",
    "select count(*) from slice where name = 'running'",
    "select count(*) from slice where dur < 0",
    # every request begins while its thread is on a CPU, as sched_switch saw it
    "select count(*) from slice s join thread_track tt on s.track_id = tt.id join thread using(utid) "
    "where s.name = 'http_request' and not exists (select 1 from slice r join track t on r.track_id = t.id "
    "where r.name = 'running' and t.name = 'tid ' || thread.tid || ' on CPU' "
    "and r.ts <= s.ts and s.ts <= r.ts + r.dur)",
    "select count(*) from thread where upid = (select upid from process where pid = %d)" % pid,
    "select count(distinct a.string_value) from slice s join args a using(arg_set_id) where s.name = "
    "'http_request' and a.key = 'debug.path' and a.string_value glob '/probe-*'",
    "select count(*) from slice s join args a using(arg_set_id) where s.name = 'http_request' "
    "and a.key = 'debug.host' and a.string_value = '127.0.0.1'",
)
print(text[-3000:])
check(ok, 'the trace validates (protoc and trace_processor)')
check(one(rows[0]) == N + P, f'{N + P} http_request slices (got {one(rows[0])})')
check(one(rows[1]) == N // 3 + P, f'status arguments: {N // 3 + P} with 404 (got {one(rows[1])})')
check(one(rows[2]) == N // 3, f'string arguments read from the process: {N // 3} path=/stats (got {one(rows[2])})')
check(one(rows[3]) == N + P, f'method=GET on all {N + P} (got {one(rows[3])})')
check(one(rows[4]) > 0, f'sched_switch activity: {one(rows[4])} running slices')
check(one(rows[5]) == 0, 'no slice has a negative duration (no END without its BEGIN)')
check(one(rows[6]) == 0, f'every request begins inside a running slice of its thread ({one(rows[6])} do not)')
check(one(rows[7]) >= 2, f'httpd threads are named in the trace ({one(rows[7])})')
check(one(rows[8]) == P, f'{P} slices carry their own /probe-N path (got {one(rows[8])})')
check(one(rows[9]) == N + P, f'and the Host header (got {one(rows[9])})')
