"""The collector may die at any moment and the program must not care:
trace-demo streams for a few seconds while (1) a collector is SIGKILLed
mid-stream, (2) a host writes garbage on the trace channel, (3) a second
collector connects and leaves with SIGTERM. Both files validate, and the
program finishes normally."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pfcheck import BUILD, one, validate
from lulib import LAUNCHER, check, launcher_env

tmp = tempfile.mkdtemp(prefix='lucent-trace-kill-')
run_dir = os.path.join(tmp, 'run')
host = ['--host'] if BUILD == 'host' else []
app = subprocess.Popen([sys.executable, LAUNCHER, 'run', *host, '--run-dir', run_dir, '--kernel-opt', 'trace=demo',
                        'trace-demo', '--', 'stream', '6' if BUILD == 'host' else '12'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=launcher_env())
sock = os.path.join(run_dir, 'lucent.trace.sock')
for _ in range(600):
    if os.path.exists(sock) or app.poll() is not None:
        break
    time.sleep(0.05)
if not os.path.exists(sock):
    died = app.poll()
    app.terminate()  # SIGTERM: the launcher stops QEMU too, where SIGKILL would not
    try:
        print(*app.communicate(timeout=30), sep='\n')
    except subprocess.TimeoutExpired:
        app.kill()
        print(*app.communicate(), sep='\n')
    check(False, f'{BUILD}: trace-demo\'s trace channel appears at {sock} ('
          + (f'the run exited {died} first)' if died is not None else 'the run went on 30 s without it)'))


def collector(out):
    return subprocess.Popen([sys.executable, LAUNCHER, 'trace', '--out', out, run_dir], env=launcher_env())


f1, f2 = os.path.join(tmp, 'killed.pftrace'), os.path.join(tmp, 'second.pftrace')
c = collector(f1)
time.sleep(1.5)
c.send_signal(signal.SIGKILL)
c.wait()
time.sleep(0.2)
# a host that writes garbage, then leaves
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock)
s.sendall(os.urandom(4096) + b'\nenable \xff\xfe\n' + b'x' * 1000 + b'\n')
time.sleep(0.3)
s.close()
time.sleep(0.2)
c = collector(f2)
time.sleep(1.5)
c.send_signal(signal.SIGTERM)
rc2 = c.wait()
out, err = app.communicate(timeout=120)
print(out, err)
check(app.returncode == 0 and 'still running' in out, f'{BUILD}: the program kept running to its normal end')
check(rc2 == 0, 'the second collector exits cleanly on SIGTERM')
for f, how in ((f1, 'killed collector'), (f2, 'after garbage, second collector')):
    ok, o, rows = validate(f, "select count(*) from slice where name = 'tick'")
    print(o)
    check(ok, f'{how}: the file validates')
    check((one(rows[0]) or 0) > 0, f'{how}: it holds tick events ({one(rows[0])})')
