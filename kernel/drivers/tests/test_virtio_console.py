"""virtio-console channels in the image, driven straight through QEMU (not
the launcher's channel wiring, so the driver is tested on its own):

  - 1 MiB in random-sized writes comes back byte-exact (chan-echo), and the
    throughput both ways is printed;
  - a peer that leaves mid-stream is seen as a disconnect, and a new peer is
    served;
  - with no peer connected, non-blocking and blocking writes return at once
    (-EPIPE) and are counted;
  - a port that does not exist is reported as absent, fast;
  - boot lines (pci, virtio-console) stay off the console unless
    loglevel=debug;
  - threads writing one channel at once: each blocking write arrives whole
    (tests/apps/chan_threads.c);
  - a used-ring id the driver never posted (out of range, or not in
    flight) panics with a message naming it (virtq_bad.c).
"""
import io
import os
import random
import socket
import tempfile
import threading
import time
from lulib import BUILD, BUILD_DIR, check, fail, launcher_env, skip

if BUILD == 'host':
    skip('applies to the image build: the hostbuild has no virtio device (its channels are tested by the '
         'chan tests)')
# Each image this test boots is built with it (apps/, tests/ and this folder's
# meson.build): one that is missing is a broken build, never a reason to skip.
for _name in ('chan-echo', 'chan-threads', 'virtq-bad'):
    if not os.path.isfile(os.path.join(BUILD_DIR, _name)):
        fail(f'{os.path.join(BUILD_DIR, _name)} not built (ninja -C {BUILD_DIR}): the channel checks need it')

os.environ.update(launcher_env())  # first: the launcher reads LUCENT_BUILD_ROOT when imported
from launcher.common import LucentError  # noqa: E402
from launcher.qemu import Run  # noqa: E402  (the launcher's own boot, without its channel wiring)

IMAGE = os.path.join(BUILD_DIR, 'chan-echo')


class Boot:
    """chan-echo (or another image) with a virtio-serial device whose ports
    are UNIX socket chardevs in a temporary directory."""

    def __init__(self, args, ports=('lucent.test',), kernel_opts=(), image=IMAGE, timeout=60, modern_only=False):
        self.dir = tempfile.mkdtemp(prefix='lucent-vcon-')
        # modern_only: 1af4:1043, as the launcher configures it; else 1af4:1003 (transitional)
        extra = ['-device', 'virtio-serial-pci' + (',disable-legacy=on' if modern_only else '')]
        for i, name in enumerate(ports):
            extra += ['-chardev', f'socket,id=c{i},path={self.sock(name)},server=on,wait=off',
                      '-device', f'virtserialport,chardev=c{i},name={name}']
        self.run = Run(image, list(args), timeout=timeout, run_dir=self.dir, kernel_opts=kernel_opts,
                              extra_qemu=extra)
        self.out = io.BytesIO()
        self.run.start()
        self.status = None
        self.error = None
        self.thread = threading.Thread(target=self._stream, daemon=True)
        self.thread.start()

    def sock(self, name):
        return os.path.join(self.dir, name + '.sock')

    def _stream(self):
        try:
            self.status = self.run.stream(self.out)
        except LucentError as e:
            self.error = str(e)

    def console(self):
        return self.out.getvalue().decode(errors='replace')

    def wait_console(self, text, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.console():
                return True
            if not self.thread.is_alive():
                return text in self.console()
            time.sleep(0.01)
        return False

    def connect(self, name='lucent.test'):
        end = time.monotonic() + 10
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.sock(name))
                return s
            except OSError:
                s.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.02)

    def finish(self, timeout=30):
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.run.kill()
            self.thread.join(5)
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.status


def recv_exact(s, n, timeout=60):
    s.settimeout(timeout)
    chunks, got = [], 0
    while got < n:
        d = s.recv(min(1 << 16, n - got))
        if not d:
            break
        chunks.append(d)
        got += len(d)
    return b''.join(chunks)


def echo_round_trip(s, data, rng):
    """Writes data in random-sized pieces from one thread while reading the
    echo in this one (a single thread could deadlock on full buffers)."""
    def writer():
        off = 0
        while off < len(data):
            n = rng.randint(1, 9000)
            s.sendall(data[off:off + n])
            off += n
    t = threading.Thread(target=writer, daemon=True)
    t0 = time.monotonic()
    t.start()
    back = recv_exact(s, len(data))
    t.join(30)
    return back, time.monotonic() - t0


# 0. Split-ring bookkeeping, then a device that returns a bad descriptor id.
run = Run(os.path.join(BUILD_DIR, 'virtq-bad'), ['chains'], timeout=30)
run.start()
out = io.BytesIO()
status = run.stream(out)
print(out.getvalue().decode(errors='replace'))
check(status == 0 and b'chains ok' in out.getvalue(),
      f'descriptor chains completed out of order are freed and reused (status {status})')
for mode, why in (('range', 'out of range'), ('stale', 'not in flight')):
    run = Run(os.path.join(BUILD_DIR, 'virtq-bad'), [mode], timeout=30)
    run.start()
    out = io.BytesIO()
    try:
        status = run.stream(out)
    except LucentError as e:
        status = str(e)
    text = out.getvalue().decode(errors='replace')
    print(text)
    check(status == 134 and f'panic: virtio: device 1af4:1003 queue 5 returned descriptor id' in text
          and why in text, f'a used id {why} panics with a clear message (status {status})')

rng = random.Random(1234)

# 1. Echo 1 MiB, byte-exact; then a peer leaves mid-stream and a new one is served.
b = Boot(['lucent.test', '--idle', '3'])
check(b.wait_console('chan-echo: serving lucent.test'), 'chan-echo opens lucent.test over virtio-console')
s = b.connect()
data = rng.randbytes(1 << 20)
back, dt = echo_round_trip(s, data, rng)
check(back == data, f'1 MiB in random-sized writes echoes back byte-exact ({len(back)} bytes)')
print(f'echo throughput under {b.run.accel}: {len(data) / dt / 1e6:.2f} MB/s each way ({dt:.2f} s)')

# Leave with data in flight, then reconnect.
s.sendall(rng.randbytes(200000))
s.close()
time.sleep(0.3)
check(b.wait_console("chan-echo: peer left"), 'the guest sees the peer leave')
s = b.connect()
msg = b'after reconnect: ' + rng.randbytes(5000)
s.sendall(msg)
# Echoes still queued for the old peer may reach the new one first (a
# virtio-serial port is one stream): look for the message at the end.
s.settimeout(20)
got = b''
end = time.monotonic() + 20
while not got.endswith(msg) and time.monotonic() < end:
    try:
        d = s.recv(65536)
    except socket.timeout:
        break
    if not d:
        break
    got += d
check(got.endswith(msg), f'a new peer is served after a disconnect ({len(got) - len(msg)} stale bytes first)')
s.close()
status = b.finish()
print(b.console())
check(status == 0, f'chan-echo exits 0 after its idle time (status {status}, {b.error})')
check('connects 2 disconnects 2' in b.console(), 'stats count two connects and two disconnects')

# 2. Nobody connected: writes never wait.
b = Boot(['lucent.test', '--flood', str(64 << 20)])
status = b.finish()
out = b.console()
print(out)
check(status == 0, f'flood with no peer exits 0 (status {status}, {b.error})')
check('blocking epipe' in out and 'wrote 0' in out, 'writes with no peer return -EPIPE, blocking ones too')
check('dropped 1024' in out, 'every refused non-blocking write is counted in writes_dropped (plat.h)')

# 3. Four threads write framed messages at once.
THREADS, MSGS = 4, 150
b = Boot(['lucent.test', str(THREADS), str(MSGS)], image=os.path.join(BUILD_DIR, 'chan-threads'), modern_only=True)
s = b.connect()
s.settimeout(60)
buf = b''
seen = {t: 0 for t in range(THREADS)}
ok = True
while sum(seen.values()) < THREADS * MSGS:
    d = s.recv(1 << 16)
    if not d:
        break
    buf += d
    while b'\n' in buf:
        line, buf = buf.split(b'\n', 1)
        t, i, pad = line.split(b' ', 2)
        t, i = int(t), int(i)
        if i != seen[t] or len(line) != 3000 + i % 5000 or pad.strip(bytes([97 + t])) != b'':
            ok = False
        seen[t] = i + 1
s.sendall(b'!')
status = b.finish()
print(b.console())
check(ok and sum(seen.values()) == THREADS * MSGS and status == 0,
      f'{THREADS} threads x {MSGS} messages arrive whole and in order per thread, on 1af4:1043 (status {status})')
s.close()

# 4. A port that is not there; boot lines only with loglevel=debug.
b = Boot(['lucent.nothere'], ports=('lucent.trace',))
status = b.finish()
check(status == 3 and 'no channel lucent.nothere' in b.console(), 'an absent port opens as NULL')
check('pci:' not in b.console(), 'no pci lines on the console by default')
b = Boot(['lucent.nothere'], ports=('lucent.trace', 'lucent.metrics'), kernel_opts=['loglevel=debug'])
b.finish()
out = b.console()
print(out)
check('1af4:1003' in out and 'port 2 is lucent.metrics' in out, 'loglevel=debug lists pci devices and ports')
