"""The clock: the time an app measures equals the time that passed, also
when the machine is busy while it boots. The image measures its TSC's rate at
boot; a vCPU the host deschedules during that measurement must not skew it
(it once read rates up to 9x too high on a loaded host, so the image's clock
ran that much slow). Busy processes run beside each boot, an app prints its
clocks, the test waits PAUSE seconds and sends a line, and the app prints
them again: the app's elapsed time must lie between PAUSE and the time since
the launch, and its real-time clock must match the host's.
"""
import os
import subprocess
import sys
import time

from lulib import BUILD, LAUNCHER, check, launcher_env

HOST = ['--host'] if BUILD == 'host' else []
PAUSE = 2.0
BOOTS = 3


def hogs(n):
    return [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(n)]


def boot_once(i):
    busy = hogs(3)
    try:
        spawned = time.monotonic()
        p = subprocess.Popen([sys.executable, LAUNCHER, 'run', '--quiet'] + HOST + ['clock-check'],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=launcher_env())
        first = p.stdout.readline().split()
        seen0 = time.monotonic()
    finally:
        for h in busy:
            h.kill()
    time.sleep(PAUSE)
    p.stdin.write(b'go\n')
    p.stdin.flush()
    second = p.stdout.readline().split()
    seen1 = time.monotonic()
    host_real = time.time()
    p.stdin.close()
    rc = p.wait(timeout=60)
    check(rc == 0 and first[:1] == [b't0'] and second[:1] == [b't1'],
          f'boot {i}: clock-check ran (rc {rc}, lines {first} {second})')
    elapsed = float(second[1]) - float(first[1])
    # The app printed t0 after the launcher started and t1 before the host
    # read it; the host's view of t0 can come late (the console is relayed),
    # so the spawn is the safe lower end of the window.
    window = seen1 - spawned
    check(PAUSE * 0.98 <= elapsed <= window,
          f'boot {i}: the app measured {elapsed:.3f} s for a pause of {PAUSE} s '
          f'(host: {seen1 - seen0:.3f} s between the lines, {window:.3f} s since the launch)')
    skew = float(second[2]) - host_real
    check(abs(skew) < 2.5, f'boot {i}: its real-time clock is {skew:+.2f} s from the host\'s')


for i in range(BOOTS):
    boot_once(i)
