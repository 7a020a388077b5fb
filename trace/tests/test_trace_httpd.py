"""apps/httpd traced from boot (`lucent run --trace FILE --net httpd`): N
requests, then the trace is checked with protoc and trace_processor. Both
builds: one http_request slice per request with method, path and status,
nothing unterminated, thread names. The image also: the scheduler as
Perfetto CPU data (`sched`, `thread_state`, thread names from the switches),
interrupt slices, lwIP frames in and out, accepted connections, syscalls and
virtio queue events."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import http.client
from pfcheck import BUILD, one, validate
from lulib import LAUNCHER, check, launcher_env

N = 8
path = os.path.join(tempfile.mkdtemp(prefix='lucent-trace-httpd-'), 'httpd.pftrace')
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


threading.Thread(target=pump, daemon=True).start()
try:
    check(ready.wait(120) and proc.poll() is None, 'httpd starts with tracing on')
    statuses = []
    for i in range(N):
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
        c.request('GET', '/1k')
        r = c.getresponse()
        statuses.append((r.status, len(r.read())))
        c.close()
    check(statuses == [(200, 1024)] * N, f'{N} GET /1k answered 200 with 1 KiB each')
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

Q = [
    "select count(*) from slice s join args m on m.arg_set_id = s.arg_set_id and m.key = 'debug.method' "
    "join args p on p.arg_set_id = s.arg_set_id and p.key = 'debug.path' "
    "join args t on t.arg_set_id = s.arg_set_id and t.key = 'debug.status' "
    "where s.name = 'http_request' and m.string_value = 'GET' and p.string_value = '/1k' and t.int_value = 200",
    "select count(*) from slice where dur < 0 or (name = 'http_request' and dur <= 0)",
    "select count(*) from thread where name = 'lucent-trace'",
]
if BUILD == 'image':
    Q += [
        "select count(*) from sched where utid != 0",
        "select count(distinct state) from thread_state",
        "select count(*) from thread where name in ('main', 'lwip-tcpip', 'virtio-net-rx')",
        "select count(*) from slice s join thread_track t on s.track_id = t.id where s.name = 'irq'",
        "select count(*) from slice where name = 'irq'",
        "select count(*) from slice where name = 'net_rx'",
        "select count(*) from slice where name = 'net_tx'",
        "select count(*) from slice where name = 'tcp_accept'",
        "select count(*) from slice where name in ('write', 'read')",
        "select count(*) from slice where name in ('virtq_kick', 'virtq_used')",
    ]
ok, vout, rows = validate(path, *Q)
print(vout[-3000:])
check(ok, f'{BUILD}: the httpd trace validates (protoc + trace_processor)')
v = [one(r) for r in rows]
check(v[0] == N, f'{N} http_request slices with method GET, path /1k, status 200 (got {v[0]})')
check(v[1] == 0, f'no negative or empty request durations (got {v[1]})')
check(v[2] >= 1, f'the drain thread is named lucent-trace (got {v[2]})')
if BUILD == 'image':
    check(v[3] > 0, f'the sched table holds context switches (got {v[3]})')
    check(v[4] >= 2, f'thread_state has running and sleeping states (got {v[4]} distinct)')
    check(v[5] == 3, f'kernel threads are named (main, lwip-tcpip, virtio-net-rx: got {v[5]})')
    check(v[6] == 0 and v[7] > 0, f'interrupt slices, on the irq track not a thread\'s (got {v[7]}, {v[6]})')
    check(v[8] >= N and v[9] >= N, f'lwIP frames in and out (net_rx {v[8]}, net_tx {v[9]})')
    check(v[10] >= N, f'an accept per connection (got {v[10]})')
    check(v[11] > 0 and v[12] > 0, f'syscall slices ({v[11]}) and virtio queue events ({v[12]})')
