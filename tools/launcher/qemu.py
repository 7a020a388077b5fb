"""Booting an image under QEMU: the machine every image gets (serial
console, exit device), KVM where it works and TCG otherwise, the console
streamed and the exit status read back. `lucent exec` (meson's exe_wrapper
for the image tests) is this alone; `lucent run` adds the run directory and
its plugins' devices (tools/launcher/run.py).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import proc
from .common import BUILD, QEMU, LucentError, note

# Signal numbers as the image reports them (128 + signo, like a shell).
SIGNAMES = {4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 8: 'SIGFPE', 11: 'SIGSEGV'}


def kvm_usable():
    """True when /dev/kvm opens and a real image boots correctly under it.

    The probe matters: nested or restricted KVM can open fine and still fail
    (seen here: MSR assertions with -cpu host, garbage output with qemu64).
    The answer is cached per host boot in ~/.cache/lucent.
    """
    global _kvm_answer
    if _kvm_answer is not None:
        return _kvm_answer
    want = os.environ.get('LUCENT_ACCEL', 'auto')
    if want in ('tcg', 'kvm'):
        _kvm_answer = want == 'kvm'
        return _kvm_answer
    try:
        fd = os.open('/dev/kvm', os.O_RDWR)
        os.close(fd)
    except OSError:
        _kvm_answer = False
        return False
    try:
        with open('/proc/sys/kernel/random/boot_id') as f:
            boot_id = f.read().strip()
    except OSError:
        boot_id = 'unknown'
    cache = os.path.join(os.environ.get('XDG_CACHE_HOME', os.path.expanduser('~/.cache')), 'lucent',
                         f'kvm-probe-{boot_id}')
    if os.path.exists(cache):
        with open(cache) as f:
            _kvm_answer = f.read().strip() == 'kvm'
        return _kvm_answer
    probe = os.path.join(BUILD, 'image', 'hello')
    ok = False
    if os.path.isfile(probe):
        d = tempfile.mkdtemp(prefix='lucent-kvm-probe-')
        try:
            exit_file = os.path.join(d, 'exit')
            r = subprocess.run([QEMU, '-machine', 'pc,accel=kvm', '-cpu', 'host', '-m', '64M', '-nodefaults',
                                '-no-reboot', '-display', 'none', '-kernel', probe, '-append', '-- 0',
                                '-serial', 'stdio', '-chardev', f'file,id=exit,path={exit_file}',
                                '-device', 'isa-debugcon,iobase=0xe9,chardev=exit',
                                '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
                               capture_output=True, timeout=5, stdin=subprocess.DEVNULL)
            ok = b'hello from lucent' in r.stdout and open(exit_file).read().strip() == 'exit=0'
        except (subprocess.TimeoutExpired, OSError):
            ok = False
        finally:
            shutil.rmtree(d, ignore_errors=True)
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(cache, 'w') as f:
            f.write('kvm' if ok else 'tcg')
        if not ok:
            note('/dev/kvm is present but a probe boot failed under it; using TCG '
                 '(set LUCENT_ACCEL=kvm to force)')
    _kvm_answer = ok
    return ok


_kvm_answer = None


# The most an app's arguments may hold, in both builds, so that a vector one
# build takes the other takes too: each argument below Linux's
# MAX_ARG_STRLEN (128 KiB with its NUL), all of them (a NUL after each) at
# most ARGS_MAX. The image reads them from fw_cfg (kernel/boot/args.c),
# which has no smaller limit; the hostbuild's execve allows 2 MiB with the
# environment under the default 8 MiB stack limit.
ARG_MAX = 128 * 1024
ARGS_MAX = 1024 * 1024


def encode_args(args):
    """The arguments as bytes (a str holds them as the launcher's own argv
    decoded them: os.fsencode gives back the exact bytes, invalid UTF-8
    included); a LucentError, before anything boots, for a vector one of
    the builds could not take."""
    out = [os.fsencode(a) for a in args]
    for i, a in enumerate(out):
        if b'\0' in a:
            raise LucentError(f'argument {i + 1} holds a NUL byte, which no program can receive')
        if len(a) + 1 > ARG_MAX:
            raise LucentError(f'argument {i + 1} is {len(a)} bytes long; the most is {ARG_MAX - 1}')
    total = sum(len(a) + 1 for a in out)
    if total > ARGS_MAX:
        raise LucentError(f'the arguments take {total} bytes (a NUL after each); the most is {ARGS_MAX}')
    return out


def encode_env(env):
    """--env's K=V strings as bytes, for the image's fw_cfg file."""
    out = [os.fsencode(kv) for kv in env]
    for kv in out:
        if b'\0' in kv or not kv.partition(b'=')[0]:
            raise LucentError(f'bad environment entry {os.fsdecode(kv)!r} (want K=V, no NUL)')
    return out


def fw_cfg_file(name, path, strings):
    """Writes @strings with a NUL after each to @path; the QEMU option that
    hands it to the guest as fw_cfg file @name (commas doubled: QEMU's
    option syntax)."""
    with open(path, 'wb') as f:
        f.write(b''.join(s + b'\0' for s in strings))
    return ['-fw_cfg', f'name={name},file={path.replace(",", ",,")}']


class Run:
    """One boot of an image under QEMU, with its console streamed."""

    def __init__(self, image, args, mem='64M', timeout=None, run_dir=None, quiet=False,
                 kernel_opts=(), extra_qemu=(), env=(), stdin=None):
        self.image, self.mem, self.timeout, self.stdin = image, mem, timeout, stdin
        self.args, self.env = encode_args(args), encode_env(env)
        self.run_dir = run_dir or tempfile.mkdtemp(prefix='lucent-exec-')
        self.own_run_dir = run_dir is None
        self.quiet, self.kernel_opts, self.extra_qemu = quiet, list(kernel_opts), list(extra_qemu)

    def qemu_cmd(self):
        if not shutil.which(QEMU):
            raise LucentError(f'{QEMU} not found (apt-get install qemu-system-x86)')
        self.accel = 'kvm' if kvm_usable() else 'tcg'
        # Kernel options stay on the command line; the app's argv and
        # environment travel as fw_cfg files, which carry any bytes.
        files = fw_cfg_file('opt/lucent/argv', os.path.join(self.run_dir, 'argv'), self.args)
        if self.env:
            files += fw_cfg_file('opt/lucent/env', os.path.join(self.run_dir, 'env'), self.env)
        if self.stdin:  # stdin.py's kind: the launcher forwards its stdin (kernel/libc/stdin.c)
            files += fw_cfg_file('opt/lucent/stdin', os.path.join(self.run_dir, 'stdin'), [self.stdin.encode()])
        return [QEMU, '-machine', 'pc,accel=' + self.accel, '-cpu', 'max' if self.accel == 'tcg' else 'host',
                '-m', self.mem, '-nodefaults', '-no-reboot', '-display', 'none',
                '-kernel', self.image, '-append', ' '.join(self.kernel_opts)] + files + [
                '-serial', 'stdio',
                '-chardev', f'file,id=exit,path={self.exit_file}',
                '-device', 'isa-debugcon,iobase=0xe9,chardev=exit',
                '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
                '-device', 'virtio-rng-pci,disable-legacy=on'] + self.extra_qemu

    def start(self):
        self.exit_file = os.path.join(self.run_dir, 'exit-status')
        if os.path.exists(self.exit_file):
            os.unlink(self.exit_file)
        cmd = self.qemu_cmd()
        self.t0 = time.monotonic()
        self.first_line = None
        # A session of its own: a terminal's ^C reaches the launcher, which
        # stops QEMU itself; spawn ties QEMU's life to the launcher's, so a
        # launcher killed outright takes the VM (and its ports) with it.
        self.proc = proc.spawn(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, start_new_session=True)
        return self

    def stream(self, out=sys.stdout.buffer):
        """Copy the console to out until QEMU exits; enforce the timeout."""
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ, 'out')
        sel.register(self.proc.stderr, selectors.EVENT_READ, 'err')
        self.qemu_err = b''
        open_streams = 2
        deadline = self.t0 + self.timeout if self.timeout else None
        self.timed_out = False
        while open_streams:
            wait = None if deadline is None else max(0, deadline - time.monotonic())
            if deadline is not None and wait == 0:
                self.timed_out = True
                self.kill()
                break
            for key, _ in sel.select(wait):
                data = os.read(key.fileobj.fileno(), 65536)
                if not data:
                    sel.unregister(key.fileobj)
                    open_streams -= 1
                    continue
                if key.data == 'out':
                    if self.first_line is None and b'\n' in data:
                        self.first_line = time.monotonic() - self.t0
                    out.write(data)
                    out.flush()
                else:
                    self.qemu_err += data
        self.rc = self.proc.wait()
        self.t_exit = time.monotonic() - self.t0
        return self.result()

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def result(self):
        """The app's exit status, or a LucentError saying why there is none."""
        status = None
        try:
            with open(self.exit_file, 'rb') as f:
                for line in f.read().decode(errors='replace').splitlines():
                    if line.startswith('exit='):
                        status = int(line[5:])
        except (OSError, ValueError):
            pass
        if self.own_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        if self.timed_out:
            raise LucentError(f'timed out after {self.timeout:g} s: QEMU killed')
        if status is not None:
            return status
        if self.rc == 0:
            raise LucentError('the guest stopped without an exit status (triple fault or reset)')
        msg = self.qemu_err.decode(errors='replace').strip().splitlines()
        raise LucentError(f'QEMU failed (exit {self.rc}): {msg[-1] if msg else "no message"}')


def cmd_exec(argv):
    """Boot an image file directly: meson's exe_wrapper for image tests."""
    if not argv or argv[0] in ('-h', '--help'):
        print('usage: lucent exec IMAGE [ARGS...]   (env LUCENT_TIMEOUT, LUCENT_MEM)')
        return 0 if argv else 2
    image = argv[0]
    if not os.path.isfile(image):
        raise LucentError(f'image {image} not found')
    run = Run(image, argv[1:], mem=os.environ.get('LUCENT_MEM', '64M'),
              timeout=float(os.environ.get('LUCENT_TIMEOUT', '120')))
    run.start()
    return run.stream()
