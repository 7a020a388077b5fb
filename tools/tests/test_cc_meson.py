"""meson builds the unmodified ccproject (its meson.build: a static library,
libm, threads, dependency('lucent') through pkg-config): with the cross file
`lucent-cc --print-meson-cross-file` prints, into an image that boots with
the whole surface (meson's own sanity check boots one through `lucent
exec`); natively with CC=lucent-cc-host, into a hostbuild program. Slow:
each configure check links an image."""
import os
import shutil
import subprocess

from cclib import CC, check, check_host, check_image, env, need_builds, pkg_config_path, project_copy, sh

need_builds()
tmp, proj = project_copy()
try:
    cross = os.path.join(tmp, 'lucent.ini')
    r = subprocess.run([CC['image'], '--print-meson-cross-file'], capture_output=True, text=True, env=env())
    check(r.returncode == 0 and "system = 'lucent'" in r.stdout, 'lucent-cc prints a meson cross file')
    with open(cross, 'w') as f:
        f.write(r.stdout)
    out = os.path.join(tmp, 'build-image')
    sh(['meson', 'setup', out, proj, '--cross-file', cross], tmp)
    sh(['ninja', '-C', out], tmp)
    check_image(os.path.join(out, 'ccproject'))
    out = os.path.join(tmp, 'build-host')
    host_env = {'CC': CC['host'], 'PKG_CONFIG_PATH': pkg_config_path('host')}
    sh(['meson', 'setup', out, proj], tmp, extra_env=host_env)
    sh(['ninja', '-C', out], tmp, extra_env=host_env)
    check_host(os.path.join(out, 'ccproject'))
finally:
    shutil.rmtree(tmp)
