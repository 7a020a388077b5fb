"""`lucent build` turns a user's own file, outside the tree, into both a
process and an image, and `lucent run` runs either, by name or by path.
(test_user_app_surface.py checks the gdb, metrics and trace surface.)"""
import concurrent.futures
import json
import os
import tempfile
from lulib import BUILD, BUILD_DIR, check, lucent

with tempfile.TemporaryDirectory() as d:
    os.environ['XDG_DATA_HOME'] = d  # keep test apps out of the user's data dir
    src = os.path.join(d, 'cube.c')
    # cbrt of a run-time value: libm, with no -lm on the command line (a
    # Linux program's recipe links it, the image has newlib's). EXTRA comes
    # from --cflags.
    with open(src, 'w') as f:
        f.write('#include <math.h>\n#include <stdio.h>\n#include <stdlib.h>\n'
                '#ifndef EXTRA\n#define EXTRA 0\n#endif\n'
                'static int cube(int x) { return x * x * x; }\n'
                'int main(int argc, char **argv) { int n = argc > 1 ? atoi(argv[1]) : 2;\n'
                '  printf("cube(%d) = %d, cbrt %.4f\\n", n, cube(n), cbrt((double)n)); return n + EXTRA; }\n')
    r = lucent('build', 'cube.c', '-o', 'usercube', '--cflags', '-DEXTRA=1 -Wall', cwd=d, timeout=300)
    print(r.stdout, r.stderr)
    check(r.returncode == 0, 'lucent build succeeds from an outside directory')
    host = ['--host'] if BUILD == 'host' else []
    r = lucent('run', *host, 'usercube', '--', '3', cwd=d)
    print(r.stdout, r.stderr)
    check(r.returncode == 4 and r.stdout.strip() == 'cube(3) = 27, cbrt 1.4422', f'{BUILD}: the user app runs')
    path = os.path.join(d, 'lucent', 'apps', 'usercube', BUILD, 'usercube')
    r = lucent('run', *host, os.path.relpath(path, d), '--', '2', cwd=d)
    check(r.returncode == 3 and r.stdout.strip() == 'cube(2) = 8, cbrt 1.2599', f'{BUILD}: lucent run PATH runs it')

    # Bad input: clear errors, never a traceback.
    r = lucent('build', 'missing.c', '-o', 'x', cwd=d)
    check(r.returncode != 0 and 'no such source file' in r.stderr, 'missing source: clear error')
    r = lucent('run', *host, './nothing-here', cwd=d)
    check(r.returncode == 125 and 'no such file' in r.stderr, f'run PATH of a missing file: {r.stderr.strip()}')
    r = lucent('run', *host, './cube.c', cwd=d)
    check(r.returncode == 125 and 'not a 64-bit ELF program' in r.stderr, f'run PATH of a source file: '
          f'{r.stderr.strip()}')
    # Two broken files: both are compiled (the compiles run side by side)
    # and both errors are shown.
    for name in ('bad1.c', 'bad2.c'):
        with open(os.path.join(d, name), 'w') as f:
            f.write(f'int {name[:4]}(void) {{ return undeclared_{name[:4]}; }}\n')
    r = lucent('build', 'bad1.c', 'bad2.c', '-o', 'bad', cwd=d, timeout=300)
    check(r.returncode == 125 and 'undeclared_bad1' in r.stderr and 'undeclared_bad2' in r.stderr,
          'a compile error in each of two files: both reported')

    if BUILD == 'image':
        # An image linked by hand without the gdb stub: --gdb refuses it
        # instead of printing an attach command that cannot work.
        from launcher import build as lucent_build, cc_link
        with open(os.path.join(BUILD_DIR, 'lucent-app.json')) as f:
            recipe = json.load(f)
        check(any('gdbstub' in lib for lib in recipe['libs']), 'the image recipe links the gdb stub')
        recipe['libs'] = [lib for lib in recipe['libs'] if 'gdbstub' not in lib]
        flags = lucent_build.Flags()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            objs = lucent_build._objects(recipe, [src], flags, d)
            lucent_build._compile_all([cmd for _, cmd in objs], pool)
            bare = cc_link.link(recipe, [o for o, _ in objs], os.path.join(d, 'nostub'))
        r = lucent('run', '--gdb', bare, cwd=d)
        check(r.returncode == 125 and 'has no gdb stub' in r.stderr, f'--gdb on an image without the stub: '
              f'{r.stderr.strip()}')
