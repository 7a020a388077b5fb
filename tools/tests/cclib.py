"""What the lucent-cc tests share: a copy of the ccproject fixture, the
environment a user's shell would have (tools/ on PATH, this test's builds),
and the checks every image and hostbuild program of the fixture must pass."""
import os
import shutil
import subprocess
import sys
import tempfile

from lulib import BUILD_DIR, LAUNCHER, SRC, check, launcher_env, skip

TOOLS = os.path.join(SRC, 'tools')
CC = {'image': os.path.join(TOOLS, 'lucent-cc'), 'host': os.path.join(TOOLS, 'lucent-cc-host')}
BUILD_ROOT = os.path.dirname(BUILD_DIR)
FIXTURE = os.path.join(SRC, 'tools', 'tests', 'ccproject')
# What main.c prints: rms(1..10) = sqrt(38.5), computed by the library on a thread.
EXPECTED = 'ccproject: rms(1..10) = 6.2048, floor 6, on a thread'


def need_builds():
    """The tools/ tests run in the host build; they build images with the
    image build beside it (LUCENT_BUILD_ROOT/image), as `lucent build` does."""
    for build in ('host', 'image'):
        if not os.path.isfile(os.path.join(BUILD_ROOT, build, 'lucent-app.json')):
            skip(f'{os.path.join(BUILD_ROOT, build)} is not configured (tools/setup makes both builds)')


def env():
    e = launcher_env()
    e['PATH'] = TOOLS + os.pathsep + e['PATH']
    return e


def pkg_config_path(target):
    r = subprocess.run([CC[target], '--print-pkg-config-path'], capture_output=True, text=True, env=env(),
                       check=True)
    return r.stdout.strip()


def project_copy():
    tmp = tempfile.mkdtemp(prefix='lu-cc-')
    dst = os.path.join(tmp, 'ccproject')
    shutil.copytree(FIXTURE, dst)
    return tmp, dst


def sh(cmd, cwd, timeout=300, extra_env=None):
    e = env()
    e.update(extra_env or {})
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=e)
    if r.returncode:
        print(r.stdout[-4000:], r.stderr[-4000:], sep='\n')
    check(r.returncode == 0, f'{" ".join(cmd[:3])} succeeds')
    return r


def defined_lu_symbols(path):
    r = subprocess.run(['nm', '--defined-only', path], capture_output=True, text=True, check=True)
    return {line.split()[2] for line in r.stdout.splitlines()
            if len(line.split()) == 3 and line.split()[2].startswith('lu_')}


def check_image(path):
    """@path is a bootable image with the whole observability surface (every
    lu_ symbol the in-tree hello has: the gdb stub, the metrics server, the
    tracer) and prints the fixture's line when booted by path."""
    sys.path.insert(0, TOOLS)
    from launcher import build
    check(build.program_kind(path) == 'image', f'{os.path.basename(path)} is a PVH image')
    syms = defined_lu_symbols(path)
    for name in ('lu_gdb_dispatch', 'lu_metrics_server_start', 'lu_trace__drain_start'):
        check(name in syms, f'the image defines {name}')
    hello = os.path.join(BUILD_ROOT, 'image', 'hello')
    missing = defined_lu_symbols(hello) - syms
    check(not missing, f'every lu_ symbol of the in-tree hello is in the image (missing: {sorted(missing)[:5]})')
    r = subprocess.run([sys.executable, LAUNCHER, 'run', '--quiet', path], capture_output=True, text=True,
                       timeout=120, env=env())
    print(r.stdout[-2000:], r.stderr[-2000:], sep='\n')
    check(r.returncode == 0 and EXPECTED in r.stdout, 'the image boots and prints the expected line')


def check_host(path):
    sys.path.insert(0, TOOLS)
    from launcher import build
    check(build.program_kind(path) == 'host', f'{os.path.basename(path)} is a Linux executable')
    check('lu_metrics_server_start' in defined_lu_symbols(path), 'the hostbuild program has the metrics server')
    notes = subprocess.run(['readelf', '-n', path], capture_output=True, text=True).stdout
    check('Name: ccproject_rms' in notes, 'the program\'s tracepoint is a USDT probe (lucent.pc\'s host flags)')
    r = subprocess.run([path], capture_output=True, text=True, timeout=60)
    print(r.stdout[-2000:], r.stderr[-2000:], sep='\n')
    check(r.returncode == 0 and EXPECTED in r.stdout, 'the hostbuild program runs natively and prints the line')
