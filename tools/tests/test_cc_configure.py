"""autoconf: the ccproject's own configure (generated from its configure.ac
by the autoconf tools/setup installs) with `--host=x86_64-elf
CC=lucent-cc`, then make, builds an image that boots with the whole
surface; `./configure CC=lucent-cc-host` builds the hostbuild. configure
links its checks (each an image) but, cross-compiling, runs none. Slow: each
check links an image."""
import os
import shutil

from cclib import CC, check, check_host, check_image, need_builds, pkg_config_path, project_copy, sh, skip

if not shutil.which('autoconf'):
    skip('autoconf is not installed (tools/setup installs it)')
need_builds()
tmp, proj = project_copy()
try:
    sh(['autoconf'], proj)
    for target, host, check_program in (('image', ['--host=x86_64-elf'], check_image), ('host', [], check_host)):
        pc = {'PKG_CONFIG_PATH': pkg_config_path(target)}
        r = sh(['./configure', *host, f'CC={os.path.basename(CC[target])}'], proj, extra_env=pc)
        if target == 'image':
            check('checking whether we are cross compiling... yes' in r.stdout, 'configure cross-compiles')
        sh(['make', '-j2'], proj, extra_env=pc)
        check_program(os.path.join(proj, 'ccproject'))
        sh(['make', 'distclean'], proj)
finally:
    shutil.rmtree(tmp)
