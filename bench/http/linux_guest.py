"""The Linux guest bench/http compares the image with: Debian's kernel and a
small initramfs, assembled in BUILD/linux-guest from Debian packages.

The guest serves the same 1024 bytes as apps/httpd's /1k with two servers
at once, so one boot measures both:
- port 80: busybox httpd (busybox-static), which forks a process per
  connection and closes after every response;
- port 8080: nginx (Debian's `nginx` package, unpacked, not installed: its
  binary and the libraries `ldd` names are copied into the initrd), one
  master and one event-driven worker, keep-alive on.

The initramfs is written here (newc format, as the kernel's
Documentation/driver-api/early-userspace/buffer-format.rst gives it), so no
cpio is needed; its size and contents are checked before anyone boots it.
"""
import glob
import gzip
import os
import re
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import need  # noqa: E402  bench/need.py

WHO = 'bench/http'
# Bump when what goes into the initrd changes: an older one is rebuilt.
RECIPE = 3
PORTS = {'busybox': 80, 'nginx': 8080}

NGINX_CONF = """\
# bench/http's nginx: the Debian defaults a user would keep (one worker per
# vCPU, epoll, sendfile), logging off, and keep-alive not cut at 1000
# requests per connection, so keep-alive mode measures keep-alive.
user nobody nogroup;
worker_processes 1;
pid /run/nginx.pid;
error_log stderr error;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    keepalive_requests 1000000;
    server {
        listen 8080 backlog=256;
        root /www;
    }
}
"""


def _deb(work, pkg, dest):
    """Unpacks Debian's @pkg (the candidate version) into @dest, once."""
    if os.path.isdir(dest):
        return
    need.command(WHO, 'dpkg-deb', 'dpkg')
    os.makedirs(work, exist_ok=True)
    r = subprocess.run(['apt-get', 'download', pkg], cwd=work, capture_output=True, text=True)
    debs = glob.glob(os.path.join(work, pkg + '_*.deb'))
    if r.returncode or not debs:
        sys.exit(f'{WHO}: apt-get download {pkg} failed: {(r.stderr.strip().splitlines() or ["?"])[-1]}')
    subprocess.run(['dpkg-deb', '-x', debs[0], dest + '.tmp'], check=True)
    os.rename(dest + '.tmp', dest)


def kernel(work):
    root = os.path.join(work, 'root')
    if not glob.glob(os.path.join(root, 'boot/vmlinuz-*')):
        shutil.rmtree(root, ignore_errors=True)
        dep = subprocess.run(['apt-cache', 'depends', 'linux-image-amd64'], capture_output=True, text=True).stdout
        m = re.search(r'Depends: (linux-image-\S+)', dep)
        if not m:
            sys.exit(f'{WHO}: apt-cache knows no linux-image-amd64 (apt-get update?)')
        _deb(work, m.group(1), root)
    return sorted(glob.glob(os.path.join(root, 'boot/vmlinuz-*')))[-1]


def _modules(root):
    """virtio_pci and virtio_net with what they depend on, in load order.
    A .deb carries no modules.dep (depmod makes it on install), so each
    module's dependencies come from modinfo."""
    need.command(WHO, 'modinfo', 'kmod')
    moddir = glob.glob(os.path.join(root, 'lib/modules/*'))[0]
    by_name = {os.path.basename(p)[:-3].replace('-', '_'): p
               for p in glob.glob(os.path.join(moddir, 'kernel/**/*.ko'), recursive=True)}
    order = []

    def want(name):
        path = by_name[name]
        if path in order:
            return
        info = subprocess.run(['modinfo', '-F', 'depends', path], capture_output=True, text=True).stdout.strip()
        for d in info.split(','):
            if d:
                want(d.replace('-', '_'))
        order.append(path)
    for name in ('virtio_pci', 'virtio_net'):
        want(name)
    return order


def ldd(binary, who=WHO, hint="the nginx package's Depends: libcrypt1 libpcre2-8-0 libssl3 zlib1g"):
    """The libraries @binary loads, with the dynamic loader; stops if one is missing
    (bench/ports uses it for lua5.4 too)."""
    out = subprocess.run(['ldd', binary], capture_output=True, text=True).stdout
    libs = []
    for line in out.splitlines():
        if 'not found' in line:
            sys.exit(f'{who}: {binary} needs {line.split()[0]}, not installed here ({hint})')
        m = re.search(r'(/\S+) \(0x', line)
        if m:
            libs.append(m.group(1))
    if not libs:
        sys.exit(f'{who}: ldd found no libraries for {binary}: {out.strip()[:200]}')
    return libs


class Cpio:
    """A newc archive in memory: directories and regular files only."""

    def __init__(self):
        self.out, self.ino, self.dirs = bytearray(), 1, set()

    def _entry(self, name, mode, data=b''):
        self.ino += 1
        name_b = name.encode() + b'\0'
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0]
        self.out += b'070701' + b''.join(b'%08X' % f for f in fields) + name_b
        self.out += b'\0' * (-len(self.out) % 4) + data
        self.out += b'\0' * (-len(self.out) % 4)

    def dir(self, name):
        parts = name.strip('/').split('/')
        for i in range(1, len(parts) + 1):
            d = '/'.join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                self._entry(d, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o644):
        name = name.strip('/')
        if '/' in name:
            self.dir(os.path.dirname(name))
        self._entry(name, stat.S_IFREG | mode, data)

    def copy(self, name, path, mode=None):
        with open(path, 'rb') as f:
            self.file(name, f.read(), mode if mode is not None else os.stat(path).st_mode & 0o777)

    def close(self):
        self._entry('TRAILER!!!', 0)
        return bytes(self.out)


def initrd(work, page):
    """The initramfs (gzipped newc) serving @page at /1k from both servers."""
    out = os.path.join(work, f'initrd-{RECIPE}.cpio.gz')
    marker = out + '.page'
    if os.path.exists(out) and os.path.exists(marker) and open(marker, 'rb').read() == page:
        check(out)
        return out
    need.package(WHO, 'busybox-static', 'a static busybox for the guest')
    busybox = need.package_file(WHO, 'busybox-static', '/bin/busybox')
    if '/lib' in subprocess.run(['ldd', busybox], capture_output=True, text=True).stdout:
        sys.exit(f'{WHO}: {busybox} is not static (reinstall busybox-static)')
    nginx_root = os.path.join(work, 'nginx')
    _deb(work, 'nginx', nginx_root)
    nginx = os.path.join(nginx_root, 'usr/sbin/nginx')
    mods = _modules(os.path.join(work, 'root'))
    c = Cpio()
    for d in ('proc', 'sys', 'dev', 'tmp', 'run', 'var/log/nginx', 'var/lib/nginx'):
        c.dir(d)
    c.copy('bin/busybox', busybox, 0o755)
    for m in mods:
        c.copy('mod/' + os.path.basename(m), m)
    c.file('www/1k', page)
    c.copy('sbin/nginx', nginx, 0o755)
    for lib in ldd(nginx):
        c.copy(lib, os.path.realpath(lib), 0o755)
    c.file('etc/nginx.conf', NGINX_CONF.encode())
    c.file('etc/passwd', b'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n')
    c.file('etc/group', b'root:x:0:\nnogroup:x:65534:\n')
    init = ('#!/bin/busybox sh\n/bin/busybox --install -s /bin\nmount -t proc proc /proc\n'
            'mount -t sysfs sys /sys\nmount -t devtmpfs dev /dev\n' +
            ''.join(f'insmod /mod/{os.path.basename(m)}\n' for m in mods) +
            'ip link set lo up\nip link set eth0 up\nip addr add 10.0.2.15/24 dev eth0\n'
            'ip route add default via 10.0.2.2\n'
            '/sbin/nginx -c /etc/nginx.conf -p / || echo "nginx failed: $?"\n'
            'echo READY\nexec httpd -f -p 80 -h /www\n')
    c.file('init', init.encode(), 0o755)
    with open(out + '.tmp', 'wb') as f:
        f.write(gzip.compress(c.close(), 9))
    os.rename(out + '.tmp', out)
    with open(marker, 'wb') as f:
        f.write(page)
    check(out)
    return out


def check(path):
    """Stops unless @path is a plausible initrd: busybox alone is ~1 MB gzipped."""
    size = os.path.getsize(path)
    with gzip.open(path) as f:
        data = f.read()
    names = set(re.findall(rb'070701[0-9A-F]{104}([^\0]+)\0', data))
    missing = {b'init', b'bin/busybox', b'sbin/nginx', b'www/1k'} - names
    if size < 1_000_000 or missing:
        sys.exit(f'{WHO}: {path} is not a usable initrd ({size} bytes, missing '
                 f'{", ".join(sorted(n.decode() for n in missing)) or "nothing"}); delete it and run again')
