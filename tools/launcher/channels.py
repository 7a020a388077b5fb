"""Channels for the launcher: the run directory and QEMU's wiring.

A channel is a named byte stream between a Lucent program and a host tool
(docs/channels.md). Host tools connect to <run dir>/<name>.sock and cannot
tell which build is on the other end:

- image: QEMU listens there (a `-chardev socket,server=on,wait=off`) and
  passes the bytes to a virtserialport of that name, which the guest's
  virtio-console driver opens;
- hostbuild: the process listens there itself (hostbuild/chan_unix.c); the
  launcher only chooses the directory and hands it over in LUCENT_RUN_DIR.

This module owns the directory's name, creation and removal, and the QEMU
arguments. It does not own the run itself (run.py does).
"""
import os
import shutil
import stat
import tempfile

# Every image gets these ports; an app opens the ones it uses. lucent.test is
# for the channel tests and bench/channel (apps/chan-echo); lucent.stdin
# carries the launcher's stdin to fd 0 (stdin.py), which the launcher itself
# feeds.
CHANNELS = ('lucent.trace', 'lucent.metrics', 'lucent.gdb', 'lucent.test', 'lucent.stdin')

# A UNIX socket path must fit in sockaddr_un.sun_path (108 bytes with NUL).
SUN_PATH_MAX = 107


class ChannelError(Exception):
    pass


def base_dir():
    """${XDG_RUNTIME_DIR:-/tmp/lucent-$UID}/lucent, as hostbuild/chan_rundir.c has it."""
    xdg = os.environ.get('XDG_RUNTIME_DIR')
    if xdg:
        return os.path.join(xdg, 'lucent')
    return os.path.join(tempfile.gettempdir(), f'lucent-{os.getuid()}', 'lucent')


def _private_dir(path):
    """mkdir 0700. An existing one must be ours (in /tmp, another user could
    make it first and watch our sockets); if it is ours but open to others
    (older launchers made the parents 0755), it is closed."""
    try:
        os.mkdir(path, 0o700)
        return
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise ChannelError(f'{path} exists but is not a directory of ours: remove it')
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)


class RunDir:
    """The run directory of one `lucent run`: made on entry, cleaned on exit.

    With a directory the caller chose (--run-dir), only what this run put
    there is removed (the sockets and the exit-status file), not the
    directory: the caller owns it.
    """

    def __init__(self, app, given=None, channels=CHANNELS):
        self.channels = channels
        if given:
            self.path, self.owned = os.path.abspath(given), False
            os.makedirs(self.path, mode=0o700, exist_ok=True)
        else:
            base = base_dir()
            if not os.environ.get('XDG_RUNTIME_DIR'):
                _private_dir(os.path.dirname(base))
            _private_dir(base)
            self.path, self.owned = os.path.join(base, f'{app}-{os.getpid()}'), True
            _private_dir(self.path)
        longest = max(len(self.socket(n)) for n in channels)
        if longest > SUN_PATH_MAX:
            self.close()
            raise ChannelError(f'run dir {self.path} is too long for UNIX socket paths '
                               f'({longest} > {SUN_PATH_MAX} bytes): choose a shorter --run-dir')

    def socket(self, name):
        return os.path.join(self.path, name + '.sock')

    def close(self):
        if self.owned:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        for f in [self.socket(n) for n in self.channels] + [os.path.join(self.path, 'exit-status')]:
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _qemu_escape(s):
    # QEMU's option syntax splits on ','; a literal comma is written ',,'.
    return s.replace(',', ',,')


def qemu_args(run_dir, tcp=None, tcg=True):
    """One virtio-serial controller and a socket-backed port per channel.

    @tcp maps a channel name to a TCP port: that channel's chardev listens on
    127.0.0.1:PORT instead of its socket (lucent.gdb, for `target remote`).

    disable-legacy=on makes the controller a virtio 1.0 device only (PCI id
    1af4:1043): the guest driver speaks the modern transport, and the legacy
    I/O BAR it would never use is not allocated. wait=off: QEMU boots without
    waiting for a host tool, like the hostbuild process, which starts
    whether or not anyone connects.

    ioeventfd=off under TCG (@tcg): a guest notify is then handled in the
    vCPU thread that made it, instead of going through an eventfd to QEMU's
    main loop, which must wake up and take the global lock first. Under TCG
    a notify is no VM exit, so the eventfd saves nothing and the hop costs a
    wake-up per message (docs/drivers.md has the figures: more round trips
    and bytes per second, and a quicker gdb stub). Under KVM the eventfd
    makes a notify a cheap in-kernel exit, so QEMU's default stays there.
    """
    vser = 'virtio-serial-pci,id=lucent-vser,disable-legacy=on' + (',ioeventfd=off' if tcg else '')
    args = ['-device', vser]
    for i, name in enumerate(run_dir.channels):
        cid = f'lucent-ch{i}'
        if tcp and name in tcp:
            args += ['-chardev', f'socket,id={cid},host=127.0.0.1,port={tcp[name]},server=on,wait=off,nodelay=on',
                     '-device', f'virtserialport,bus=lucent-vser.0,chardev={cid},name={name}']
            continue
        args += ['-chardev', f'socket,id={cid},path={_qemu_escape(run_dir.socket(name))},server=on,wait=off',
                 '-device', f'virtserialport,bus=lucent-vser.0,chardev={cid},name={name}']
    return args


def host_env(run_dir, env):
    """The environment for a hostbuild process: it makes the sockets itself."""
    return dict(env, LUCENT_RUN_DIR=run_dir.path)
