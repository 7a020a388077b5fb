"""gdb sees the image's kernel threads: names and states in `info threads`,
a backtrace for each, `monitor threads`. Needs the scheduler (issue B);
skips with a message on a build without threads."""
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
                         'echo ==monitor\\n', 'monitor threads', 'detach'])
    print(out)
    threads = re.findall(r'Thread (\d+) \(([\w.-]+): (\w+)\)', out.split('==bt')[0])
    names = {n for _, n, _ in threads}
    check(len(threads) >= 3, f'info threads lists at least 3 threads ({len(threads)})')
    check({'main', 'worker-1', 'worker-2'} <= names, f'named main, worker-1, worker-2 ({sorted(names)})')
    check(re.search(r'worker-1\s+\w+', out.split('==monitor')[1]), 'monitor threads lists the workers')
    check(out.count('#0 ') >= 3, 'a backtrace for each thread')
    check(img.alive(), 'image runs on after detach')
