"""gdb and a serving app: httpd booted with --net and --gdb answers HTTP,
gdb attaches (the image stops) and detaches, httpd answers again, gdb
attaches a second time, and after that detach httpd still answers."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdblib import BUILD_DIR, Image, gdb, free_port, require_image_and_gdb  # noqa: E402
from lulib import LAUNCHER, check, launcher_env, skip  # noqa: E402

require_image_and_gdb()
HTTPD = os.path.join(BUILD_DIR, 'httpd')
if not os.path.isfile(HTTPD):
    skip(f'{HTTPD} not built')


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
