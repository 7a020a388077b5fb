#!/usr/bin/env python3
"""bench/ports: the ported Lua and SQLite as images, against the same
programs in a Linux guest on the same QEMU, and the hostbuild against
Debian's own binaries under callgrind.

  bench/ports/run.py [--rounds N] [--only lua|sqlite] [--lua-n N] [--size N]
                     [--mem SIZE] [--skip-image] [--skip-guest] [--callgrind]

Workloads (the same on every side):
- lua: bench/ports/bench.lua (spectral norm, binary trees, strings), its
  argument --lua-n times over; it prints checksums and its own CPU time
  (os.clock). The image runs the Lua port; the Linux guest runs Debian's
  lua5.4 (the same release, 5.4.4).
- sqlite: SQLite's test/speedtest1.c (the source tools/setup fetched for the
  port) against the amalgamation, `--memdb --size N`; it prints its own
  total. The image's is built by tools/lucent-cc, the guest's by gcc -static,
  from the same files with the same -O2 and defines.

Each round runs image, guest, image, guest (lua, then sqlite), the order
flipping every round, and prints per side: the host-seen time (the span
between the program's first and last report line as they arrive on the
host's end of the console: boot excluded, the same clock for both sides),
the program's own time (its own clock inside the guest; refused when it
strays from the host-seen span, as a miscalibrated clock makes it), for the
Linux guest a wall clock around the run read from /proc/uptime inside it,
and the end-to-end time on the host (start to exit, boot included). Then
the image ÷ Linux guest ratios of every round, and the range over rounds. The fair
terms: one QEMU binary, -machine pc, the same accelerator (LUCENT_ACCEL or
the launcher's probe), the same -cpu (max under TCG, host under KVM), the
same -m, one vCPU.

--callgrind counts instructions (valgrind --tool=callgrind, whole process)
of the hostbuild Lua and speedtest1 against Debian's lua5.4 and speedtest1.c
linked to Debian's libsqlite3, on the same script and size.

Build trees come from LUCENT_BUILD_ROOT (default build/); what this bench
builds goes to BUILD/bench-ports, the Linux guest's kernel to
BUILD/linux-guest (shared with bench/http).
"""
import argparse
import glob
import gzip
import os
import re
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.abspath(os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build')))
os.environ['LUCENT_BUILD_ROOT'] = BUILD
LAUNCHER = os.path.join(ROOT, 'tools', 'lucent')
QEMU = os.environ.get('LUCENT_QEMU', 'qemu-system-x86_64')
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'http'))
sys.path.insert(0, os.path.join(ROOT, 'tools'))  # the launcher package
import need  # noqa: E402  bench/need.py
import linux_guest  # noqa: E402  bench/http/linux_guest.py: the kernel, newc writer, ldd

WHO = 'bench/ports'
LUA_SCRIPT = os.path.join(HERE, 'bench.lua')
# Same source, same options on every side; only the compiler driver differs.
SQLITE_CFLAGS = ['-O2', '-DSQLITE_THREADSAFE=0', '-DSQLITE_OMIT_LOAD_EXTENSION']
# Bump when what goes into the initrd changes: an older one is rebuilt.
RECIPE = 1


class Missing(Exception):
    """A side that cannot run here, with the reason (printed in its row)."""


# --- reading the programs' output ----------------------------------------

def parse_lua(out):
    """bench.lua's output -> {'sums': the checksum lines, 'own': its CPU seconds}, or None."""
    m = re.search(r'^lucent-bench lua cpu=(-?[\d.]+)\s*$', out, re.M)
    sums = re.findall(r'^((?:spectral-norm|binary-trees|strings) \S+)\s*$', out, re.M)
    if not m or len(sums) != 3:
        return None
    return {'sums': sums, 'own': float(m.group(1))}


def parse_speedtest(out):
    """speedtest1's report -> {'tests': number of timed tests, 'own': its TOTAL seconds}, or None."""
    m = re.search(r'^\s*TOTAL\.*\s+(\d+)\.(\d{3})s\s*$', out, re.M)
    tests = re.findall(r'^\s*\d+ - .*\.\.\.\s+\d+\.\d{3}s\s*$', out, re.M)
    if not m or not tests:
        return None
    return {'tests': len(tests), 'own': int(m.group(1)) + int(m.group(2)) / 1000}


PARSE = {'lua': parse_lua, 'sqlite': parse_speedtest}


def parse_guest(out):
    """The Linux guest's init markers -> (program output, wall seconds inside the guest, status), or None."""
    m = re.search(r'^lucent-bench begin ([\d.]+)\s*$(.*?)^lucent-bench end ([\d.]+) status=(\d+)\s*$',
                  out, re.M | re.S)
    if not m:
        return None
    return m.group(2).strip('\r\n') + '\n', float(m.group(3)) - float(m.group(1)), int(m.group(4))


# The first and the last line of each program's report: the span between
# their arrival on the host is the run as the host's clock sees it.
SPAN = {'lua': (r'^lucent-bench lua begin\s*$', r'^lucent-bench lua cpu='),
        'sqlite': (r'^-- Speedtest1 for SQLite', r'^\s*TOTAL\.')}
# How far a guest's own time may stray from the host's view of the run.
CLOCK_TOLERANCE = 0.25


def host_span(lines, bench):
    """[(arrival seconds, line)] -> seconds from the report's first line to its last, or None."""
    first, last = (re.compile(x) for x in SPAN[bench])
    t0 = next((t for t, ln in lines if first.search(ln)), None)
    t1 = next((t for t, ln in lines if last.search(ln)), None)
    return t1 - t0 if t0 is not None and t1 is not None and t1 >= t0 else None


def own_time(r, end_to_end, span=None):
    """The program's own time, unless the guest's clock made it nonsense
    (zero, negative, longer than the whole run, or off the host's view of
    the run by more than CLOCK_TOLERANCE): then None, and why."""
    if r['own'] <= 0:
        return None, f'its own time reads {r["own"]:.3f} s (no working clock?)'
    if r['own'] > end_to_end:
        return None, f'its own time {r["own"]:.3f} s exceeds the end-to-end {end_to_end:.3f} s'
    if span and abs(r['own'] - span) > CLOCK_TOLERANCE * span:
        return None, f'its own time {r["own"]:.3f} s is off the host-seen {span:.3f} s: the guest\'s clock is wrong'
    return r['own'], None


def parse_callgrind(stderr):
    """valgrind --tool=callgrind's stderr -> instructions collected, or None."""
    m = re.search(r'Collected : (\d+)', stderr)
    return int(m.group(1)) if m else None


RATIOS = {'seen': 'host-seen', 'own': 'own time', 'e2e': 'end to end'}


def ratios(im, gu):
    """One round's image / guest ratios: of the host-seen spans (the one to
    quote: the same clock and the same lines on both sides), of the
    programs' own times (when both clocks passed own_time), end to end."""
    div = lambda a, b: a / b if a and b else None  # noqa: E731
    return {k: div(im[k], gu[k]) for k in RATIOS}


def spread(values, f='{:.3f}'):
    if not values:
        return '-'
    lo, hi, med = min(values), max(values), statistics.median(values)
    return (f.format(lo) if lo == hi else f'{f.format(lo)}-{f.format(hi)}') + f' (median {f.format(med)})'


def order(rnd):
    """Who goes first in round @rnd (from 0): image, guest, then guest, image, ..."""
    return ('image', 'guest') if rnd % 2 == 0 else ('guest', 'image')


# --- inputs ----------------------------------------------------------------

def sqlite_source(given):
    """The SQLite source tree tools/setup fetched (it holds test/speedtest1.c)."""
    cands = [given] if given else sorted(
        glob.glob(os.path.join(BUILD, 'deps', 'sqlite3*')) + glob.glob(os.path.join(ROOT, 'build', 'deps', 'sqlite3*')))
    for c in cands:
        if c and os.path.isfile(os.path.join(c, 'test', 'speedtest1.c')) and os.path.isfile(os.path.join(c, 'configure')):
            return c
    raise Missing('no SQLite source with test/speedtest1.c in ' + (given or f'{BUILD}/deps or {ROOT}/build/deps')
                  + ' (tools/setup fetches it for ports/sqlite3; or pass --sqlite-src)')


def amalgamation(src, work):
    """sqlite3.c and sqlite3.h made by SQLite's own makefile (needs tclsh), once, out of @src's tree."""
    out = os.path.join(work, 'amalgamation')
    if os.path.isfile(os.path.join(out, 'sqlite3.c')) and os.path.isfile(os.path.join(out, 'sqlite3.h')):
        return out
    need.command(WHO, 'tclsh', 'tcl')
    bld = out + '.tmp'
    shutil.rmtree(bld, ignore_errors=True)
    os.makedirs(bld)
    print(f'{WHO}: generating the SQLite amalgamation from {src} (once)', flush=True)
    for cmd in ([os.path.join(src, 'configure'), '--disable-tcl'], ['make', 'sqlite3.c']):
        r = subprocess.run(cmd, cwd=bld, capture_output=True, text=True)
        if r.returncode:
            raise Missing(f'{" ".join(cmd)} failed in {bld}: {(r.stderr.strip().splitlines() or ["?"])[-1]}')
    os.makedirs(out, exist_ok=True)
    for f in ('sqlite3.c', 'sqlite3.h'):
        shutil.copy(os.path.join(bld, f), os.path.join(out, f))
    shutil.rmtree(bld, ignore_errors=True)
    return out


def build(out, cc, sources, flags, libs=()):
    """Builds @out with @cc unless it is newer than its sources; stops on a failed compile."""
    if os.path.isfile(out) and all(os.path.getmtime(out) > os.path.getmtime(s) for s in sources if os.path.isfile(s)):
        return out
    r = subprocess.run(cc + flags + sources + ['-o', out + '.tmp'] + list(libs), capture_output=True, text=True)
    if r.returncode:
        lines = r.stderr.strip().splitlines() or ['?']
        first = next((ln for ln in lines if 'error' in ln or 'undefined reference' in ln), lines[-1])
        raise Missing(f'{" ".join(os.path.basename(c) for c in cc)} could not build {os.path.basename(out)}: {first}')
    os.rename(out + '.tmp', out)
    return out


def lucent_cc(host=False):
    path = os.path.join(ROOT, 'tools', 'lucent-cc-host' if host else 'lucent-cc')
    if not os.path.isfile(path):
        raise Missing(f'{path} not found (the toolchain\'s compiler driver)')
    return [path]


def speedtest1(kind, src, amalg, work):
    """speedtest1 for @kind: image (lucent-cc), host (lucent-cc-host), guest
    (gcc -static, for the Linux guest) or debian (gcc against Debian's libsqlite3)."""
    test = os.path.join(src, 'test', 'speedtest1.c')
    out = os.path.join(work, f'speedtest1-{kind}')
    if kind == 'debian':
        need.package(WHO, 'libsqlite3-dev', 'Debian\'s libsqlite3 to link speedtest1.c against')
        return build(out, ['gcc'], [test], SQLITE_CFLAGS[:1], ['-lsqlite3'])
    both = [test, os.path.join(amalg, 'sqlite3.c')]
    flags = SQLITE_CFLAGS + ['-I', amalg]
    if kind == 'guest':
        return build(out, ['gcc'], both, flags + ['-static'], ['-lm'])
    return build(out, lucent_cc(host=kind == 'host'), both, flags, ['-lm'])


def lua_port(kind, given):
    """The Lua port's executable for @kind (image or host), as ports/lua builds it."""
    cands = [given] if given else [os.path.join(BUILD, 'ports', 'lua', kind, 'lua'),
                                   os.path.join(BUILD, kind, 'ports', 'lua', 'lua')]
    for c in cands:
        if c and os.path.isfile(c):
            return c
    raise Missing(f'the Lua port ({kind}) is not built: none of {", ".join(cands)} (tools/setup builds ports/lua; '
                  f'or pass --lua-{kind})')


# --- the Linux guest -------------------------------------------------------

INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
cd /bench
# Which program this boot runs comes from the kernel command line.
cmd=
for w in $(cat /proc/cmdline); do
  case "$w" in lucent.bench=*) cmd="${w#lucent.bench=}";; esac
done
case "$cmd" in
  lua) set -- /usr/bin/lua5.4 /bench/bench.lua "$(cat /bench/lua-n)";;
  sqlite) set -- /bench/speedtest1 --memdb --size "$(cat /bench/size)";;
  *) echo "lucent-bench: no lucent.bench=lua|sqlite on the command line"; poweroff -f;;
esac
echo "lucent-bench begin $(cut -d' ' -f1 /proc/uptime)"
"$@" 2>&1
st=$?
echo "lucent-bench end $(cut -d' ' -f1 /proc/uptime) status=$st"
poweroff -f
"""


def guest_initrd(work, speedtest, lua_n, size):
    """The initramfs: busybox, Debian's lua5.4 with its libraries, the static
    speedtest1, the script and the sizes (in files, so init reads them)."""
    key = f'{RECIPE} {lua_n} {size} {os.path.getmtime(speedtest) if speedtest else 0} {os.path.getmtime(LUA_SCRIPT)}'
    out = os.path.join(work, 'initrd.cpio.gz')
    marker = out + '.key'
    if os.path.exists(out) and os.path.exists(marker) and open(marker).read() == key:
        return out
    need.package(WHO, 'busybox-static', 'a static busybox for the guest')
    busybox = need.package_file(WHO, 'busybox-static', '/bin/busybox')
    lua = need.command(WHO, 'lua5.4', 'lua5.4')
    c = linux_guest.Cpio()
    for d in ('proc', 'sys', 'dev', 'tmp'):
        c.dir(d)
    c.copy('bin/busybox', busybox, 0o755)
    c.copy('usr/bin/lua5.4', os.path.realpath(lua), 0o755)
    for lib in linux_guest.ldd(lua, WHO, 'the lua5.4 package\'s Depends'):
        c.copy(lib, os.path.realpath(lib), 0o755)
    if speedtest:
        c.copy('bench/speedtest1', speedtest, 0o755)
    c.copy('bench/bench.lua', LUA_SCRIPT)
    c.file('bench/lua-n', str(lua_n).encode())
    c.file('bench/size', str(size).encode())
    c.file('init', INIT.encode(), 0o755)
    with open(out + '.tmp', 'wb') as f:
        f.write(gzip.compress(c.close(), 6))
    os.rename(out + '.tmp', out)
    with open(marker, 'w') as f:
        f.write(key)
    return out


def guest_cmd(kernel, initrd, bench, accel, mem):
    return [QEMU, '-machine', f'pc,accel={accel}', '-cpu', 'max' if accel == 'tcg' else 'host', '-m', mem,
            '-nodefaults', '-no-reboot', '-display', 'none', '-serial', 'stdio',
            '-kernel', kernel, '-initrd', initrd,
            # no_timer_check: on a loaded host, TCG can miss the kernel's
            # early check that the IO-APIC timer ticks, and the boot panics
            # ("IO-APIC + timer doesn't work!"); the check is all it skips.
            '-append', f'console=ttyS0 quiet panic=-1 no_timer_check lucent.bench={bench}']


def run_timed(cmd, env, timeout):
    """Runs @cmd, noting when each line of its output arrives; (text,
    end-to-end seconds, exit status, [(arrival seconds, line)]), or raises
    Missing on a timeout."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         env=dict(os.environ, **env), start_new_session=True)
    buf, lines, partial = bytearray(), [], b''
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    while True:
        left = t0 + timeout - time.monotonic()
        if left <= 0 or not sel.select(left):
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise Missing(f'no exit within {timeout} s')
        data = os.read(p.stdout.fileno(), 65536)
        if not data:
            break
        now = time.monotonic() - t0
        buf += data
        partial += data
        *done, partial = partial.split(b'\n')
        lines += [(now, ln.decode(errors='replace').rstrip('\r')) for ln in done]
    rc = p.wait()
    return buf.decode(errors='replace'), time.monotonic() - t0, rc, lines


def tail(text, n=4):
    return ' | '.join(text.strip().splitlines()[-n:])


# --- main -------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--only', choices=('lua', 'sqlite'), action='append', help='one workload (repeatable)')
    ap.add_argument('--lua-n', type=int, default=1, help='bench.lua repetitions (default 1)')
    ap.add_argument('--size', type=int, default=5, help='speedtest1 --size (default 5)')
    ap.add_argument('--mem', default='256M', help='guest memory for the image and the Linux guest alike')
    ap.add_argument('--timeout', type=int, default=600, help='seconds one run may take')
    ap.add_argument('--skip-image', action='store_true')
    ap.add_argument('--skip-guest', action='store_true')
    ap.add_argument('--callgrind', action='store_true', help='also count instructions: hostbuild vs Debian')
    ap.add_argument('--sqlite-src', help='SQLite source tree (default: the one tools/setup fetched)')
    ap.add_argument('--lua-image', help='the Lua port\'s image (default: where ports/lua builds it)')
    ap.add_argument('--lua-host', help='the Lua port\'s hostbuild executable')
    ap.add_argument('--speedtest-image', help='a speedtest1 image built elsewhere (default: built here by lucent-cc)')
    a = ap.parse_args()
    benches = a.only or ['lua', 'sqlite']
    need.command(WHO, QEMU, 'qemu-system-x86')
    work = os.path.join(BUILD, 'bench-ports')
    os.makedirs(work, exist_ok=True)
    from launcher import qemu as L
    accel = os.environ.get('LUCENT_ACCEL') or ('kvm' if L.kvm_usable() else 'tcg')
    if accel not in ('kvm', 'tcg'):
        sys.exit(f'{WHO}: LUCENT_ACCEL={accel}: use kvm or tcg')
    env = {'LUCENT_ACCEL': accel}
    commit = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True,
                            text=True).stdout.strip() or '?'
    if subprocess.run(['git', '-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], capture_output=True,
                      text=True).stdout.strip():
        commit += ' with uncommitted changes'
    print(f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}; commit {commit}; load average before: '
          f'{" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    print(f'accelerator {accel.upper()}, -machine pc, -cpu {"max" if accel == "tcg" else "host"}, -m {a.mem}, '
          'one vCPU: the image and the Linux guest alike')
    print(f'lua: bench.lua {a.lua_n}; sqlite: speedtest1 --memdb --size {a.size} ({" ".join(SQLITE_CFLAGS)})',
          flush=True)

    # What each side runs, or why it cannot.
    image, guest_bin, why = {}, {}, {}
    src = amalg = None
    if 'sqlite' in benches:
        try:
            src = sqlite_source(a.sqlite_src)
            amalg = amalgamation(src, work)
        except Missing as e:
            why[('image', 'sqlite')] = why[('guest', 'sqlite')] = str(e)
    for b in benches:
        if a.skip_image:
            why[('image', b)] = 'skipped (--skip-image)'
        if a.skip_guest:
            why[('guest', b)] = 'skipped (--skip-guest)'
    if ('image', 'lua') not in why and 'lua' in benches:
        try:
            image['lua'] = [lua_port('image', a.lua_image), '--'] + lua_image_args(a.lua_n)
        except Missing as e:
            why[('image', 'lua')] = str(e)
    if ('image', 'sqlite') not in why and 'sqlite' in benches:
        try:
            image['sqlite'] = [a.speedtest_image or speedtest1('image', src, amalg, work), '--', '--memdb', '--size',
                               str(a.size)]
        except Missing as e:
            why[('image', 'sqlite')] = str(e)
    kernel = initrd = None
    if not a.skip_guest:
        speedtest = None
        if ('guest', 'sqlite') not in why and 'sqlite' in benches:
            try:
                speedtest = speedtest1('guest', src, amalg, work)
            except Missing as e:
                why[('guest', 'sqlite')] = str(e)
        kernel = linux_guest.kernel(os.path.join(BUILD, 'linux-guest'))
        initrd = guest_initrd(work, speedtest, a.lua_n, a.size)
        for b in benches:
            if ('guest', b) not in why:
                guest_bin[b] = guest_cmd(kernel, initrd, b, accel, a.mem)

    results = {}  # (side, bench) -> {round: {'own', 'inside', 'e2e'}}
    sums = {}     # (side, bench) -> the checksum lines, compared across sides

    def one(side, b, rnd):
        label = f'{side:5} {b:6}'
        if (side, b) in why:
            print(f'  {label} -- {why[(side, b)]}', flush=True)
            return
        try:
            if side == 'image':
                cmd = [sys.executable, LAUNCHER, 'run', '--quiet', '--mem', a.mem, image[b][0]] + image[b][1:]
                out, e2e, rc, lines = run_timed(cmd, env, a.timeout)
                inside = None
            else:
                raw, e2e, rc, lines = run_timed(guest_bin[b], env, a.timeout)
                g = parse_guest(raw)
                if g is None:
                    panic = re.search(r'Kernel panic.*', raw)
                    raise Missing('no begin/end markers on the guest console: '
                                  + (panic.group(0).strip() if panic else tail(raw)))
                out, inside, rc = g
        except Missing as e:
            print(f'  {label} -- {e}', flush=True)
            return
        r = PARSE[b](out)
        if r is None or rc:
            print(f'  {label} -- failed (exit {rc}): {tail(out)}', flush=True)
            return
        seen = host_span(lines, b)
        own, bad = own_time(r, e2e, seen)
        if 'sums' in r:
            sums.setdefault((side, b), r['sums'])
            if r['sums'] != sums[(side, b)]:
                print(f'  {label} -- checksums differ from its round 1: {r["sums"]}', flush=True)
        results.setdefault((side, b), {})[rnd] = {'seen': seen, 'own': own, 'inside': inside, 'e2e': e2e}
        nan = lambda v: v if v is not None else float('nan')  # noqa: E731
        print(f'  {label} host-seen {nan(seen):8.3f} s  own {nan(own):8.3f} s  in-guest wall {nan(inside):8.3f} s  '
              f'end to end {e2e:8.3f} s' + (f'  [{bad}]' if bad else ''), flush=True)

    for rnd in range(a.rounds):
        print(f'round {rnd + 1} of {a.rounds} ({time.strftime("%H:%M:%S")}, load {os.getloadavg()[0]:.2f})',
              flush=True)
        for b in benches:
            for side in order(rnd):
                one(side, b, rnd)
            im, gu = results.get(('image', b), {}).get(rnd), results.get(('guest', b), {}).get(rnd)
            if im and gu:
                print(f'  image / linux guest, {b}: ' + ', '.join(
                    f'{RATIOS[k]} {v:.2f}' if v is not None else f'{RATIOS[k]} -'
                    for k, v in ratios(im, gu).items()), flush=True)

    print(f'\nover {a.rounds} round(s), seconds: range (median)')
    for (side, b), by in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rs = list(by.values())
        col = lambda k: spread([r[k] for r in rs if r[k] is not None])  # noqa: E731
        print(f'  {side:5} {b:6} host-seen {col("seen"):28} own {col("own"):28} in-guest wall {col("inside"):28} '
              f'end to end {col("e2e")}')
    for b in benches:
        im, gu = results.get(('image', b), {}), results.get(('guest', b), {})
        both = [i for i in sorted(im) if i in gu]
        for k in RATIOS:
            rs = [x for x in (ratios(im[i], gu[i])[k] for i in both) if x is not None]
            if rs:
                print(f'  image / linux guest, {b}, {RATIOS[k]}: per round '
                      f'{" ".join(f"{x:.2f}" for x in rs)} -> {spread(rs, "{:.2f}")}')
    if ('image', 'lua') in sums and ('guest', 'lua') in sums:
        same = sums[('image', 'lua')] == sums[('guest', 'lua')]
        print(f'  lua checksums image vs guest: {"equal" if same else "DIFFER"}'
              + ('' if same else f' {sums[("image", "lua")]} vs {sums[("guest", "lua")]}'))
    if a.callgrind:
        callgrind(a, benches, src, amalg, work)
    print(f'load average after: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')


def lua_image_args(n):
    """The image has no filesystem: the script goes in as the chunk of `-e`,
    which Lua runs as it would the file, with its argument set as arg[1].
    Comment lines and indentation are left out (bench.lua has no long
    strings, so neither changes the program): the shorter the command line,
    the fewer images it is too long for."""
    with open(LUA_SCRIPT) as f:
        lines = [ln.strip() for ln in f if not ln.lstrip().startswith('--')]
    return ['-e', f'arg = {{[1] = {n}}}\n' + '\n'.join(ln for ln in lines if ln)]


def callgrind(a, benches, src, amalg, work):
    """Instructions of the hostbuild against Debian's own build, same work."""
    need.command(WHO, 'valgrind', 'valgrind')
    print('\ncallgrind, instructions (whole process, valgrind --tool=callgrind):')
    pairs = []
    if 'lua' in benches:
        try:
            pairs.append(('lua', [lua_port('host', a.lua_host), LUA_SCRIPT, str(a.lua_n)],
                          [need.command(WHO, 'lua5.4', 'lua5.4'), LUA_SCRIPT, str(a.lua_n)]))
        except Missing as e:
            print(f'  lua: {e}')
    if 'sqlite' in benches and src:
        args = ['--memdb', '--size', str(a.size)]
        try:
            pairs.append(('sqlite', [speedtest1('host', src, amalg, work)] + args,
                          [speedtest1('debian', src, amalg, work)] + args))
        except Missing as e:
            print(f'  sqlite: {e}')
    for b, ours, theirs in pairs:
        counts = []
        for cmd in (ours, theirs):
            r = subprocess.run(['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null'] + cmd,
                               capture_output=True, text=True, stdin=subprocess.DEVNULL)
            n = parse_callgrind(r.stderr)
            ok = r.returncode == 0 and PARSE[b](r.stdout) is not None
            counts.append(n if ok else None)
            print(f'  {b:6} {"hostbuild" if cmd is ours else "debian":9} {n if n is not None else "?":>14} '
                  f'{" ".join(os.path.basename(x) if i == 0 else x for i, x in enumerate(cmd))}'
                  + ('' if ok else f'  [failed: {tail(r.stdout + r.stderr, 2)}]'), flush=True)
        if all(counts):
            print(f'  {b:6} hostbuild / debian: {counts[0] / counts[1]:.3f}')


if __name__ == '__main__':
    main()
