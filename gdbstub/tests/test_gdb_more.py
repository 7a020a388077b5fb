"""Real gdb against gdb-demo, the items test_gdb.py does not cover: a
hardware breakpoint (`hbreak`, DR0-DR3) and a software one in read-only
text (int3 written through the stub's own mapping), `monitor trace` and
`monitor metrics`, LU_PANIC stopping into gdb as SIGABRT, both with gdb
attached and with --gdb-on-panic and no gdb yet, and read and access
watchpoints (`rwatch`, `awatch`), whose hits the stub must survive reading
the watched memory for gdb."""
import re
import time
from gdblib import Image, gdb, require_image_and_gdb, source_line
from lulib import check

require_image_and_gdb()

# 1. Breakpoints of both kinds, and the monitor commands that drive E and G.
with Image('run', '--gdb-wait') as img:
    out = gdb(img.port, [
        'echo ==text\\n', 'info symbol demo_step',
        'hbreak demo_step', 'continue', 'echo ==hb\\n', 'print i', 'delete',
        'break demo_add', 'continue', 'echo ==sw\\n', 'print a', 'x/1i $pc', 'delete',
        'echo ==trace\\n', 'monitor trace sched', 'monitor trace off',
        'echo ==metrics\\n', 'monitor metrics',
        'echo ==end\\n', 'kill'])
    print(out)
    sec = dict(re.findall(r'^==(\w+)\n(.*?)(?=^==|\Z)', out, re.M | re.S))
    check('in section .text' in sec.get('text', ''), 'demo_step is in .text (mapped read-only)')
    check(re.search(r'Hardware assisted breakpoint 1 at', out) and
          re.search(r'Breakpoint 1, demo_step \(i=(i@entry=)?0\)', out),
          'hbreak demo_step: the hardware breakpoint hits (i = 0)')
    check(re.search(r'Breakpoint 2, demo_add \(a=(a@entry=)?0', out),
          'break demo_add: the software breakpoint in read-only text hits (a = 0)')
    check(re.search(r'=> 0x[0-9a-f]+ <demo_add(\+\d+)?>:\s+\w', sec.get('sw', '')) and 'int3' not in sec.get('sw', ''),
          'memory reads show the original instruction, not the int3')
    t = sec.get('trace', '')
    check(re.search(r"tracing 'sched': [1-9]\d* tracepoints enabled", t) and
          re.search(r'tracing off \(\d+ tracepoints disabled\)', t),
          'monitor trace sched / off: tracepoints enabled, then disabled')
    check(re.search(r'^# TYPE \w+', sec.get('metrics', ''), re.M), 'monitor metrics prints the exposition')
    check(img.wait(30) is not None, 'kill ends the image')

# 2. LU_PANIC with gdb attached: SIGABRT, the panicking frame one up.
line = source_line('DEMO_PANIC_LINE')
with Image('panic', '--gdb-wait') as img:
    out = gdb(img.port, ['continue', 'echo ==bt\\n', 'bt 4', 'continue'])
    print(out)
    check('received signal SIGABRT' in out, 'LU_PANIC stops into gdb as SIGABRT')
    check(re.search(rf'demo_panic \(code=(code@entry=)?42\) at \S*gdb_demo\.c:{line}', out),
          f'bt shows demo_panic at gdb_demo.c:{line}')
    rc = img.wait(30)
    check(rc == 134, f'continue: the panic report runs and the image exits 134 ({rc})')
    check('gdb-demo panics with 42' in img.output(), 'the panic message is on the console')

# 3. --gdb-on-panic: a panic with no gdb waits for one and says so.
with Image('panic', '--gdb-on-panic') as img:
    check(img.wait_for('waiting for gdb', 30), 'a panic without a debugger waits and says so')
    check('panic' in img.output().split('waiting for gdb')[0].splitlines()[-1], 'the message says it is a panic')
    out = gdb(img.port, ['bt 4', 'kill'])
    print(out)
    check(re.search(rf'demo_panic .* at \S*gdb_demo\.c:{line}', out), 'a gdb attaching afterwards finds the panic')

# 4. Read and access watchpoints. gdb reads the watched variable at every
# hit to show it, and the stub must not trip the watchpoint doing so (it
# did: a debug exception inside the stub killed the image). x86 cannot
# watch reads alone, so gdb sets an access watchpoint for `rwatch` and
# shows only the hits that left the value unchanged: one per demo_add call,
# at its read of demo_total, never at the write. demo_add(k, k) is called
# with demo_total = k * (k - 1) (gdb-demo loop: 0 + 2 + ... + 2(k-1)).
line = source_line('DEMO_TOTAL_LINE')
with Image('loop', '--gdb-wait') as img:
    out = gdb(img.port, ['break demo_add if a == 3', 'continue', 'delete',
                         'echo ==rwatch\\n', 'rwatch demo_total', 'continue', 'continue', 'continue', 'delete',
                         'echo ==awatch\\n', 'awatch demo_total', 'continue', 'continue', 'continue', 'continue',
                         'delete', 'echo ==end\\n', 'print demo_total', 'detach'])
    print(out)
    sec = dict(re.findall(r'^==(\w+)\n(.*?)(?=^==|\Z)', out, re.M | re.S))
    hit = r'hit Hardware (?:read|access \(read/write\)) watchpoint \d+: demo_total\n\n'
    frame = r'\n.*?demo_add \(a=(?:a@entry=)?(\d+),.*?gdb_demo\.c:(\d+)'
    reads = [(int(v), int(a), int(n)) for v, a, n in
             re.findall(hit + r'Value = (\d+)' + frame, sec.get('rwatch', ''))]
    check(re.search(r'Hardware read watchpoint \d+: demo_total', sec.get('rwatch', '')) and
          reads == [(k * (k - 1), k, line) for k in (3, 4, 5)],
          f'rwatch: three hits, each at demo_add\'s read of demo_total (line {line}), none at a write '
          f'(value, a, line: {reads})')
    hits = []
    for old, new, v, a, n in re.findall(hit + r'(?:Old value = (\d+)\nNew value = (\d+)|Value = (\d+))' + frame,
                                        sec.get('awatch', '')):
        hits.append(('write', int(old), int(new), int(a)) if old else ('read', int(v), int(a)))
    check(hits == [('write', 20, 30, 5), ('read', 30, 6), ('write', 30, 42, 6), ('read', 42, 7)],
          f'awatch: the write and the read of each demo_add call, in order ({hits})')
    check(re.search(r'^\$\d+ = 42$', sec.get('end', ''), re.M) and 'detached' in sec.get('end', ''),
          'the image stayed stopped in the right place: demo_total is 42, and gdb detached')
    time.sleep(1)
    check(img.alive(), f'the image runs on after the watchpoints ({img.output()[-300:]!r})')
