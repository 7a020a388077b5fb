"""argv fidelity: the app's arguments arrive byte for byte, in both builds,
whatever bytes they hold (quotes, backslashes, spaces, newlines, UTF-8 and
invalid UTF-8, empty strings), up to the launcher's limit, past which the
launcher stops with a clear error before anything runs.

A property test: random argument vectors from a seed (LUCENT_SEED to replay
one; it is printed first and with every failure) go through `lucent run`
(and, in the image build, `lucent exec`, meson's exe_wrapper) to
tests/apps/argv_dump.c, and what it prints must equal what the vector says
it should. That expectation is the same for both builds, so the builds'
outputs are equal to each other byte for byte.
"""
import os
import random
import subprocess
import sys
import time

from lulib import BUILD, BUILD_DIR, LAUNCHER, check, fail, launcher_env

SEED = int(os.environ.get('LUCENT_SEED', random.randrange(1 << 32)))
print(f'seed {SEED} (LUCENT_SEED={SEED} replays this run)')
rng = random.Random(SEED)

# Bytes that have broken argument passing somewhere: shell and QEMU quoting,
# separators, control bytes, UTF-8 and its broken forms.
NASTY = [b'"', b"'", b'\\', b' ', b'\t', b'\n', b'\r', b',', b'=', b'--', b'-', b'$', b'`', b'*', b'\x01',
         b'\x7f', b'\xff', b'\xc3', b'\xc3\xa9', b'\xe2\x82\xac', b'\xf0\x9f\x98\x80', b'\xed\xa0\x80']


def rand_arg(maxlen):
    parts, n = [], rng.randrange(maxlen + 1)
    while sum(map(len, parts)) < n:
        r = rng.random()
        if r < 0.4:
            parts.append(rng.choice(NASTY))
        elif r < 0.7:
            parts.append(bytes([rng.randrange(1, 256)]))
        else:
            parts.append(bytes(rng.choice(b'abcxyz019') for _ in range(rng.randrange(1, 6))))
    return b''.join(parts)


def rand_vector():
    v = [rand_arg(rng.choice([0, 3, 12, 60])) for _ in range(rng.randrange(0, 24))]
    if v and rng.random() < 0.3:
        v[rng.randrange(len(v))] = b''
    return v


def expected(vec):
    lines = [f'argc {len(vec) + 1}']
    lines += [f'{i} {len(a)} {a.hex() or "-"}' for i, a in enumerate(vec, 1)]
    return ('\n'.join(lines) + '\n').encode()


def launch(argv, timeout=120):
    return subprocess.run([sys.executable, LAUNCHER] + argv, capture_output=True, timeout=timeout,
                          env=launcher_env(), stdin=subprocess.DEVNULL)


def run_dump(vec, via='run'):
    if via == 'exec':
        return launch(['exec', os.path.join(BUILD_DIR, 'argv-dump')] + vec)
    host = ['--host'] if BUILD == 'host' else []
    return launch(['run', '--quiet'] + host + ['argv-dump', '--'] + vec)


def check_vector(vec, what, via='run'):
    r = run_dump(vec, via)
    want = expected(vec)
    if r.returncode != 0 or r.stdout != want:
        fail(f'{BUILD} {via}: {what}: seed {SEED}, vector {vec!r}\n'
             f'exit {r.returncode}\nwant {want!r}\ngot  {r.stdout!r}\nstderr {r.stderr.decode(errors="replace")}')
    print(f'ok: {BUILD} {via}: {what} ({len(vec)} arguments, {sum(len(a) + 1 for a in vec)} bytes)')


# Fixed cases first: each names a way the old -append path lost bytes.
check_vector([b'say "hi" > x', b'', b'a\\"b', b'two  spaces', b'line\nbreak', b'--', b'-e', b'print("a b")'],
             'quotes, empty, backslash, spaces, newline, dashes')
check_vector([b'\xc3\xa9t\xc3\xa9', b'\xff\xfe', b'\xed\xa0\x80', b'\x01\x1f\x7f'], 'UTF-8 and invalid UTF-8')
check_vector([b'x'] * 300, '300 arguments (more than the old fixed 64)')
for i in range(8):
    check_vector(rand_vector(), f'random vector {i}')
# 64 KiB in all, in arguments of every length up to 4 KiB.
big, total = [], 0
while total < 64 * 1024:
    a = rand_arg(4096)
    big.append(a)
    total += len(a) + 1
check_vector(big, '64 KiB vector')
if BUILD == 'image':
    check_vector(rand_vector(), 'random vector through the exe_wrapper', via='exec')

# Past the limit (tools/launcher/qemu.py: 1 MiB in all, a NUL after each
# argument): one clear line, before anything boots or runs, in both builds.
# (Its other limit, 128 KiB per argument, is Linux's own: no command line
# can hand the launcher a longer one.)
t0 = time.monotonic()
r = run_dump([b'z' * 1023] * 1025)
err = r.stderr.strip().splitlines()
check(r.returncode != 0 and len(err) == 1 and b'the arguments take 1049600 bytes' in err[0]
      and b'booting' not in r.stderr and b'argc' not in r.stdout,
      f'{BUILD}: 1025 KiB in all: one clear launcher error ({err[:1]}, {time.monotonic() - t0:.1f} s)')
check_vector([b'w' * (128 * 1024 - 1)], 'one argument at the 128 KiB limit')
