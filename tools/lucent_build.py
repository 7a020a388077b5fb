"""`lucent build`: build a user's own C sources into both a Linux executable
and a bootable image, from any directory, with no edits in the Lucent tree.

The recipe for each build (compiler flags, the platform's static libraries,
link arguments) is written by meson into build/<host|image>/lucent-app.json,
so this file never duplicates what the build system knows. Results go to
~/.local/share/lucent/apps/NAME/{host,image}/NAME, where `lucent run NAME`
finds them.
"""
import json
import os
import subprocess
import sys
import tempfile


class BuildError(Exception):
    pass


def _run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        sys.stderr.write(r.stdout)
        raise BuildError(f'command failed: {" ".join(cmd[:3])} ...')


def _recipe(build_root, build):
    path = os.path.join(build_root, build, 'lucent-app.json')
    if not os.path.isfile(path):
        raise BuildError(f'{path} missing: run tools/setup first')
    # Make sure the platform libraries are built and current.
    _run(['ninja', '-C', os.path.join(build_root, build)])
    with open(path) as f:
        return json.load(f)


def _link(recipe, objs, out):
    libs = ['-Wl,--whole-archive'] + recipe['libs'] + ['-Wl,--no-whole-archive']
    _run(['gcc', '-o', out] + objs + recipe['link_args'] + libs + recipe['lib_link_args'])


def build_one(root, build_root, recipe, name, sources, cflags, outdir):
    os.makedirs(outdir, exist_ok=True)
    objs = []
    with tempfile.TemporaryDirectory(prefix='lucent-build-') as tmp:
        for i, src in enumerate(sources):
            obj = os.path.join(tmp, f'{i}-{os.path.basename(src)}.o')
            _run(['gcc', '-c', src, '-o', obj] + recipe['c_args'] + cflags)
            objs.append(obj)
        out = os.path.join(outdir, name)
        if recipe['build'] == 'image':
            # Same two links as meson's: addresses, then the symbol table.
            pass1 = os.path.join(tmp, name + '.pass1')
            _link(recipe, objs, pass1)
            syms_s, syms_o = os.path.join(tmp, 'syms.S'), os.path.join(tmp, 'syms.o')
            _run([sys.executable, os.path.join(root, 'tools', 'mksyms.py'), pass1, syms_s, name])
            _run(['gcc', '-c', syms_s, '-o', syms_o])
            _link(recipe, objs + [syms_o], out)
        else:
            _link(recipe, objs, out)
    return out


def build_user_app(root, build_root, apps_dir, name, sources, cflags):
    if not name or '/' in name or name.startswith('.'):
        raise BuildError(f'bad app name {name!r}')
    for s in sources:
        if not os.path.isfile(s):
            raise BuildError(f'no such source file: {s}')
    outs = []
    for build in ('host', 'image'):
        recipe = _recipe(build_root, build)
        outs.append(build_one(root, build_root, recipe, name, sources, cflags,
                              os.path.join(apps_dir, name, build)))
    return outs
