#!/usr/bin/env python3
"""bench/http's own checks (unit suite, host build): wrk's report is read
as wrk writes it, failures are subtracted, and the initrd writer makes an
archive the kernel can unpack (read back here by an independent newc
reader, and by cpio when it is installed). A bench that misreads its tool
reports a wrong figure without failing, so these run with the tests."""
import gzip
import os
import shutil
import subprocess
import sys
import tempfile

import linux_guest
import run

failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        failures.append(what)


# wrk 4.1's report with failures, as it prints them (the Lua tail line is
# bench/http's done() hook).
WRK = """Running 10s test @ http://127.0.0.1:8080/1k
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.01ms   40.12ms   5.63s    99.10%
    Req/Sec   900.00    100.00     1.00k    70.00%
  Latency Distribution
     50%    8.00ms
     75%    9.00ms
     90%   11.00ms
     99%    5.39s
  9000 requests in 10.00s, 10.00MB read
  Socket errors: connect 0, read 12, write 3, timeout 5
  Non-2xx or 3xx responses: 80
Requests/sec:    900.00
Transfer/sec:      1.00MB
lucent-tail p999=5607400 max=5633700 over1s=19.4480
"""
r = run.parse_wrk(WRK)
check(r['requests'] == 9000 and r['secs'] == 10.0, 'answers and duration read')
check(r['non2xx'] == 80, 'non-2xx answers read')
check(r['errors'] == {'connect': 0, 'read': 12, 'write': 3, 'timeout': 5}, 'socket errors read')
check(r['good'] == 9000 - 80 - 20 and abs(r['rps'] - 890.0) < 1e-9, 'good req/s = answers - non-2xx - errors')
check(r['p50'] == 8.0 and r['p99'] == 5390.0, 'percentiles in ms across units')
check(r['p999'] == 5607.4 and r['max'] == 5633.7 and r['over1s'] == 19.448, 'latency tail from the done() hook')
clean = run.parse_wrk(WRK.replace('  Socket errors: connect 0, read 12, write 3, timeout 5\n', '')
                      .replace('  Non-2xx or 3xx responses: 80\n', '').replace('in 10.00s', 'in 1.00m'))
check(clean['good'] == 9000 and clean['secs'] == 60.0, 'no failure lines: nothing subtracted; minutes read')
check(run.parse_wrk('unable to connect to 127.0.0.1:1 Connection refused\n') is None, 'no report is no result')

# The initrd writer, read back.
c = linux_guest.Cpio()
c.dir('var/log')
c.file('www/1k', b'x' * 1024)
c.file('init', b'#!/bin/sh\n', 0o755)
data = c.close()


def newc(blob):
    """An independent newc reader: [(name, mode, data)], or raises."""
    out, off = [], 0
    while True:
        assert blob[off:off + 6] == b'070701', f'bad magic at {off}'
        f = [int(blob[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        size, namesize = f[6], f[11]
        name = blob[off + 110:off + 110 + namesize - 1].decode()
        assert blob[off + 110 + namesize - 1] == 0
        off = (off + 110 + namesize + 3) & ~3
        body = blob[off:off + size]
        off = (off + size + 3) & ~3
        if name == 'TRAILER!!!':
            return out
        out.append((name, f[1], body))


entries = newc(data)
names = [n for n, _, _ in entries]
check(names == ['var', 'var/log', 'www', 'www/1k', 'init'], f'entries and parents in order: {names}')
check(dict((n, b) for n, _, b in entries)['www/1k'] == b'x' * 1024, 'file contents')
check(dict((n, m) for n, m, _ in entries)['init'] == 0o100755, 'file mode')
check(len(data) % 4 == 0, 'archive padded to 4 bytes')
if shutil.which('cpio'):
    listed = subprocess.run(['cpio', '-t', '--quiet'], input=data, capture_output=True).stdout.decode().split()
    check(listed == names, f'cpio -t lists the same: {listed}')
with tempfile.TemporaryDirectory() as d:
    small = os.path.join(d, 'initrd.cpio.gz')
    with open(small, 'wb') as f:
        f.write(gzip.compress(data))
    try:
        linux_guest.check(small)
        check(False, 'a 1 KiB initrd without busybox is refused')
    except SystemExit as e:
        check('not a usable initrd' in str(e) and 'bin/busybox' in str(e), f'a tiny initrd is refused: {e}')

print(f'{len(failures)} failed' if failures else 'all passed')
sys.exit(1 if failures else 0)
