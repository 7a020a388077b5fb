"""`lucent build` turns a user's own file, outside the tree, into both a
process and an image, and `lucent run` runs either."""
import os
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from lulib import BUILD, check, lucent  # noqa: E402

with tempfile.TemporaryDirectory() as d:
    os.environ['XDG_DATA_HOME'] = d  # keep test apps out of the user's data dir
    src = os.path.join(d, 'cube.c')
    with open(src, 'w') as f:
        f.write('#include <stdio.h>\n#include <stdlib.h>\n'
                'static int cube(int x) { return x * x * x; }\n'
                'int main(int argc, char **argv) { int n = argc > 1 ? atoi(argv[1]) : 2;\n'
                '  printf("cube(%d) = %d\\n", n, cube(n)); return n; }\n')
    r = lucent('build', 'cube.c', '-o', 'usercube', cwd=d, timeout=300)
    print(r.stdout, r.stderr)
    check(r.returncode == 0, 'lucent build succeeds from an outside directory')
    host = ['--host'] if BUILD == 'host' else []
    r = lucent('run', *host, 'usercube', '--', '3', cwd=d)
    print(r.stdout, r.stderr)
    check(r.returncode == 3 and r.stdout.strip() == 'cube(3) = 27', f'{BUILD}: the user app runs')
    r = lucent('build', 'missing.c', '-o', 'x', cwd=d)
    check(r.returncode != 0 and 'no such source file' in r.stderr, 'missing source: clear error')
