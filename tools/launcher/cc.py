"""lucent-cc: a compiler driver that takes gcc's command line and builds for
Lucent, so that make, configure, CMake and meson build a program unmodified.

  lucent-cc [gcc options] FILE...          the image: a bootable PVH image (a.out by default)
  lucent-cc-host [gcc options] FILE...     the hostbuild: a Linux executable
  lucent-cc --target=host|image ...        the same, chosen by option

Compiling (-c, -S, -E, -M...) is gcc with the build's recipe flags first, so
the user's own flags (-O0, -std=c99, -fPIC ...) override them. Linking
compiles any sources given and hands the objects, archives, -l/-L/-Wl flags,
in their order, to cc_link.py, which links the platform (with the tracer,
metrics exporter and, in the image, the gdb stub) whole and, for an image,
links twice for the symbol table. In the image -lc -lm -lpthread -ldl -lrt
and -pthread name what the platform already has; a shared object or a PIE
cannot be made, and saying so beats a link that boots nothing.

The host variant is a second name rather than only an option because build
systems take the compiler as one word (CMAKE_C_COMPILER, CC for configure).
Recipes come from $LUCENT_BUILD_ROOT/{image,host}/lucent-app.json (default
the tree's build/); docs/toolchain.md is the user's guide.
"""
import concurrent.futures
import os
import shlex
import subprocess
import sys
import tempfile

from .cc_link import BuildError, link, load_recipe

MACHINE = {'image': 'x86_64-lucent'}  # -dumpmachine; the host's is gcc's own
SOURCE_EXT = ('.c', '.i', '.s', '.S', '.sx')
# gcc options whose value may be the next word.
TAKES_VALUE = {'-o', '-I', '-D', '-U', '-include', '-imacros', '-isystem', '-iquote', '-idirafter', '-iprefix',
               '-iwithprefix', '-iwithprefixbefore', '-isysroot', '-MF', '-MT', '-MQ', '-x', '-L', '-l',
               '-Xlinker', '-Xassembler', '-Xpreprocessor', '-T', '-u', '-z', '-e', '-aux-info', '--param',
               '-dumpbase', '-dumpdir', '-B'}
COMPILE_ONLY = {'-c', '-S', '-E', '-M', '-MM', '-fsyntax-only'}
LINK_ONLY_WORD = {'-static', '-s', '-rdynamic', '-nostdlib', '-nostartfiles', '-nodefaultlibs', '-pthread',
                  '-static-libgcc'}
LINK_ONLY_PAIR = {'-Xlinker', '-T', '-u', '-z', '-L', '-l', '-e'}
UNSUPPORTED_IMAGE = {'-shared': 'a shared library', '-pie': 'a position-independent executable',
                     '-static-pie': 'a position-independent executable'}
# Queries that gcc answers for the host's gcc, which is the image's compiler too.
GCC_QUERIES = ('-dumpversion', '-dumpfullversion', '-print-prog-name=', '-print-file-name=',
               '-print-libgcc-file-name', '-print-search-dirs', '-print-multi', '-print-sysroot')


class Usage(Exception):
    pass


def expand_response_files(argv, depth=0):
    """@FILE words replaced by the file's words (gcc's quoting: shell-like);
    a missing file stays a literal word, as gcc keeps it."""
    out = []
    for a in argv:
        if a.startswith('@') and os.path.isfile(a[1:]) and depth < 16:
            with open(a[1:]) as f:
                out += expand_response_files(shlex.split(f.read()), depth + 1)
        else:
            out.append(a)
    return out


def pick_target(argv0, argv):
    target = 'host' if os.path.basename(argv0).endswith('-host') else 'image'
    rest = []
    for a in argv:
        if a.startswith('--target='):
            target = a.split('=', 1)[1]
            if target not in ('host', 'image'):
                raise Usage(f'--target={target}: the targets are image and host')
        else:
            rest.append(a)
    return target, rest


def build_root():
    from .common import BUILD
    return BUILD


def print_info(target, argv):
    """Answers the driver's own queries; None when @argv asks none of them."""
    pkg = os.path.join(build_root(), target, 'meson')  # lucent.pc (meson/meson.build)
    for a in argv:
        if a == '--print-pkg-config-path':
            return pkg + '\n'
        if a == '--print-meson-cross-file':
            from .cc_files import meson_cross_file
            return meson_cross_file(pkg)
        if a == '--print-cmake-toolchain-file':
            from .cc_files import cmake_toolchain_file
            return cmake_toolchain_file(target) + '\n'
        if a == '-dumpmachine' and target in MACHINE:
            return MACHINE[target] + '\n'
    return None


def version(target):
    r = subprocess.run(['gcc', '--version'], capture_output=True, text=True, check=True)
    first, _, rest = r.stdout.partition('\n')
    what = 'Lucent image, x86_64-lucent' if target == 'image' else 'Lucent hostbuild, a Linux program'
    # The first line keeps gcc's version, which build systems read; meson
    # and CMake identify GCC by its predefined macros and this text.
    return (first.replace('gcc', 'lucent-cc', 1) + '\n' +
            f'Target: {what}; the compiler is the host\'s gcc with the recipe in '
            f'{os.path.join(build_root(), target, "lucent-app.json")}\n' + rest)


def split(argv):
    """(mode, inputs, output): mode 'compile' when gcc will not link, 'link'
    otherwise; inputs are (index, word, language or None) for each file."""
    mode, inputs, output, lang, i = 'link', [], None, None, 0
    while i < len(argv):
        a = argv[i]
        if a in COMPILE_ONLY:
            mode = 'compile'
        if a in TAKES_VALUE and i + 1 < len(argv):
            if a == '-o':
                output = argv[i + 1]
            if a == '-x':
                lang = None if argv[i + 1] == 'none' else argv[i + 1]
            i += 2
            continue
        if a.startswith('-x') and len(a) > 2:
            lang = None if a[2:] == 'none' else a[2:]
        elif a.startswith('-o') and len(a) > 2:
            output = a[2:]
        elif a == '-' or not a.startswith('-'):
            inputs.append((i, a, lang))
        i += 1
    return mode, inputs, output


def is_source(word, lang):
    return lang is not None or word == '-' or word.endswith(SOURCE_EXT)


def link_flags(argv, inputs):
    """The link's part of @argv, in order: objects and archives (sources
    become objects later, at their index), -l/-L/-Wl and the link-only
    words. Everything else is a compile flag."""
    at = {i for i, _, _ in inputs}
    compile_opts, link_opts, i = [], [], 0
    while i < len(argv):
        a = argv[i]
        if i in at:
            link_opts.append(i)
        elif a in LINK_ONLY_PAIR and i + 1 < len(argv):
            link_opts += [a + argv[i + 1]] if a in ('-l', '-L') else [a, argv[i + 1]]
            i += 1
        elif a in LINK_ONLY_WORD or a.startswith(('-l', '-L', '-Wl,', '-fuse-ld=')):
            link_opts.append(a)
            if a == '-pthread':
                compile_opts.append(a)  # it also defines _REENTRANT
        elif a in TAKES_VALUE and i + 1 < len(argv):
            if a not in ('-o', '-x'):
                compile_opts += [a, argv[i + 1]]
            i += 1
        elif not (a.startswith('-x') or a.startswith('-o')):
            compile_opts.append(a)
        i += 1
    return compile_opts, link_opts


def compile_and_link(recipe, argv, inputs, output):
    compile_opts, link_opts = link_flags(argv, inputs)
    with tempfile.TemporaryDirectory(prefix='lucent-cc-') as tmp:
        jobs = {}
        for n, (i, word, lang) in enumerate(inputs):
            if is_source(word, lang):
                obj = os.path.join(tmp, f'{n}-{os.path.basename(word) if word != "-" else "stdin"}.o')
                jobs[i] = (obj, ['gcc'] + recipe['c_args'] + compile_opts + (['-x', lang] if lang else []) +
                           ['-c', word, '-o', obj])
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            done = [pool.submit(subprocess.run, cmd) for _, cmd in jobs.values()]
            if any(f.result().returncode for f in done):
                return 1
        words = {i: (jobs[i][0] if i in jobs else w) for i, w, _ in inputs}
        link(recipe, [words[a] if isinstance(a, int) else a for a in link_opts], output or 'a.out')
    return 0


def run(argv0, argv):
    target, argv = pick_target(argv0, expand_response_files(argv))
    info = print_info(target, argv)
    if info is not None:
        sys.stdout.write(info)
        return 0
    if argv in (['--help'], ['-h']):
        sys.stdout.write(__doc__.split('\n\n')[0] + '\n\n' + __doc__.split('\n\n')[1] + '\n\n'
                         'Its own options: --target=image|host, --print-pkg-config-path, --print-meson-cross-file,\n'
                         '--print-cmake-toolchain-file. Everything else is gcc\'s (gcc --help). docs/toolchain.md.\n')
        return 0
    if '--version' in argv:
        sys.stdout.write(version(target))
        return 0
    recipe = load_recipe(build_root(), target)
    gcc = ['gcc'] + recipe['c_args']
    if any(a.startswith(GCC_QUERIES) for a in argv) or argv == ['-v']:
        if argv == ['-v']:
            print(f'lucent-cc: target {target}, recipe {os.path.join(build_root(), target, "lucent-app.json")}',
                  file=sys.stderr)
        os.execvp('gcc', ['gcc'] + argv)
    mode, inputs, output = split(argv)
    if mode == 'link' and target == 'image':
        for a in argv:
            if a in UNSUPPORTED_IMAGE:
                raise BuildError(f'{a}: an image is one static program, it cannot be '
                                 f'{UNSUPPORTED_IMAGE[a]}; build a static archive with ar instead')
    if mode == 'compile' or not inputs or '-shared' in argv or '-r' in argv:
        # gcc compiles (or answers -Wl,--version); for the host, a shared
        # object or a partial link is plain gcc's, without the platform,
        # which the program that loads it links.
        os.execvp('gcc', gcc + argv)
    return compile_and_link(recipe, argv, inputs, output)


def main(argv0, argv):
    try:
        return run(argv0, argv)
    except (BuildError, Usage) as e:
        print(f'lucent-cc: error: {e}', file=sys.stderr)
        return 1
