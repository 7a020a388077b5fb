"""The sqlite3 shell port (ports/sqlite3) in this build: SQL scripts on
stdin against :memory:, whose output is byte for byte what Debian's own
sqlite3 (the same release) prints on this machine."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
from lulib import BUILD, check, fail  # noqa: E402
from portlib import port, run  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEBIAN = '/usr/bin/sqlite3'
if not os.path.isfile(DEBIAN):
    fail(f'{DEBIAN} missing: tools/setup installs Debian\'s sqlite3 package, the reference')
shell = port('sqlite3')


def debian(script):
    return subprocess.run([DEBIAN, ':memory:'], input=script, capture_output=True, timeout=60)


def show(what, b):
    print(f'--- {what} ({len(b)} bytes)')
    print(b.decode('utf-8', 'replace'))


# A session that succeeds: tables, joins, aggregates, printf, json, CTEs,
# window functions, output modes. All of it on stdout, nothing on stderr.
script = open(os.path.join(HERE, 'script.sql'), 'rb').read()
want = debian(script)
check(want.returncode == 0 and want.stderr == b'' and len(want.stdout) > 1000,
      f'Debian\'s sqlite3 runs script.sql cleanly ({len(want.stdout)} bytes)')
got = run(shell, ':memory:', input=script, text=False, timeout=300)
show('port stdout', got.stdout)
show('port stderr', got.stderr)
if got.stdout != want.stdout:
    show('Debian\'s stdout', want.stdout)
    a, b = got.stdout.splitlines(), want.stdout.splitlines()
    first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    fail(f'{BUILD}: script.sql output differs from Debian\'s sqlite3 from line {first + 1}: '
         f'{a[first:first + 1]!r} against {b[first:first + 1]!r}')
check(got.returncode == 0, f'{BUILD}: script.sql prints what Debian\'s sqlite3 prints, byte for byte, exit 0')

# Errors: each reported, the next statement run, exit status 1. In the
# image stdout and stderr are one console, so this script prints only errors.
errors = open(os.path.join(HERE, 'errors.sql'), 'rb').read()
want = debian(errors)
check(want.returncode == 1 and want.stdout == b'' and want.stderr.count(b'error') >= 10,
      'Debian\'s sqlite3 reports errors.sql\'s errors on stderr, exit 1')
got = run(shell, ':memory:', input=errors, text=False, timeout=300)
show('port stdout', got.stdout)
show('port stderr', got.stderr)
if BUILD == 'host':  # the launcher's own notes share the hostbuild's stderr
    out = b''.join(l for l in got.stderr.splitlines(True) if not l.startswith(b'lucent: '))
else:  # the image's console, both streams: the launcher's stdout
    out = got.stdout
if out != want.stderr:
    show('Debian\'s stderr', want.stderr)
    fail(f'{BUILD}: the errors differ from Debian\'s sqlite3\'s')
check(got.returncode == 1, f'{BUILD}: errors.sql reports what Debian\'s sqlite3 reports, byte for byte, exit 1 '
      f'(got {got.returncode})')
