"""What lucent-cc prints for build systems: a meson cross file filled in for
this tree, and where the CMake toolchain files are (both in meson/)."""
import os

from .common import BUILD, LAUNCHER, ROOT


def meson_cross_file(pkg_dir):
    with open(os.path.join(ROOT, 'meson', 'lucent-cc-cross.ini.in')) as f:
        text = f.read()
    for key, value in (('CC', os.path.join(ROOT, 'tools', 'lucent-cc')), ('LUCENT', LAUNCHER),
                       ('PKGDIR', pkg_dir), ('BUILD_ROOT', os.path.abspath(BUILD))):
        text = text.replace(f'@{key}@', value)
    return text


def cmake_toolchain_file(target):
    return os.path.join(ROOT, 'meson', f'lucent-{target}.cmake')
