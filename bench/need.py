"""What a benchmark needs from the machine, checked before it measures.

A bench that runs without a tool it relies on measures nothing and may say
something misleading instead (bench/http once wrote a 20-byte initrd on a
machine without cpio and reported the Linux guest as "did not come up").
So each bench asks here first: a missing Debian package is installed when
we are root (apt-get, non-interactive, no recommends), and otherwise the
bench stops with the package's name. Nothing here guesses around a gap.
"""
import os
import shutil
import subprocess
import sys


def _installed(package):
    r = subprocess.run(['dpkg-query', '-W', '-f=${Status}', package], capture_output=True, text=True)
    return r.returncode == 0 and 'ok installed' in r.stdout


def _install(who, package, why):
    if os.geteuid() != 0:
        sys.exit(f'{who}: needs {why}: apt-get install {package} (as root), then run again')
    print(f'{who}: installing {package} ({why})', flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    cmd = ['apt-get', 'install', '-y', '-q', '--no-install-recommends', package]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode:
        # A fresh machine may have no package lists yet.
        subprocess.run(['apt-get', 'update', '-q'], env=env, capture_output=True)
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode or not _installed(package):
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ['no message']
        sys.exit(f'{who}: apt-get install {package} failed: {tail[0]}')


def command(who, cmd, package):
    """The path of @cmd, installing Debian's @package for it if need be."""
    path = shutil.which(cmd)
    if not path:
        _install(who, package, f'`{cmd}`')
        path = shutil.which(cmd)
    if not path:
        sys.exit(f'{who}: {package} is installed but `{cmd}` is not on PATH')
    return path


def package(who, package, why):
    """Makes sure Debian's @package is installed (for files it ships, not a command)."""
    if not _installed(package):
        _install(who, package, why)


def package_file(who, package, suffix):
    """The path of the file of @package ending in @suffix (e.g. busybox-static's /bin/busybox)."""
    r = subprocess.run(['dpkg-query', '-L', package], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.endswith(suffix) and os.path.isfile(line):
            return line
    sys.exit(f'{who}: {package} is installed but ships no file ending in {suffix}')
