"""`make CC=lucent-cc` builds an unmodified Makefile project (tools/tests/
ccproject: a static library made with the host's ar, libm, a thread, a
tracepoint whose header pkg-config finds through lucent.pc) into an image
that boots and has the whole surface; `make CC=lucent-cc-host` builds the
same project into a Linux program that runs natively."""
import os
import shutil

from cclib import CC, check_host, check_image, need_builds, pkg_config_path, project_copy, sh

need_builds()
tmp, proj = project_copy()
try:
    for target, check_program in (('image', check_image), ('host', check_host)):
        sh(['make', '-j2', f'CC={os.path.basename(CC[target])}'], proj,
           extra_env={'PKG_CONFIG_PATH': pkg_config_path(target)})
        check_program(os.path.join(proj, 'ccproject'))
        sh(['make', 'clean'], proj)
finally:
    shutil.rmtree(tmp)
