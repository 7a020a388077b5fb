#!/usr/bin/env python3
"""bench/gdb: the same gdb session against Lucent's stub and against QEMU's
built-in gdbstub, on the same image in one run, timed from inside gdb.

  bench/gdb/run.py [--uart] [STEPS]   (LUCENT_BUILD_ROOT picks the build; default build/)

The session, once stopped at main(): STEPS (default 1000) `stepi`, `info
threads`, and a 64 KiB memory read (`dump binary memory`). Our stub runs
in the guest and talks over the lucent.gdb virtio-serial port, as
`lucent run --gdb` sets it up (--uart: also over the COM2 fallback, in a
third column); QEMU's runs in the emulator and reads guest state directly,
so it is the natural floor. Prints the times and the ratio ours/QEMU
(goal: <= 1.0).
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build'))
IMAGE = os.path.join(BUILD, 'image', 'gdb-demo')
QEMU = os.environ.get('LUCENT_QEMU', 'qemu-system-x86_64')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f'QEMU exited early ({proc.returncode})')
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit('QEMU never listened')


def qemu(port_args, append, console):
    # The launcher's machine (tools/lucent, Run.qemu_cmd), TCG.
    return subprocess.Popen([QEMU, '-machine', 'pc,accel=tcg', '-cpu', 'max', '-m', '64M', '-nodefaults',
                             '-no-reboot', '-display', 'none', '-kernel', IMAGE, '-append', append,
                             '-serial', f'file:{console}',
                             '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'] + port_args,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def session(port, steps, to_main):
    """gdb's output; the timed part prints `BENCH name seconds`."""
    script = f'''
set pagination off
set confirm off
target remote 127.0.0.1:{port}
{to_main}
python
import time
def timed(name, fn):
    t = time.monotonic(); fn(); print("BENCH %s %.4f" % (name, time.monotonic() - t))
def steps():
    for _ in range({steps}):
        gdb.execute("stepi", to_string=True)
timed("stepi", steps)
timed("info_threads", lambda: gdb.execute("info threads", to_string=True))
timed("read_64k", lambda: gdb.execute("dump binary memory /dev/null 0x100000 0x110000"))
end
kill
'''
    with tempfile.NamedTemporaryFile('w', suffix='.gdb', delete=False) as f:
        f.write(script)
    try:
        r = subprocess.run(['gdb', '-nx', '-batch', '-x', f.name, IMAGE], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=600)
    finally:
        os.unlink(f.name)
    got = {k: float(v) for k, v in re.findall(r'^BENCH (\w+) ([\d.]+)$', r.stdout, re.M)}
    if len(got) != 3:
        sys.stderr.write(r.stdout)
        raise SystemExit('gdb session failed')
    return got


def run(kind, steps):
    port = free_port()
    with tempfile.NamedTemporaryFile(suffix='.console') as console:
        if kind == 'lucent':
            # The launcher's arguments for --gdb (tools/lucent_channels.py).
            proc = qemu(['-device', 'virtio-serial-pci,id=vser,disable-legacy=on', '-chardev',
                         f'socket,id=gdb,host=127.0.0.1,port={port},server=on,wait=off,nodelay=on',
                         '-device', 'virtserialport,bus=vser.0,chardev=gdb,name=lucent.gdb'],
                        'gdb=on,wait -- loop', console.name)
            to_main = ''  # gdb=wait: already stopped at main()
        elif kind == 'uart':
            proc = qemu(['-serial', f'tcp:127.0.0.1:{port},server=on,wait=off,nodelay=on'], 'gdb=on,wait -- loop',
                        console.name)
            to_main = ''  # gdb=wait: already stopped at main()
        else:
            proc = qemu(['-gdb', f'tcp:127.0.0.1:{port}', '-S'], '-- loop', console.name)
            to_main = 'hbreak main\ncontinue\ndelete'  # -S stops at the PVH entry
        try:
            wait_port(port, proc)
            return session(port, steps, to_main)
        finally:
            proc.kill()
            proc.wait()


def main():
    argv = sys.argv[1:]
    uart = '--uart' in argv
    argv = [x for x in argv if x != '--uart']
    steps = int(argv[0]) if argv else 1000
    if not os.path.isfile(IMAGE):
        raise SystemExit(f'{IMAGE} not built (ninja -C {BUILD}/image gdb-demo)')
    ours, theirs = run('lucent', steps), run('qemu', steps)
    com2 = run('uart', steps) if uart else None
    print(f'bench/gdb: gdb-demo under QEMU TCG, the same gdb session against each stub')
    extra = f' {"lucent COM2":>12} {"ratio":>7}' if com2 else ''
    print(f'  {"":22} {"lucent stub":>12} {"qemu -gdb":>12} {"ratio":>7}{extra}')
    total_o = total_q = total_u = 0.0
    for k, label in (('stepi', f'{steps} x stepi'), ('info_threads', 'info threads'),
                     ('read_64k', '64 KiB memory read')):
        total_o += ours[k]
        total_q += theirs[k]
        extra = ''
        if com2:
            total_u += com2[k]
            extra = f' {com2[k]:11.3f}s {com2[k] / theirs[k]:7.2f}'
        print(f'  {label:22} {ours[k]:11.3f}s {theirs[k]:11.3f}s {ours[k] / theirs[k]:7.2f}{extra}')
    extra = f' {total_u:11.3f}s {total_u / total_q:7.2f}' if com2 else ''
    print(f'  {"total":22} {total_o:11.3f}s {total_q:11.3f}s {total_o / total_q:7.2f}{extra}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
