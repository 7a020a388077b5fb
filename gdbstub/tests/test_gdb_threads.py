"""gdb sees the image's kernel threads: names and states in `info threads`,
a backtrace for each, `monitor threads`; and the workers keep being
scheduled while main spins, before gdb came and after `continue` (main
never blocks in gdb-demo threads: only timer preemption runs them). Needs
the scheduler (issue B); skips with a message on a build without threads."""
import os
import re
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdblib import Image, gdb, interrupt_after, require_image_and_gdb  # noqa: E402
from lulib import check, skip  # noqa: E402

require_image_and_gdb()
with Image('threads', '--gdb') as img:
    img.wait_for('mode threads', 30)
    if img.wait_for('no threads in this build', 2):
        skip('this image has no pthreads yet (issue B)')
    out = gdb(img.port, ['echo ==threads\\n', 'info threads', 'echo ==bt\\n', 'thread apply all bt 3',
                         'echo ==monitor\\n', 'monitor threads', 'echo ==iters\\n', 'print demo_worker_iters'] +
              interrupt_after(1.5) + ['continue', 'print demo_worker_iters', 'detach'])
    print(out)
    # qXfer:threads: `Thread 5 "worker-1" (running)`; qThreadExtraInfo
    # alone (older gdb): `Thread 5 (worker-1: running)`.
    head = out.split('==bt')[0]
    threads = re.findall(r'Thread (\d+) "([\w.-]+)" \((\w+)\)', head) or \
        re.findall(r'Thread (\d+) \(([\w.-]+): (\w+)\)', head)
    names = {n for _, n, _ in threads}
    check(len(threads) >= 3, f'info threads lists at least 3 threads ({len(threads)})')
    check({'main', 'worker-1', 'worker-2'} <= names, f'named main, worker-1, worker-2 ({sorted(names)})')
    check(re.search(r'worker-1\s+\w+', out.split('==monitor')[1]), 'monitor threads lists the workers')
    check(out.count('#0 ') >= 3, 'a backtrace for each thread')
    iters = [[int(a), int(b)] for a, b in re.findall(r'^\$\d+ = \{(\d+), (\d+)\}$', out, re.M)]
    check(len(iters) == 2 and min(iters[0]) > 0, f'both workers ran before gdb attached ({iters[:1]})')
    check(len(iters) == 2 and all(b > a for a, b in zip(iters[0], iters[1])),
          f'both workers ran during `continue` ({iters})')
    check(img.alive(), 'image runs on after detach')
