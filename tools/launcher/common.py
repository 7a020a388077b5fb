"""What every part of the launcher shares: where the tree and its builds
are, the launcher's error and status lines, and finding an app's program.

It owns no command; tools/launcher/main.py dispatches them.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
LAUNCHER = os.path.join(ROOT, 'tools', 'lucent')  # the user's command, for helpers that run it again
BUILD = os.environ.get('LUCENT_BUILD_ROOT', os.path.join(ROOT, 'build'))
USER_APPS = os.path.join(os.environ.get('XDG_DATA_HOME', os.path.expanduser('~/.local/share')),
                         'lucent', 'apps')
QEMU = os.environ.get('LUCENT_QEMU', 'qemu-system-x86_64')


class LucentError(Exception):
    """A failure the launcher reports as one `lucent: error:` line, exit 125."""


def err(msg):
    print(f'lucent: error: {msg}', file=sys.stderr)


def note(msg):
    print(f'lucent: {msg}', file=sys.stderr, flush=True)


def find_program(name, build):
    """Where the built app NAME lives for build ('host' or 'image'): the
    tree's apps, then `lucent build`'s, then the ports (ports/build)."""
    for base in (os.path.join(BUILD, build), os.path.join(USER_APPS, name), os.path.join(BUILD, 'ports', name)):
        path = os.path.join(base, name) if base.endswith(build) else os.path.join(base, build, name)
        if os.path.isfile(path):
            return path
    return None


def known_apps():
    apps_dir = os.path.join(ROOT, 'apps')
    apps = sorted(d for d in os.listdir(apps_dir) if os.path.isfile(os.path.join(apps_dir, d, 'meson.build')))
    if os.path.isdir(USER_APPS):
        apps += sorted(os.listdir(USER_APPS))
    return apps


def ensure_built(name, build):
    """Build the tree if it is configured (cheap when nothing changed)."""
    bdir = os.path.join(BUILD, build)
    if os.sep in name:  # a path: `lucent run out/image/lua`, a file built anywhere
        from . import build as user_build
        try:
            return user_build.resolve_path(name, build)
        except user_build.BuildError as e:
            raise LucentError(str(e))
    if name in known_apps() and os.path.isdir(os.path.join(ROOT, 'apps', name)):
        if not os.path.isfile(os.path.join(bdir, 'build.ninja')):
            raise LucentError(f'{build} build not configured: run tools/setup first')
        r = subprocess.run(['ninja', '-C', bdir, name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode:
            sys.stderr.write(r.stdout)
            raise LucentError(f'building {name} ({build}) failed')
    path = find_program(name, build)
    if not path:
        if name not in known_apps():
            raise LucentError(f"unknown app '{name}' (known: {', '.join(known_apps())})")
        raise LucentError(f"{build} build of '{name}' not found: run tools/setup first")
    return path
