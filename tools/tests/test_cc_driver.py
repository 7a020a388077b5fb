"""lucent-cc as gcc's command line: the queries build systems ask
(--version, -dumpmachine, -print-prog-name, -v), response files, -E and -M
with the image's flags, -l names the image provides, the unsupported modes
refused with a clear error, and a link of several sources with -x."""
import os
import shutil
import subprocess
import tempfile

from cclib import CC, check, env, need_builds

need_builds()


def cc(target, *args, cwd=None, stdin=None):
    return subprocess.run([CC[target], *args], capture_output=True, text=True, env=env(), cwd=cwd, input=stdin,
                          timeout=120)


r = cc('image', '--version')
check(r.returncode == 0 and r.stdout.startswith('lucent-cc') and 'Free Software Foundation' in r.stdout,
      '--version: gcc\'s text (meson identifies GCC by it) under lucent-cc\'s name')
check(cc('image', '-dumpmachine').stdout == 'x86_64-lucent\n', '-dumpmachine of the image: x86_64-lucent')
host_machine = subprocess.run(['gcc', '-dumpmachine'], capture_output=True, text=True).stdout
check(cc('host', '-dumpmachine').stdout == host_machine, '-dumpmachine of the host variant: gcc\'s')
check(cc('image', '--target=host', '-dumpmachine').stdout == host_machine, '--target=host picks the host variant')
check(cc('image', '-print-prog-name=ld').stdout.strip().endswith('ld'), '-print-prog-name=ld names a linker')
r = cc('image', '-v')
check(r.returncode == 0 and 'lucent-app.json' in r.stderr and 'gcc version' in r.stderr, '-v names the recipe')
r = cc('image', '--help')
check(r.returncode == 0 and '--print-pkg-config-path' in r.stdout, '--help lists lucent-cc\'s own options')
for target in ('image', 'host'):
    path = cc(target, '--print-cmake-toolchain-file').stdout.strip()
    check(os.path.isfile(path) and path.endswith(f'lucent-{target}.cmake'), f'the {target} CMake toolchain file')
    pc = cc(target, '--print-pkg-config-path').stdout.strip()
    check(os.path.isfile(os.path.join(pc, 'lucent.pc')), f'lucent.pc of the {target} build is where lucent-cc says')
r = cc('image', '--target=wasm', '-c', 'x.c')
check(r.returncode != 0 and '--target=wasm' in r.stderr, 'an unknown --target is refused')

tmp = tempfile.mkdtemp(prefix='lu-cc-driver-')
try:
    def write(name, text):
        with open(os.path.join(tmp, name), 'w') as f:
            f.write(text)

    # -E: the image's predefined macros (newlib's headers, its POSIX switches).
    r = cc('image', '-E', '-dM', '-x', 'c', '-', stdin='#include <stdio.h>\n')
    check(r.returncode == 0 and '_NEWLIB_VERSION' in r.stdout, '-E with the image\'s headers: newlib\'s stdio.h')
    check('#define _POSIX_THREADS' in r.stdout, '-E with the image\'s flags (_POSIX_THREADS)')
    r = cc('host', '-E', '-dM', '-x', 'c', '-', stdin='#include <stdio.h>\n')
    check(r.returncode == 0 and '__GLIBC__' in r.stdout, '-E of the host variant: glibc\'s headers')
    write('one.c', '#include "one.h"\nconst char *greeting = GREETING;\nint one(void) { return ONE; }\n')
    write('one.h', '#define ONE 1\nint one(void);\n')
    # Response file with quoting, -M depfiles.
    write('args.rsp', '-DGREETING=\'"hi there"\' -c one.c -MD -MF one.d -o one.o\n')
    r = cc('image', '@args.rsp', cwd=tmp)
    check(r.returncode == 0 and os.path.isfile(os.path.join(tmp, 'one.o')), '@file response files expand')
    with open(os.path.join(tmp, 'one.d')) as f:
        check('one.h' in f.read(), '-MD -MF writes a depfile naming the header')
    r = cc('image', '-shared', '-fPIC', '-o', 'libone.so', 'one.c', cwd=tmp)
    check(r.returncode == 1 and 'lucent-cc: error: -shared' in r.stderr and 'static archive' in r.stderr,
          '-shared in the image: a clear error')
    r = cc('image', '-pie', '-o', 'x', 'one.c', cwd=tmp)
    check(r.returncode == 1 and 'lucent-cc: error: -pie' in r.stderr, '-pie in the image: a clear error')
    # A link of a source given with -x, an object, and every -l the image has.
    write('main.txt', '#include <stdio.h>\nint one(void);\nint main(void) { printf("%d\\n", one()); }\n')
    r = cc('image', '-o', 'prog', '-x', 'c', 'main.txt', '-x', 'none', 'one.o', '-lm', '-lpthread', '-lc',
           '-ldl', '-lrt', '-pthread', cwd=tmp)
    print(r.stderr[-2000:])
    check(r.returncode == 0, '-x c, objects and -lm -lpthread -lc -ldl -lrt -pthread link an image')
    r = subprocess.run(['nm', os.path.join(tmp, 'prog')], capture_output=True, text=True)
    check(' T lu_gdb_dispatch' in r.stdout and ' T main' in r.stdout, 'the image has main and the gdb stub')
    # main() inside an archive: taken from it, as a Linux link takes it.
    write('mainlib.c', 'int one(void);\nint main(void) { return one() - 1; }\n')
    check(cc('image', '-c', 'mainlib.c', cwd=tmp).returncode == 0, 'mainlib.c compiles')
    subprocess.run(['ar', 'rcs', 'libmain.a', 'mainlib.o'], cwd=tmp, check=True)
    r = cc('image', '-o', 'fromlib', 'one.o', '-L.', '-lmain', cwd=tmp)
    print(r.stderr[-2000:])
    check(r.returncode == 0, 'an image whose main() is in an archive links')
    # A library the image does not have: the host's (built on glibc) is never taken.
    r = cc('image', '-o', 'withz', 'one.o', '-L.', '-lmain', '-lz', cwd=tmp)
    check(r.returncode == 1 and 'lucent-cc: error: -lz: no libz.a' in r.stderr,
          'an image does not link the host\'s libz.a: a clear error')
    r = cc('image', 'one.o', cwd=tmp)
    check(r.returncode != 0 and 'main' in r.stderr, 'a link without main fails at link time, not silently')
finally:
    shutil.rmtree(tmp)
