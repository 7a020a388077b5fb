"""CMake with the toolchain files we ship (meson/lucent-image.cmake,
meson/lucent-host.cmake) builds the unmodified ccproject (CMakeLists.txt:
a static library, libm, Threads, lucent.pc through pkg_check_modules) into
an image that boots with the whole surface, and into a hostbuild program
that runs natively. Slow: every compiler and Threads check CMake makes
links an image."""
import os
import shutil

from cclib import SRC, check_host, check_image, need_builds, project_copy, sh, skip

if not shutil.which('cmake'):
    skip('cmake is not installed (tools/setup installs it)')
need_builds()
tmp, proj = project_copy()
try:
    for target, check_program in (('image', check_image), ('host', check_host)):
        out = os.path.join(tmp, 'build-' + target)
        sh(['cmake', '-S', proj, '-B', out, f'-DCMAKE_TOOLCHAIN_FILE={SRC}/meson/lucent-{target}.cmake'], tmp)
        sh(['cmake', '--build', out, '-j2'], tmp)
        check_program(os.path.join(out, 'ccproject'))
finally:
    shutil.rmtree(tmp)
