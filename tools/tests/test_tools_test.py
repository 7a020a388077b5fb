"""tools/test itself: the closing line counts only what this run did.

It runs tools/test against two build trees of a tiny meson project made in
a temp dir (LUCENT_BUILD points there), never against Lucent's own builds,
so it cannot recurse into the whole suite. The tiny project has a passing,
a skipping, a failing and a slow test; then its source is broken so that
meson's rebuild fails before it writes a test log, and tools/test must fail
instead of reprinting the previous run's counts."""
import os
import re
import shutil
import subprocess
import tempfile
from lulib import SRC, check

TOOL = os.path.join(SRC, 'tools', 'test')
MESON_BUILD = """project('tiny', 'c')
prog = executable('prog', 'prog.c')
test('passes', prog, args: ['0'], suite: 'quick')
test('skips', prog, args: ['77'], suite: 'quick')
test('fails', prog, args: ['1'], suite: 'bad')
test('slow_one', prog, args: ['0'], suite: 'slow')
"""
PROG = '#include <stdlib.h>\nint main(int argc, char **argv) { return atoi(argv[1]); }\n'

tmp = tempfile.mkdtemp(prefix='lu-tools-test-')
src, root = os.path.join(tmp, 'src'), os.path.join(tmp, 'build')


def write(name, text):
    with open(os.path.join(src, name), 'w') as f:
        f.write(text)


def tools_test(*args):
    """Runs tools/test ARGS on the tiny builds: (exit status, last line, output)."""
    env = dict(os.environ, LUCENT_BUILD=root)
    r = subprocess.run([TOOL, *args], capture_output=True, text=True, env=env, timeout=300)
    out = r.stdout + r.stderr
    lines = r.stdout.rstrip('\n').split('\n')
    return r.returncode, lines[-1], out


def expect(args, rc_ok, last, what):
    rc, got, out = tools_test(*args)
    good = (rc == 0) == rc_ok and got == last
    if not good:
        print(out[-4000:])
    check(good, f'tools/test {" ".join(args)}: {what}: exit {"0" if rc_ok else "non-zero"} and '
          f'"{last}" last (got exit {rc}, "{got}")')
    check(re.fullmatch(r'\d+ passed, \d+ failed, \d+ skipped', got) is not None,
          'the closing line has the format CI counts')


try:
    os.makedirs(src)
    write('meson.build', MESON_BUILD)
    write('prog.c', PROG)
    for b in ('host', 'image'):
        r = subprocess.run(['meson', 'setup', os.path.join(root, b), src], capture_output=True, text=True)
        check(r.returncode == 0, f'the tiny project configures ({b})' + ('' if r.returncode == 0 else r.stdout))

    # Default run: quick and bad, not slow. Two builds of one of each.
    expect([], False, '2 passed, 2 failed, 2 skipped', 'a failing test fails the run; slow is left out')
    expect(['--suite', 'quick'], True, '2 passed, 0 failed, 2 skipped', 'skips are counted apart')
    expect(['--suite', 'slow'], True, '2 passed, 0 failed, 0 skipped', '--suite slow runs the slow tests')
    expect(['--no-suite', 'bad'], True, '4 passed, 0 failed, 2 skipped', 'a --no-suite of its own replaces slow\'s')
    expect(['--suite', 'nosuch'], False, '0 passed, 1 failed, 0 skipped', 'a run in which no test ran fails')

    # The last good run left logs that say "2 passed"; a broken rebuild must
    # not reprint them.
    expect(['--suite', 'quick'], True, '2 passed, 0 failed, 2 skipped', 'a good run before the break')
    write('prog.c', PROG + 'this is not C;\n')
    expect(['--suite', 'quick'], False, '0 passed, 2 failed, 0 skipped',
           'a failed rebuild in both builds counts two failures, not the old counts')
    for b in ('host', 'image'):
        check(not os.path.exists(os.path.join(root, b, 'meson-logs', 'testlog.json')),
              f'{b}: the previous run\'s log is gone, not reread')

    write('prog.c', PROG)
    shutil.rmtree(os.path.join(root, 'image'))
    expect(['--suite', 'quick'], False, '1 passed, 1 failed, 1 skipped', 'a build that is not configured fails')
finally:
    shutil.rmtree(tmp, ignore_errors=True)
