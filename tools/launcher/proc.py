"""Child processes and stop signals for the launcher.

Every long-running command (`run`, `demo`, `trace`, `metrics`, `bpftrace`)
must end on Ctrl-C (SIGINT to the terminal's process group), SIGTERM or
SIGHUP within two seconds and leave nothing behind; and when the launcher
is killed outright (SIGKILL, the OOM killer), its children must go with it.
Two mechanisms, one for each case:

- stop_on_signals(): the first SIGINT/SIGTERM/SIGHUP raises Stopped in the
  main thread, so the launcher's `finally` blocks run (they stop QEMU, the
  metrics bridge, the trace viewer, and remove the run dir). The handlers
  go back to the default at once: a second signal during a clean-up that
  hangs ends the launcher, and the children then go by the second rule.
- spawn(): every child is started with PR_SET_PDEATHSIG = SIGKILL, so the
  kernel kills it when the launcher dies, however that happens. QEMU runs in
  a session of its own (a terminal's ^C must reach the launcher, which then
  stops QEMU, not QEMU directly), so nothing else would tie it to us.

This module owns neither the children nor the run directory; the commands
that start them stop them.
"""
import ctypes
import os
import signal
import subprocess

PR_SET_PDEATHSIG = 1
_SIGKILL = int(signal.SIGKILL)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    """Raised by a stop signal. A KeyboardInterrupt, so code that already
    treats ^C as "stop now" treats SIGTERM the same; exit status 128 + signo."""

    def __init__(self, signo):
        super().__init__(signo)
        self.status = 128 + signo


def _on_signal(signo, frame):
    for s in STOP_SIGNALS:
        signal.signal(s, signal.SIG_DFL)
    raise Stopped(signo)


def stop_on_signals():
    """Installs the handlers (main thread only, as Python requires)."""
    for s in STOP_SIGNALS:
        signal.signal(s, _on_signal)


_libc = None


def _die_with_parent(parent):
    """preexec_fn: runs in the child between fork and exec. Only a prctl and
    a getppid: no import, no allocation worth a lock, so it is safe even with
    the collector thread of `run --trace` running in the parent."""
    if _libc.prctl(PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0) != 0:
        os._exit(126)
    # The parent may have died between fork and prctl: then no signal will
    # ever come, and we were already handed to init (or a subreaper).
    if os.getppid() != parent:
        os._exit(126)


def spawn(cmd, **kw):
    """subprocess.Popen that dies with this process (see the module doc).

    PR_SET_PDEATHSIG fires when the *thread* that forked exits, so call it
    from the main thread (every caller in the launcher does)."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl  # resolve the symbol now, not in the child
    parent = os.getpid()
    return subprocess.Popen(cmd, preexec_fn=lambda: _die_with_parent(parent), **kw)


def stop(proc, sig=signal.SIGTERM, grace=1.0, group=False):
    """Sends @sig to @proc (its process group with @group), waits @grace
    seconds, then SIGKILLs it; reaps it either way. Returns its status."""
    if proc.poll() is not None:
        return proc.returncode
    send = (lambda s: os.killpg(proc.pid, s)) if group else proc.send_signal
    try:
        send(sig)
        return proc.wait(grace)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        try:
            send(signal.SIGKILL)
        except ProcessLookupError:
            pass
    return proc.wait()
