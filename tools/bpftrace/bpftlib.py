"""Helpers for lucent-bpftrace's tests: find the tool (skip only where this
machine cannot run eBPF, fail where the tool is missing), run it through the
launcher, validate what it wrote."""
import os
import subprocess
import sys
import time

SRC = os.environ.get('LUCENT_SOURCE_DIR', os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, 'trace', 'tests'))
from lulib import BUILD, BUILD_DIR, LAUNCHER, check, fail, launcher_env, skip  # noqa: E402,F401
from pfcheck import one, validate  # noqa: E402,F401


def need_tool():
    """The tool's path. Skips (exit 77) where this machine cannot run eBPF
    (not root, no kernel BTF); fails where the tool was not built though it
    could be (tools/setup installs clang, bpftool and libbpf-dev)."""
    if BUILD != 'host':
        skip('lucent-bpftrace traces hostbuild processes (USDT probes exist only there)')
    if os.geteuid() != 0:
        skip('eBPF needs root (CAP_BPF and CAP_PERFMON)')
    if not os.path.exists('/sys/kernel/btf/vmlinux'):
        skip('no kernel BTF (/sys/kernel/btf/vmlinux): BPF CO-RE unavailable')
    tool = sys.argv[1] if len(sys.argv) > 1 else ''
    missing = sys.argv[2] if len(sys.argv) > 2 else ''
    if not tool:
        fail(f'lucent-bpftrace not built: {missing or "see the configure summary"} (tools/setup installs '
             'what it needs)')
    return tool


def start_tool(*args):
    """`lucent bpftrace ARGS` in the background; returns (proc, pid it traces)
    once its probes are attached (its 'tracing PID' line)."""
    p = subprocess.Popen([sys.executable, LAUNCHER, 'bpftrace', *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=launcher_env())
    line = p.stderr.readline()
    print(line, end='')
    if 'tracing' not in line:
        out, err = p.communicate(timeout=30)
        print(out, err)
        check(False, f'lucent bpftrace attached ({line.strip()})')
    return p, int(line.split('tracing ')[1].split()[0])


def finish(p, timeout=60):
    out, err = p.communicate(timeout=timeout)
    print(out, err, sep='')
    return p.returncode, err


def wait_for(cond, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False
