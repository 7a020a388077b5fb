"""The Lua port (ports/lua) in this build, as a user runs it: chunks through
-e with quotes and spaces, a script on stdin, the REPL on a terminal, and a
CPU-bound script whose result equals the hostbuild's and Python's."""
import os
import pty
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
from lulib import BUILD, check, fail, launcher_env  # noqa: E402
from portlib import launcher_cmd, port, run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
lua = port('lua')


def lines(r):
    return r.stdout.replace('\r\n', '\n').splitlines()


# -e: each chunk is one argument, quotes and spaces as typed.
r = run(lua, '-e', 'print("a b")')
print(r.stdout, r.stderr)
check(r.returncode == 0 and lines(r) == ['a b'], f'{BUILD}: lua -e \'print("a b")\' prints a b (got {r.stdout!r})')
first = 'x = "it\'s"'
r = run(lua, '-e', first, '-e', 'print(x, "two  spaces", #arg, arg[2])')
print(r.stdout, r.stderr)
check(r.returncode == 0 and lines(r) == [f'it\'s\ttwo  spaces\t4\t{first}'],
      f'{BUILD}: two -e chunks share state, quotes and double spaces kept, arg[] as given (got {r.stdout!r})')
r = run(lua, '-e', 'error("boom")')
print(r.stdout, r.stderr)
check(r.returncode == 1 and 'boom' in r.stdout + r.stderr, f'{BUILD}: an error in -e exits 1 with its message')

# stdin: not a terminal, so lua runs it as a script, to its end of file.
r = run(lua, input='print(1)\nlocal t = {}\nfor i = 1, 3 do t[#t + 1] = i * i end\nprint(table.concat(t, ","))\n')
print(r.stdout, r.stderr)
check(r.returncode == 0 and lines(r) == ['1', '1,4,9'], f'{BUILD}: a script on stdin runs to its end (got {r.stdout!r})')

# The REPL on a terminal: banner, prompt, an expression's value, ^D ends it.
master, slave = pty.openpty()
proc = subprocess.Popen(launcher_cmd(lua), stdin=slave, stdout=slave, stderr=slave, env=launcher_env(),
                        start_new_session=True)
os.close(slave)
seen = b''


def expect(what, start=0, timeout=60):
    """Reads the terminal until @what shows after offset @start; returns
    where it ends."""
    global seen
    deadline = time.monotonic() + timeout
    while what not in seen[start:]:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([master], [], [], left)[0]:
            break
        try:
            seen += os.read(master, 4096)
        except OSError:  # the terminal closed: the launcher has exited
            break
    if what not in seen[start:]:
        proc.kill()
        fail(f'{BUILD}: REPL: no {what!r} within {timeout} s; the terminal showed {seen!r}')
    print(f'ok: {BUILD}: REPL shows {what!r}')
    return seen.index(what, start) + len(what)


try:
    at = expect(b'> ', expect(b'Lua 5.4'))
    os.write(master, b'6 * 7\n')
    expect(b'> ', expect(b'42', at))  # the value, then the next prompt
    os.write(master, b'\x04')  # ^D: end of file
    proc.wait(60)
    check(proc.returncode == 0, f'{BUILD}: ^D ends the REPL, exit 0 (got {proc.returncode})')
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    os.close(master)


# A CPU-bound script: the same result as Python's and the hostbuild's.
def reference():
    n, k_max, h_max = 200000, 1000000, 50000
    composite, count, total = bytearray(n + 1), 0, 0
    for i in range(2, n + 1):
        if not composite[i]:
            count, total = count + 1, total + i
            for j in range(i * i, n + 1, i):
                composite[j] = 1
    s = 0.0
    for k in range(1, k_max + 1):
        s = s + 1.0 / (k * k)
    h = 0
    for k in range(1, h_max + 1):
        h = (h * 31 + len(f'{k}:{k * 7:x}')) % 1000000007
    return f'{count}\t{total}\t{s:.12f}\t{h}'


script = open(os.path.join(HERE, 'cpu.lua')).read()
t0 = time.monotonic()
r = run(lua, input=script, timeout=300)
took = time.monotonic() - t0
print(r.stdout, r.stderr)
want = reference()
check(r.returncode == 0 and lines(r) == [want], f'{BUILD}: cpu.lua prints {want!r} as Python computes it '
      f'(got {r.stdout!r}, {took:.1f} s)')
if BUILD == 'image':
    h = run(port('lua', 'host'), input=script, variant='host', timeout=300)
    check(h.returncode == 0 and lines(h) == lines(r), f'{BUILD}: the image prints what the hostbuild prints '
          f'({h.stdout!r})')
