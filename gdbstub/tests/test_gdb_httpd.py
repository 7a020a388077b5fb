"""gdb and a serving app: httpd booted with --net and --gdb answers HTTP,
gdb attaches (the image stops) and detaches, httpd answers again, gdb
attaches a second time, and after that detach httpd still answers."""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from gdblib import BUILD_DIR, Image, gdb, free_port, require_image_and_gdb
from lulib import LAUNCHER, check, fail, launcher_env

require_image_and_gdb()
HTTPD = os.path.join(BUILD_DIR, 'httpd')
if not os.path.isfile(HTTPD):
    fail(f'{HTTPD} not built (ninja -C {BUILD_DIR})')


def get(port):
    with urllib.request.urlopen(f'http://127.0.0.1:{port}/', timeout=20) as r:
        return r.status


class Httpd(Image):
    """httpd instead of gdb-demo, through the same launcher and cleanup."""

    def __init__(self):
        self.port = free_port()
        self.http = free_port()
        self.console = tempfile.TemporaryFile()
        cmd = [sys.executable, LAUNCHER, 'run', '--timeout', '120', '--net', '--port', str(self.http),
               f'--gdb={self.port}', 'httpd']
        self.proc = subprocess.Popen(cmd, stdout=self.console, stderr=subprocess.STDOUT, env=launcher_env(),
                                     start_new_session=True)
        self.wait_listening()


with Httpd() as img:
    check(img.wait_for('httpd: listening', 60), 'httpd listening')
    check(get(img.http) == 200, 'httpd answers before gdb')
    out1 = gdb(img.port, ['echo ==threads\\n', 'info threads', 'detach'], image=HTTPD)
    print(out1)
    check(re.search(r'Thread \d+ "main"', out1) and 'detached' in out1, 'gdb attached to httpd, saw its threads, detached')
    check(get(img.http) == 200, 'httpd answers after detach')
    out2 = gdb(img.port, ['monitor threads', 'detach'], image=HTTPD)
    print(out2)
    check(re.search(r'\b1\s+main\s+\w+', out2) and 'detached' in out2, 'reattached (monitor threads), detached again')
    check(get(img.http) == 200, 'httpd answers after the second detach')

    # A gdb killed while the image is stopped at a breakpoint (halted in the
    # stub, not serving from an NMI): the stub learns it from the port's
    # close (a control message, signalled by NMI while stopped) and the
    # image runs on, without waiting for the next gdb.
    killed = subprocess.Popen(['gdb', '-nx', '-batch', '-ex', f'target remote 127.0.0.1:{img.port}',
                               '-ex', 'break serve_one', '-ex', 'continue', '-ex', 'echo ==stopped\\n',
                               '-ex', 'shell sleep 120', HTTPD],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    time.sleep(3)
    result = {}
    getter = threading.Thread(target=lambda: result.update(status=get(img.http)), daemon=True)
    getter.start()  # hits the breakpoint
    seen = ''
    deadline = time.monotonic() + 60
    while '==stopped' not in seen and time.monotonic() < deadline:
        line = killed.stdout.readline()
        if not line:
            break
        seen += line
    check('==stopped' in seen and 'serve_one' in seen, 'a third gdb stopped httpd at a breakpoint in serve_one'
          + ('' if '==stopped' in seen else '\n' + seen[-1500:]))
    os.killpg(killed.pid, signal.SIGKILL)  # gdb, its shell and the shell's sleep
    killed.wait()
    t0 = time.monotonic()
    getter.join(30)
    check(result.get('status') == 200, f'gdb killed at the breakpoint: the stopped request completes '
          f'({result.get("status")}, {time.monotonic() - t0:.1f} s)')
    check(get(img.http) == 200, 'and httpd serves on')
