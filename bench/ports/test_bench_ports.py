#!/usr/bin/env python3
"""bench/ports' own checks (unit suite, host build): the harness reads the
programs' reports as they write them, rejects an own time the clock cannot
have given, finds the guest's begin/end markers in a noisy console, gives
the Linux guest the machine the launcher gives the image, alternates who
goes first, and hands the image the script as a `-e` chunk that computes
what the file does. A bench that misreads its tool reports a wrong figure
without failing, so these run with the tests."""
import os
import shutil
import subprocess
import sys

import run

failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        failures.append(what)


# bench.lua's report.
LUA = """spectral-norm 1.274209131
binary-trees 131759
strings 417190
lucent-bench lua cpu=6.589
"""
r = run.parse_lua(LUA)
check(r == {'sums': ['spectral-norm 1.274209131', 'binary-trees 131759', 'strings 417190'], 'own': 6.589},
      'lua: checksums and own time read')
check(run.parse_lua(LUA.replace('binary-trees 131759\n', '')) is None, 'lua: a missing checksum is no result')
check(run.parse_lua('lua: (command line):1: syntax error\n') is None, 'lua: an error is no result')

# speedtest1's report, as SQLite 3.40.1's test/speedtest1.c prints it.
SPEEDTEST = """-- Speedtest1 for SQLite 3.40.1 2022-12-28 14:03:47 df5c253c0b3dd24916e4ec7cf77d3db5294cc9fd45ae7b9c5e8
 100 - 1000 INSERTs into table with no index.......................    0.004s
 110 - 1000 ordered INSERTS with one index/PK......................    0.006s
 990 - ANALYZE.....................................................    0.001s
       TOTAL.......................................................   12.345s
"""
s = run.parse_speedtest(SPEEDTEST)
check(s == {'tests': 3, 'own': 12.345}, 'speedtest1: timed tests and TOTAL read')
check(run.parse_speedtest(SPEEDTEST.replace('   12.345s', '')) is None, 'speedtest1: no TOTAL is no result')
check(run.parse_speedtest(' TOTAL...  1.000s\n') is None, 'speedtest1: a TOTAL without tests is no result')

# The Linux guest's console: kernel noise around the markers, CRLF line ends.
CONSOLE = ('[    0.000000] Linux version 6.1\r\nrandom noise\r\nlucent-bench begin 61.25\r\n' + LUA.replace('\n', '\r\n')
           + 'lucent-bench end 68.44 status=0\r\n[   68.5] reboot: Power down\r\n')
g = run.parse_guest(CONSOLE)
check(g is not None and run.parse_lua(g[0]) == r, 'guest: the program\'s output between the markers')
check(g is not None and abs(g[1] - 7.19) < 1e-9 and g[2] == 0, 'guest: wall time from /proc/uptime, exit status')
check(run.parse_guest(CONSOLE.replace('lucent-bench end 68.44 status=0', 'Kernel panic')) is None,
      'guest: no end marker is no result')
check(run.parse_guest(CONSOLE.replace('status=0', 'status=139'))[2] == 139, 'guest: a failed program\'s status kept')

# The own time must be one the run could have taken.
check(run.own_time({'own': 6.5}, 70.0) == (6.5, None), 'own time inside the end-to-end time is kept')
check(run.own_time({'own': 0.0}, 70.0)[0] is None, 'an own time of 0 (no clock) is refused')
check(run.own_time({'own': 80.0}, 70.0)[0] is None, 'an own time beyond the end-to-end time is refused')

check(run.own_time({'own': 0.86}, 23.0, 6.9)[0] is None, 'an own time far off the host-seen span is refused '
      '(a guest clock running slow)')
check(run.own_time({'own': 6.5}, 70.0, 6.9)[0] == 6.5, 'an own time near the host-seen span is kept')

im, gu = {'seen': 9.0, 'own': None, 'inside': None, 'e2e': 12.0}, {'seen': 6.0, 'own': 6.0, 'inside': 8.0, 'e2e': 60.0}
check(run.ratios(im, gu) == {'seen': 1.5, 'own': None, 'e2e': 0.2},
      'ratios: host-seen and end to end; no own time on one side gives no own ratio')
check(run.ratios(dict(im, own=3.0), gu)['own'] == 0.5, 'ratios: own time / own time')

# The host-seen span: from the report's first line to its last, as they arrive.
lines = [(0.5, 'boot noise'), (1.0, 'lucent-bench lua begin'), (2.0, 'spectral-norm 1.2'),
         (7.5, 'lucent-bench lua cpu=6.400'), (8.0, 'lucent-bench end 9.1 status=0')]
check(run.host_span(lines, 'lua') == 6.5, 'host-seen span of lua: begin line to cpu= line')
sq = [(0.1, '-- Speedtest1 for SQLite 3.40.1 2022-12-28'), (0.2, ' 100 - 1000 INSERTs....    0.004s'),
      (3.1, '       TOTAL.......    2.900s')]
check(abs(run.host_span(sq, 'sqlite') - 3.0) < 1e-9, 'host-seen span of speedtest1: header to TOTAL')
check(run.host_span(lines[:3], 'lua') is None, 'no last line, no span')
out, e2e, rc, got = run.run_timed(['sh', '-c', 'echo one; sleep 0.4; echo two; exit 3'], {}, 30)
gap = got[1][0] - got[0][0] if len(got) == 2 else 0
check(out == 'one\ntwo\n' and rc == 3 and [x for _, x in got] == ['one', 'two'] and 0.35 < gap < e2e,
      f'run_timed notes each line as it arrives ({gap:.2f} s apart) and the exit status')

check(run.parse_callgrind('==12== Events    : Ir\n==12== Collected : 123456789\n==12==\n') == 123456789,
      'callgrind: instructions collected read')
check(run.parse_callgrind('valgrind: cannot execute\n') is None, 'callgrind: nothing collected is no result')
check([run.order(i) for i in range(3)] == [('image', 'guest'), ('guest', 'image'), ('image', 'guest')],
      'rounds alternate who goes first')

# The Linux guest gets the machine the launcher gives the image.
os.environ['LUCENT_ACCEL'] = 'tcg'
from launcher import qemu  # noqa: E402
img = qemu.Run('/nonexistent', [], mem='256M')
img.exit_file = '/dev/null'
icmd = img.qemu_cmd()
gcmd = run.guest_cmd('/vmlinuz', '/initrd', 'lua', 'tcg', '256M')


def opt(cmd, name):
    return cmd[cmd.index(name) + 1] if name in cmd else None


check(all(opt(icmd, o) == opt(gcmd, o) for o in ('-machine', '-cpu', '-m')) and icmd[0] == gcmd[0],
      f'same QEMU, -machine, -cpu and -m as the image ({opt(gcmd, "-machine")} {opt(gcmd, "-cpu")} {opt(gcmd, "-m")})')
check('-smp' not in icmd and '-smp' not in gcmd, 'one vCPU on both sides')
check('lucent.bench=lua' in opt(gcmd, '-append'), 'the guest is told which program to run')

# The image's -e chunk computes what the file does (Debian's lua5.4 runs both).
args = run.lua_image_args(1)
check(args[0] == '-e' and len(args) == 2 and 'arg = {[1] = 1}' in args[1], 'the script goes in as one -e chunk')
lua = shutil.which('lua5.4')
if lua:
    f = run.parse_lua(subprocess.run([lua, run.LUA_SCRIPT, '1'], capture_output=True, text=True).stdout)
    e = run.parse_lua(subprocess.run([lua] + args, capture_output=True, text=True).stdout)
    check(f is not None and e is not None and f['sums'] == e['sums'], 'the -e chunk and the file give the same checksums')
else:
    print('note: lua5.4 not installed; the -e chunk was not run')

if failures:
    sys.exit(f'{len(failures)} failed')
