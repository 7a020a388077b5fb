"""What the ports' tests share: build a port (ports/build, cheap when it is
up to date) and run it through the launcher, as a user would."""
import os
import subprocess
import sys

from lulib import BUILD, BUILD_DIR, LAUNCHER, SRC, fail, launcher_env


def port(name, variant=BUILD):
    """The path of port @name's program for @variant (host or image), built
    or brought up to date first; a failed build fails the test with the
    build's own output (the undefined symbols of a link, say)."""
    env = launcher_env()
    r = subprocess.run([os.path.join(SRC, 'ports', 'build'), name, '--variant', variant],
                       capture_output=True, text=True, env=env)
    print(r.stdout, end='')
    if r.returncode:
        print(r.stderr)
        fail(f'ports/build {name} --variant {variant} failed')
    return os.path.join(env['LUCENT_BUILD_ROOT'], 'ports', name, variant, name)


def run(path, *args, variant=BUILD, timeout=120, **kw):
    """`lucent run [--host] PATH -- ARGS`; returns the CompletedProcess (text
    unless @kw says otherwise)."""
    host = ['--host'] if variant == 'host' else []
    kw.setdefault('text', True)
    return subprocess.run([sys.executable, LAUNCHER, 'run', *host, path, '--', *args], capture_output=True,
                          timeout=timeout, env=launcher_env(), **kw)


def launcher_cmd(path, *args, variant=BUILD):
    host = ['--host'] if variant == 'host' else []
    return [sys.executable, LAUNCHER, 'run', *host, path, '--', *args]


__all__ = ['port', 'run', 'launcher_cmd', 'BUILD', 'BUILD_DIR']
