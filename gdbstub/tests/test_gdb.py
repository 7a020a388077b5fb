"""Real gdb (batch mode) against gdb-demo booted under QEMU with the stub:
registers, breakpoints, backtraces through app and kernel frames, locals
and globals, finish/next/stepi, a hardware watchpoint, a NULL dereference
reported as SIGSEGV at its line, attach to a running image, ^C and
continue, detach and reattach, monitor commands."""
import re
import threading
import time
from gdblib import Image, gdb, interrupt_after, require_image_and_gdb, source_line
from lulib import check

require_image_and_gdb()

# 1. Stopped before main; breakpoints, frames, variables, stepping, watch.
with Image('run', '--gdb-wait') as img:
    out = gdb(img.port, [
        'echo ==regs\\n', 'info registers rip rsp',
        'echo ==monitor\\n', 'monitor help', 'monitor threads',
        'set backtrace past-main on',
        'break demo_add if a == 2', 'continue',
        'echo ==bt\\n', 'bt',
        'print a', 'next', 'print sum', 'print demo_greeting', 'print demo_total',
        'echo ==finish\\n', 'finish', 'delete',
        'echo ==stepi\\n', 'print/x $pc', 'stepi', 'print/x $pc',
        'echo ==watch\\n', 'watch demo_counter', 'continue', 'delete',
        'echo ==end\\n', 'kill'])
    print(out)
    sec = dict(re.findall(r'^==(\w+)\n(.*?)(?=^==|\Z)', out, re.M | re.S))
    check(re.search(r'rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <main>', sec.get('regs', '')),
          'connected, stopped before main(), registers read (rip at main)')
    check('threads' in sec.get('monitor', '') and 'trace' in sec.get('monitor', ''),
          'monitor help lists the commands')
    check(re.search(r'\b1\s+main\s+running', sec.get('monitor', '')), 'monitor threads shows main')
    check(re.search(r'Breakpoint 1, demo_add \(a=(a@entry=)?2', out), 'breakpoint on demo_add hit (a == 2)')
    bt = sec.get('bt', '')
    check(all(f in bt for f in ('demo_add', 'demo_step', 'main', 'kmain')),
          'bt runs through app frames (demo_add, demo_step, main) into the kernel (kmain)')
    frames = re.findall(r'^#\d+ .*$', bt, re.M)
    check(frames and re.search(r' long_mode \(', frames[-1]) and not any('??' in f for f in frames),
          f'past main, bt ends at the main thread\'s entry (boot.S long_mode), no ?? frame ({frames[-1:]})')
    vals = re.findall(r'^\$\d+ = (.*)$', out, re.M)
    check(vals[:4] == ['2', '4', '"hello from gdb-demo"', '2'],
          f'print a local (a=2, sum=4 after next) and globals (greeting, demo_total=2): {vals[:4]}')
    check(re.search(r'^demo_step \(i=2\)', sec.get('finish', ''), re.M) and
          re.search(r'Value returned is \$\d+ = 4', out),
          'finish returns to demo_step with the value 4')
    pcs = re.findall(r'^\$\d+ = (0x[0-9a-f]+)$', sec.get('stepi', ''), re.M)
    check(len(pcs) == 2 and pcs[0] != pcs[1], f'stepi moves the pc ({pcs})')
    w = sec.get('watch', '')
    check('Hardware watchpoint 2: demo_counter' in w and 'Old value = 2' in w and 'New value = 4' in w,
          'hardware watchpoint on a global fires on the write (2 -> 4)')
    check(img.wait(30) is not None, 'kill ends the image')

# 2. A NULL dereference is reported as SIGSEGV at its source line.
line = source_line('DEMO_NULL_LINE')
with Image('crash', '--gdb-wait') as img:
    out = gdb(img.port, ['continue', 'echo ==where\\n', 'bt 2', 'continue'])
    print(out)
    check('received signal SIGSEGV' in out, 'the fault stops into gdb as SIGSEGV')
    check(re.search(rf'demo_crash \(p=(p@entry=)?0x0\) at \S*gdb_demo\.c:{line}', out),
          f'at demo_crash, gdb_demo.c:{line} (the NULL dereference)')
    rc = img.wait(30)
    check(rc == 139, f'continuing passes SIGSEGV on: the image reports the crash and exits 139 ({rc})')
    check('NULL pointer dereference' in img.output(), 'the kernel fault report follows')

# 3. --gdb-on-panic: a fault with no debugger waits for one.
with Image('crash', '--gdb-on-panic') as img:
    check(img.wait_for('waiting for gdb', 30), 'a fault without a debugger waits and says so')
    out = gdb(img.port, ['echo ==where\\n', 'bt 1', 'kill'])
    print(out)
    check(re.search(rf'demo_crash \(p=(p@entry=)?0x0\) at \S*gdb_demo\.c:{line}', out),
          'a gdb attaching afterwards finds the faulting frame')

# 4. Attach to a running image, ^C and continue, detach, reattach.
with Image('loop', '--gdb') as img:
    check(img.wait_for('mode loop', 30), 'image running')
    out1 = gdb(img.port, ['echo ==where\\n', 'bt 1', 'print demo_total', 'detach'])
    print(out1)
    check(re.search(r'#0 .*demo_(add|step)|#0 .*main', out1), 'attached to the running image (it stopped)')
    check('detached' in out1, 'detached')
    time.sleep(1)
    check(img.alive(), 'the image runs on after detach')
    out2 = gdb(img.port, ['print demo_total'] + interrupt_after(1.5) +
               ['continue', 'echo ==after\\n', 'print demo_total', 'detach'])
    print(out2)
    t1 = [int(v) for v in re.findall(r'^\$1 = (\d+)$', out1, re.M)]
    t2 = [int(v) for v in re.findall(r'^\$\d+ = (\d+)$', out2, re.M)]
    check(t1 and len(t2) == 2 and t1[0] < t2[0] < t2[1],
          f'reattached; demo_total kept growing while detached and after continue ({t1} {t2})')
    check('received signal SIGINT' in out2, 'interrupt (^C) stops the running image with SIGINT')
    check(img.alive(), 'still running after the second detach')
    # Stopped by an attach (served from the NMI's trampoline, kernel/gdb.c),
    # the image must halt, not spin: gdb-demo `loop` burns a whole host
    # core while it runs, a halted stub next to nothing.
    box = {}
    waiter = threading.Thread(target=lambda: box.update(out=gdb(img.port, ['shell sleep 3', 'detach'])))
    waiter.start()
    time.sleep(1.0)
    c0 = img.qemu_cpu_seconds()
    time.sleep(1.5)
    used = img.qemu_cpu_seconds() - c0
    waiter.join()
    check('detached' in box.get('out', ''), 'a third attach, 3 s at the prompt, detach')
    check(used < 0.5, f'stopped at the gdb prompt, QEMU uses {used:.2f} s of CPU in 1.5 s (< 0.5: the stub halts)')
    # Two gdbs at once, five times: the second waits in QEMU's backlog and
    # its bytes arrive the moment the first detaches, while the stub is
    # still on its way out of the stop (an NMI then only wakes it; the stub
    # looks again before it resumes). Before that, 1 attach in 30 waited in
    # vain and timed out.
    outs = []
    for _ in range(5):
        pair = [threading.Thread(target=lambda: outs.append(gdb(img.port, ['info threads', 'detach'])))
                for _ in range(2)]
        for t in pair:
            t.start()
        for t in pair:
            t.join()
    good = sum('"main"' in o and 'detached' in o for o in outs)
    check(good == 10, f'two gdbs at once, five times: each attaches, lists the threads and detaches ({good}/10)')
