"""`lucent build`: build a user's own C sources into both a Linux executable
and a bootable image, from any directory, with no edits in the Lucent tree.

  lucent build [-I DIR] [-D X[=V]] [-U X] [-L DIR] [-l LIB] [-Wl,...]
               [--cflags "..."] [--ldflags "..."] [-j N] FILE.c... -o NAME

The recipe for each build and the link (every platform library whole, the
image's two links) are cc_link.py's, shared with `lucent-cc` (cc.py): this
file parses `lucent build`'s options and compiles both builds in parallel.

Results go to ~/.local/share/lucent/apps/NAME/{host,image}/NAME, where
`lucent run NAME` finds them (`lucent run PATH` runs either file directly).
"""
import argparse
import concurrent.futures
import os
import shlex
import struct
import tempfile

# BuildError is also this module's: main.py and gdb.py catch build.BuildError.
from .cc_link import BuildError, link, load_recipe, run  # noqa: F401


class Flags:
    """What the user passed beyond the sources, split the way a compiler
    driver splits it: compile flags, link flags before the objects' libraries
    (-L, -Wl,...), and the libraries themselves (-l), in order."""

    def __init__(self, cflags=(), ldflags=(), libs=()):
        self.cflags, self.ldflags, self.libs = list(cflags), list(ldflags), list(libs)


def _compile_all(jobs, pool):
    """Runs every compile command in @jobs on @pool; raises the first failure
    after all have finished, so that every error is printed once."""
    futures = [pool.submit(run, cmd) for cmd in jobs]
    errors = [f.exception() for f in futures if f.exception()]
    if errors:
        raise errors[0]


def _objects(recipe, sources, flags, tmp):
    """[(object, compile command)] for one build."""
    out = []
    for i, src in enumerate(sources):
        obj = os.path.join(tmp, f'{recipe["build"]}-{i}-{os.path.basename(src)}.o')
        out.append((obj, ['gcc', '-c', src, '-o', obj] + recipe['c_args'] + flags.cflags))
    return out


def _link_build(recipe, name, objs, flags, outdir):
    os.makedirs(outdir, exist_ok=True)
    return link(recipe, flags.ldflags + objs + flags.libs, os.path.join(outdir, name), name)


def build_user_app(root, build_root, apps_dir, name, sources, flags, jobs=None):
    if not name or '/' in name or name.startswith('.'):
        raise BuildError(f'bad app name {name!r}')
    for s in sources:
        if not os.path.isfile(s):
            raise BuildError(f'no such source file: {s}')
    recipes = [load_recipe(build_root, build, refresh=True) for build in ('host', 'image')]
    with tempfile.TemporaryDirectory(prefix='lucent-build-') as tmp, \
            concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        # Every file of both builds compiles at once (as make -j would), then
        # the two builds link side by side.
        objs = {r['build']: _objects(r, sources, flags, tmp) for r in recipes}
        _compile_all([cmd for r in recipes for _, cmd in objs[r['build']]], pool)
        links = [pool.submit(_link_build, r, name, [o for o, _ in objs[r['build']]], flags,
                             os.path.join(apps_dir, name, r['build'])) for r in recipes]
        return [f.result() for f in links]


def parse_args(argv):
    """Parses `lucent build`'s command line the way cc does: -I, -D, -U take
    their value attached or as the next word; -l and -L likewise; -Wl,... and
    -Xlinker X pass to the link; the rest are sources."""
    p = argparse.ArgumentParser(prog='lucent build', description='Build C sources into both a Linux '
                                'executable and a bootable image, from any directory. Compiler and '
                                'linker flags pass to both builds.',
                                epilog='Also, as cc takes them: -Wl,FLAGS, -Xlinker FLAG and -pthread (link flags).')
    p.add_argument('sources', nargs='+', help='C sources')
    p.add_argument('-o', dest='name', required=True, help='app name')
    p.add_argument('-I', dest='cflags', action='append', type=lambda v: '-I' + v, metavar='DIR',
                   help='add an include directory')
    p.add_argument('-D', dest='cflags', action='append', type=lambda v: '-D' + v, metavar='NAME[=VALUE]',
                   help='define a macro')
    p.add_argument('-U', dest='cflags', action='append', type=lambda v: '-U' + v, metavar='NAME',
                   help='undefine a macro')
    p.add_argument('-L', dest='ldflags', action='append', type=lambda v: '-L' + v, metavar='DIR',
                   help='add a library directory')
    p.add_argument('-l', dest='libs', action='append', type=lambda v: '-l' + v, metavar='LIB',
                   help='link with a library (the image already has libc, libm and threads)')
    p.add_argument('--cflags', dest='cflags_str', default='', metavar='FLAGS', help='extra compiler flags, quoted')
    p.add_argument('--ldflags', dest='ldflags_str', default='', metavar='FLAGS', help='extra link flags, quoted')
    p.add_argument('-j', dest='jobs', type=int, default=None, help='parallel compiles (default: CPUs)')
    # argparse would read -Wl,--foo as an unknown option: take the linker's
    # own flags out first, in order, and -pthread (a link flag here).
    rest, wl, libs = [], [], []
    it = iter(argv)
    for a in it:
        if a.startswith('-Wl,'):
            wl.append(a)
        elif a == '-Xlinker':
            wl += ['-Xlinker', next(it, '')]
        elif a in ('--cflags', '--ldflags'):
            rest.append(f'{a}={next(it, "")}')  # argparse would refuse a value that starts with '-'
        elif a == '-pthread':
            libs.append(a)  # a library, for the image's purposes: it has threads
        else:
            rest.append(a)
    a = p.parse_intermixed_args(rest)  # sources may come between the options, as with cc
    cflags = (a.cflags or []) + shlex.split(a.cflags_str)
    ldflags = (a.ldflags or []) + wl + shlex.split(a.ldflags_str)
    return a, Flags(cflags, ldflags, libs + (a.libs or []))


def main(root, build_root, apps_dir, argv):
    a, flags = parse_args(argv)
    for path in build_user_app(root, build_root, apps_dir, a.name, [os.path.abspath(s) for s in a.sources], flags,
                               a.jobs):
        print(path)
    return 0


# ---- `lucent run PATH`: what kind of program a file is ----------------------

def _pvh_note(data, phoff, phentsize, phnum):
    """True if a PT_NOTE segment holds XEN_ELFNOTE_PHYS32_ENTRY: the PVH entry
    QEMU boots an image by (kernel/arch/x86_64/boot.S)."""
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from('<IIQQQQ', data, phoff + i * phentsize)
        if p_type != 4:  # PT_NOTE
            continue
        off, end = p_offset, p_offset + p_filesz
        while off + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from('<III', data, off)
            name = data[off + 12:off + 12 + namesz].rstrip(b'\0')
            if name == b'Xen' and ntype == 18:
                return True
            off += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    return False


def program_kind(path):
    """'image' for a bootable Lucent image, 'host' for a Linux executable;
    raises BuildError for anything else."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise BuildError(f'{path}: {e.strerror}')
    if data[:5] != b'\x7fELF\x02':
        raise BuildError(f'{path} is not a 64-bit ELF program')
    try:
        phoff, = struct.unpack_from('<Q', data, 32)
        phentsize, phnum = struct.unpack_from('<HH', data, 54)
        return 'image' if _pvh_note(data, phoff, phentsize, phnum) else 'host'
    except struct.error:
        raise BuildError(f'{path}: truncated or damaged ELF file')


def elf_defines(path, names):
    """The subset of @names that the ELF file @path defines in its symbol
    table (the image keeps it: mksyms and gdb read it)."""
    with open(path, 'rb') as f:
        data = f.read()
    try:
        shoff, = struct.unpack_from('<Q', data, 40)
        shentsize, shnum = struct.unpack_from('<HH', data, 58)
        sections = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
        found = set()
        for _, sh_type, _, _, off, size, link, _, _, entsize in sections:
            if sh_type != 2 or not entsize:  # SHT_SYMTAB
                continue
            stroff = sections[link][4]
            for i in range(size // entsize):
                st_name, _, _, st_shndx = struct.unpack_from('<IBBH', data, off + i * entsize)
                if st_shndx == 0:  # undefined
                    continue
                end = data.index(b'\0', stroff + st_name)
                name = data[stroff + st_name:end].decode(errors='replace')
                if name in names:
                    found.add(name)
        return found
    except (struct.error, IndexError, ValueError):
        raise BuildError(f'{path}: truncated or damaged ELF file')


def resolve_path(arg, build):
    """For `lucent run PATH`: @arg names a file (it has a '/'); returns its
    absolute path if it is a program of @build's kind, else says why not."""
    if not os.path.isfile(arg):
        raise BuildError(f'{arg}: no such file')
    kind = program_kind(arg)
    if kind != build:
        what = {'image': 'a Lucent image: run it without --host',
                'host': 'a Linux executable (a hostbuild): run it with --host'}[kind]
        raise BuildError(f'{arg} is {what}')
    return os.path.abspath(arg)
