"""stdin: the app's fd 0 is the launcher's, in both builds: a pipe, a file,
none (end of file at once), a terminal (the host's line discipline edits the
line, ^D ends input, ^C stops the run); a 1 MiB binary stream comes back
byte for byte, also to a slow reader; and an app that never reads stdin
leaves it for whoever reads next. tests/apps/stdin_echo.c is the app.
"""
import os
import pty
import random
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time

from lulib import BUILD, LAUNCHER, check, fail, launcher_env

HOST = ['--host'] if BUILD == 'host' else []
SEED = int(os.environ.get('LUCENT_SEED', random.randrange(1 << 32)))
print(f'seed {SEED} (LUCENT_SEED={SEED} replays the random streams)')
rng = random.Random(SEED)


def run(args, stdin, timeout=180):
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, LAUNCHER, 'run', '--quiet'] + HOST + ['stdin-echo', '--'] + args,
                       stdin=stdin if not isinstance(stdin, bytes) else None,
                       input=stdin if isinstance(stdin, bytes) else None,
                       capture_output=True, timeout=timeout, env=launcher_env())
    r.took = time.monotonic() - t0
    return r


def lines_of(r):
    return r.stdout.decode(errors='replace').splitlines()


# A pipe: lines, then end of file.
r = run(['lines'], b'x\nsecond line "quoted"\nno newline at the end')
check(r.returncode == 0 and lines_of(r) == ['tty=0', 'got 1: x', 'got 20: second line "quoted"',
                                             'got 21: no newline at the end', 'eof'],
      f'{BUILD}: a pipe: every line, then end of file ({lines_of(r)}, {r.took:.1f} s)')

# No stdin (as tests run, DEVNULL): end of file at once.
r = run(['lines'], subprocess.DEVNULL)
check(r.returncode == 0 and lines_of(r) == ['tty=0', 'eof'], f'{BUILD}: /dev/null: end of file at once')

# 1 MiB of random bytes (every value, NULs and newlines included): through a
# pipe, and from a file, back byte for byte.
blob = rng.randbytes(1 << 20)
r = run(['cat'], blob)
if r.stdout != blob:
    fail(f'{BUILD}: 1 MiB through a pipe came back different (seed {SEED}): {len(r.stdout)} bytes, '
         f'first difference at {next((i for i, (a, b) in enumerate(zip(r.stdout, blob)) if a != b), None)}; '
         f'stderr {r.stderr[-500:]!r}')
check(r.returncode == 0, f'{BUILD}: 1 MiB through a pipe, byte for byte ({r.took:.1f} s)')
with tempfile.TemporaryFile() as f:
    f.write(blob)
    f.seek(0)
    r = run(['cat'], f)
check(r.returncode == 0 and r.stdout == blob, f'{BUILD}: 1 MiB from a file, byte for byte ({r.took:.1f} s)')

# A slow reader (512 bytes, then 1 ms asleep) loses nothing: the launcher
# waits for it, the bytes are not dropped.
part = blob[:192 * 1024]
r = run(['cat', '1000'], part)
check(r.returncode == 0 and r.stdout == part,
      f'{BUILD}: a slow reader gets all 192 KiB, byte for byte ({len(r.stdout)} bytes, {r.took:.1f} s)')

# An app that never reads stdin leaves it alone: the next reader gets it.
r = subprocess.run(['sh', '-c', f'"{sys.executable}" "{LAUNCHER}" run --quiet {" ".join(HOST)} hello -- 0 '
                   '>/dev/null; cat'], input=b'left for the next reader\n', capture_output=True, timeout=120,
                   env=launcher_env())
check(r.stdout == b'left for the next reader\n',
      f'{BUILD}: an app that does not read stdin leaves it unread (next reader got {r.stdout!r})')


# A terminal: the launcher on a pty that is its controlling terminal, as in
# an interactive shell; its stdout on a pipe, read here.
class Tty:
    def __init__(self):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, LAUNCHER, 'run', '--quiet'] + HOST + ['stdin-echo', '--', 'lines'],
                                     stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=launcher_env(), start_new_session=True,
                                     preexec_fn=lambda: __import__('fcntl').ioctl(0, termios.TIOCSCTTY, 0))
        self.slave = slave
        self.out = b''

    def expect(self, line, timeout=60):
        deadline = time.monotonic() + timeout
        while line.encode() + b'\n' not in self.out:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not select.select([self.proc.stdout], [], [], 0)[0]:
                self.kill()
                fail(f'{BUILD}: terminal: no line {line!r}; output so far {self.out!r}')
            for fd in select.select([self.proc.stdout, self.master], [], [], min(left, 0.5))[0]:
                data = os.read(fd if fd == self.master else fd.fileno(), 65536)
                if fd != self.master:  # the pty's side holds only the echo of what we typed
                    self.out += data
                    if not data:
                        self.proc.wait()

    def type(self, data):
        os.write(self.master, data)

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


t = Tty()
t.expect('tty=1')
canon = termios.tcgetattr(t.slave)[3] & termios.ICANON
t.type(b'hellp\x7fo world\n')  # DEL erases the p: the host's line discipline edited the line
t.expect('got 11: hello world')
t.type(b'\x04')  # ^D at the start of a line: end of file
t.expect('eof')
rc = t.proc.wait(timeout=60)
check(canon and rc == 0, f'{BUILD}: a terminal: isatty(0), a line edited by the host, its answer, ^D ends the program')

t = Tty()
t.expect('tty=1')
t0 = time.monotonic()
t.type(b'\x03')  # ^C: SIGINT to the launcher's process group
try:
    rc = t.proc.wait(timeout=30)
except subprocess.TimeoutExpired:
    t.kill()
    fail(f'{BUILD}: ^C did not stop the run within 30 s')
check(rc == 130, f'{BUILD}: ^C stops the run (exit {rc}, {time.monotonic() - t0:.1f} s)')
