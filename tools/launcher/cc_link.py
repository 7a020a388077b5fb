"""How an app outside the tree is compiled and linked, for both builds: the
part `lucent build` (build.py) and `lucent-cc` (cc.py) share.

The recipe of each build (compiler flags, the platform's static libraries,
link arguments) is written by meson into <build>/lucent-app.json, so no
flag here duplicates what the build system knows. Every library the recipe
names is linked whole: tracepoints, metrics, gdb monitor commands and
constructors sit in linker sections or are never called by name, and a plain
archive link would drop them (then `--gdb` finds no stub and `--metrics` no
server). An image is linked twice, as meson does: the first link gives the
addresses, tools/mksyms.py turns them into the symbol table the kernel names
functions with, and the second link adds it after everything else.
"""
import json
import os
import subprocess
import sys
import tempfile

TOOLS = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


class BuildError(Exception):
    pass


def run(cmd, show=True):
    """Runs @cmd; its output reaches the user as a compiler's would (warnings
    included), and a failure raises BuildError after printing it."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        sys.stderr.write(r.stdout)
        raise BuildError(f'command failed: {" ".join(cmd[:3])} ...')
    if r.stdout and show:
        sys.stderr.write(r.stdout)


def recipe_path(build_root, build):
    return os.path.join(build_root, build, 'lucent-app.json')


def load_recipe(build_root, build, refresh=False):
    """The recipe of @build ('host' or 'image') under @build_root. With
    @refresh, ninja first brings the platform libraries up to date (`lucent
    build` does; a compiler driver that make calls hundreds of times, in
    parallel, must not)."""
    path = recipe_path(build_root, build)
    if not os.path.isfile(path):
        raise BuildError(f'{path} missing: run tools/setup first (or set LUCENT_BUILD_ROOT)')
    if refresh:
        run(['ninja', '-C', os.path.join(build_root, build)], show=False)
    with open(path) as f:
        recipe = json.load(f)
    missing = [lib for lib in recipe['libs'] if not os.path.isfile(lib)]
    if missing:
        raise BuildError(f'{missing[0]} missing: build {os.path.join(build_root, build)} first (ninja -C ...)')
    return recipe


def is_provided(recipe, arg):
    """True for a -lNAME (or -pthread) that the image's platform already
    links: its libc, libm and threads. A -lm meant for Linux must not pull
    the host's libm.a into the image. Empty in the host recipe: there -lm is
    the real libm."""
    provided = set(recipe.get('provided_libs', []))
    return (arg.startswith('-l') and arg[2:] in provided) or (arg == '-pthread' and 'pthread' in provided)


def image_libraries(recipe, link_inputs):
    """@link_inputs with each -lNAME the image does not provide replaced by
    the libNAME.a the -L directories hold. gcc would also search the host's
    /usr/lib, whose archives are built against glibc: an image must never
    link them (configure's check for -lz would pass, and the program would
    get a zlib it cannot use), so a library found nowhere else is an error."""
    dirs = [a[2:] for a in link_inputs if a.startswith('-L') and len(a) > 2]
    out = []
    for a in link_inputs:
        if not a.startswith('-l') or is_provided(recipe, a):
            out.append(a)
            continue
        name = a[3:] if a.startswith('-l:') else f'lib{a[2:]}.a'
        found = next((os.path.join(d, name) for d in dirs if os.path.isfile(os.path.join(d, name))), None)
        if not found:
            raise BuildError(f'{a}: no {name} in the -L directories ({" ".join(dirs) or "none given"}); an '
                             'image links only static archives built for it, never the host\'s libraries')
        out.append(found)
    return out


def link_once(recipe, link_inputs, out):
    """One link of @link_inputs (the user's objects, archives, -l, -L and
    -Wl flags, in their order) with the platform linked whole after them, so
    the user's archives resolve against the C library and the platform's
    references to main() resolve against the user's objects."""
    if recipe['build'] == 'image':
        link_inputs = image_libraries(recipe, link_inputs)
    user = [a for a in link_inputs if not is_provided(recipe, a)]
    libs = ['-Wl,--whole-archive'] + recipe['libs'] + ['-Wl,--no-whole-archive']
    # main is wanted from the start, as a C runtime's crt1.o wants it, so a
    # main() inside one of the user's archives is taken from it.
    run(['gcc', '-o', out] + recipe['link_args'] + ['-Wl,--undefined=main'] + user + libs +
        recipe['lib_link_args'])


def link(recipe, link_inputs, out, name=None):
    """Links a program of the recipe's build at @out: a Linux executable, or
    a bootable PVH image with its symbol table (@name, default the file's
    name, becomes the image's argv[0] and trace process name)."""
    if recipe['build'] != 'image':
        link_once(recipe, link_inputs, out)
        return out
    name = name or os.path.basename(out)
    with tempfile.TemporaryDirectory(prefix='lucent-link-') as tmp:
        pass1 = os.path.join(tmp, 'pass1')
        link_once(recipe, link_inputs, pass1)
        syms_s, syms_o = os.path.join(tmp, 'syms.S'), os.path.join(tmp, 'syms.o')
        run([sys.executable, os.path.join(TOOLS, 'mksyms.py'), pass1, syms_s, name])
        run(['gcc', '-c', syms_s, '-o', syms_o])
        link_once(recipe, link_inputs + [syms_o], out)
    return out
