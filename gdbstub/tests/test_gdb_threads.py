"""gdb sees the image's kernel threads: names and states in `info threads`,
a backtrace for each, `monitor threads`; and the workers keep being
scheduled while main spins, before gdb came and after `continue` (main
never blocks in gdb-demo threads: only timer preemption runs them).

Backtraces: every thread's `bt` runs from where it is to its own entry,
through the interrupt that preempted it (trap_common's CFI, a signal frame:
gdb prints `<signal handler called>`), with the arguments of the
interrupted functions, and ends there (thread_start for a kernel thread,
main for the main thread): no `??` frame, no `<unavailable>` value. Checked
after the attach's stop, after a ^C, and at a breakpoint in demo_add hit by
whichever thread comes first. Every image has threads (the kernel's
scheduler): a build without them fails here."""
import re
from gdblib import Image, gdb, interrupt_after, require_image_and_gdb
from lulib import check


def backtraces(text):
    """{thread name: [frame lines]} from `thread apply all bt` output."""
    out = {}
    for name, body in re.findall(r'^Thread \d+ \(Thread \d+ "([\w.-]+)".*?\):\n(.*?)(?=^Thread |^==|\Z)',
                                 text, re.M | re.S):
        out[name] = [ln for ln in body.splitlines() if ln.strip()]
    return out


def check_backtraces(text, when):
    bts = backtraces(text)
    check({'main', 'worker-1', 'worker-2'} <= set(bts), f'{when}: a backtrace for main and both workers '
          f'({sorted(bts)})')
    for name, lines in bts.items():
        frames = [ln for ln in lines if re.match(r'#\d+ ', ln)]
        bad = [ln for ln in lines if '??' in ln or '<unavailable>' in ln or 'Backtrace stopped' in ln]
        check(frames and not bad, f'{when}: thread {name}: no ?? frame, no <unavailable> value, '
              f'no broken chain ({bad or len(frames)})')
        last = frames[-1]
        want = r' main \(' if name == 'main' else r' thread_start \('
        check(re.search(want, last), f'{when}: thread {name} ends at its entry ({last.strip()})')
        if name.startswith('worker-'):
            n = name.split('-')[1]
            check(any(re.search(rf' worker \(arg=0x{n}\)', ln) for ln in frames),
                  f'{when}: thread {name} runs through worker (arg=0x{n})')
        # A preempted thread shows the interrupt as a signal frame, and the
        # code it interrupted above it, down to its entry.
        if any('schedule ()' in ln for ln in frames[:1]) and name in ('main', 'worker-1', 'worker-2'):
            check(any('<signal handler called>' in ln for ln in frames),
                  f'{when}: preempted thread {name} unwinds through the interrupt ({frames[:3]})')
    return bts


# For every thread preempted by an interrupt: the registers gdb unwinds
# into the interrupted frame (the caller of the signal frame) are the ones
# in its trap frame (kernel.h struct trap_frame, found at trap_common's rbx)
# and, for xmm0-15, in the fxsave area 512 bytes below it, 16-aligned.
SIGFRAMES = '''python
import struct
bad, n = [], 0
mem = gdb.selected_inferior().read_memory
def q(a):
    return struct.unpack('<Q', bytes(mem(a, 8)))[0]
for th in gdb.selected_inferior().threads():
    th.switch()
    # The interrupt's frame: below the scheduler's frames (how many depends
    # on what the compiler inlined into the interrupt's exit path).
    f = gdb.newest_frame()
    for _ in range(6):
        if f is None or f.type() == gdb.SIGTRAMP_FRAME:
            break
        f = f.older()
    if f is None or f.type() != gdb.SIGTRAMP_FRAME:
        continue
    n += 1
    tf, caller = int(f.read_register('rbx')), f.older()
    slots = {'rip': 17, 'rsp': 20, 'rbp': 8, 'rdi': 9, 'rsi': 10, 'rax': 14, 'r11': 4, 'r15': 0}
    for r, i in slots.items():
        got = int(caller.read_register(r)) & (2**64 - 1)
        if got != q(tf + 8 * i):
            bad.append((th.num, r, hex(got), hex(q(tf + 8 * i))))
    fx = (tf - 512) & ~15
    for i in range(16):
        v = caller.read_register('xmm%d' % i)['v2_int64']
        if [int(v[j]) & (2**64 - 1) for j in (0, 1)] != [q(fx + 160 + 16 * i), q(fx + 168 + 16 * i)]:
            bad.append((th.num, 'xmm%d' % i))
print('==sigframes %d %s' % (n, bad))
end'''.split('\n')

require_image_and_gdb()
with Image('threads', '--gdb') as img:
    img.wait_for('mode threads', 30)
    check(not img.wait_for('no threads in this build', 2), 'gdb-demo threads has threads (pthread_create)')
    out = gdb(img.port, ['echo ==threads\\n', 'info threads', 'echo ==bt\\n', 'thread apply all bt',
                         'echo ==frames\\n'] + SIGFRAMES + ['thread 1',
                         'echo ==monitor\\n', 'monitor threads', 'echo ==iters\\n', 'print demo_worker_iters'] +
              interrupt_after(1.5) + ['continue', 'echo ==intbt\\n', 'thread apply all bt',
                                      'echo ==iters2\\n', 'print demo_worker_iters',
                                      'break demo_add', 'continue', 'echo ==bpbt\\n', 'bt',
                                      'info registers rdi rsi', 'delete', 'detach'])
    print(out)
    sec = dict(re.findall(r'^==(\w+)\n(.*?)(?=^==|\Z)', out, re.M | re.S))
    # qXfer:threads: `Thread 5 "worker-1" (running)`; qThreadExtraInfo
    # alone (older gdb): `Thread 5 (worker-1: running)`.
    head = sec.get('threads', '')
    threads = re.findall(r'Thread (\d+) "([\w.-]+)" \((\w+)\)', head) or \
        re.findall(r'Thread (\d+) \(([\w.-]+): (\w+)\)', head)
    names = {n for _, n, _ in threads}
    check(len(threads) >= 3, f'info threads lists at least 3 threads ({len(threads)})')
    check({'main', 'worker-1', 'worker-2'} <= names, f'named main, worker-1, worker-2 ({sorted(names)})')
    check(re.search(r'worker-1\s+\w+', sec.get('monitor', '')), 'monitor threads lists the workers')
    bts = check_backtraces(sec.get('bt', ''), 'attached')
    check(len(bts) == len(threads), f'a backtrace for each of the {len(threads)} threads ({len(bts)})')
    m = re.search(r'^==sigframes (\d+) (.*)$', out, re.M)
    check(m and int(m.group(1)) >= 2 and m.group(2) == '[]',
          'preempted threads: rip, rsp, rbp, rdi, rsi, rax, r11, r15 and xmm0-15 of the interrupted frame '
          f'are the trap frame\'s ({m and m.group(0)})')
    check_backtraces(sec.get('intbt', ''), 'after ^C')
    check('received signal SIGINT' in out, 'interrupt (^C) stops the running image with SIGINT')
    iters = [[int(a), int(b)] for a, b in re.findall(r'^\$\d+ = \{(\d+), (\d+)\}$', out, re.M)]
    check(len(iters) == 2 and min(iters[0]) > 0, f'both workers ran before gdb attached ({iters[:1]})')
    check(len(iters) == 2 and all(b > a for a, b in zip(iters[0], iters[1])),
          f'both workers ran during `continue` ({iters})')
    # A breakpoint hit after `thread apply all bt` selected other threads:
    # the arguments are the hitting thread's registers (rdi, rsi).
    bp = sec.get('bpbt', '')
    m = re.search(r'#0\s+demo_add \(a=a@entry=(\d+), b=b@entry=(\d+)\)', bp)
    regs = dict(re.findall(r'^(rdi|rsi)\s+0x[0-9a-f]+\s+(-?\d+)', bp, re.M))
    check(m and regs and (m.group(1), m.group(2)) == (regs.get('rdi'), regs.get('rsi')),
          f'breakpoint in demo_add: a and b are the values of rdi and rsi ({m and m.groups()} {regs})')
    frames = [ln for ln in bp.splitlines() if re.match(r'#\d+ ', ln)]
    check(frames and re.search(r' (worker \(arg=0x[12]\)|main \()', '\n'.join(frames)) and
          re.search(r' (thread_start|main) \(', frames[-1]) and not any('??' in f for f in frames),
          f'bt at the breakpoint reaches the thread\'s entry ({[f.strip() for f in frames]})')
    check(img.alive(), 'image runs on after detach')
