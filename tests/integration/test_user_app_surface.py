"""An app built outside the tree with `lucent build` carries the whole
observability surface, as an in-tree program does.

The test writes a small threaded C program (two files, a header found
through -I, a step size that only -D gives, libm through -lm, a symbol that
only -Wl,--defsym defines), builds it with `lucent build`, and then:
- links: every lu_* symbol of the in-tree `hello` is in the app too (the
  gdb stub, metrics exporter and tracer, and whatever joins them later);
- runs it by path with `--metrics --trace FILE` (and `--gdb` in the image);
- scrapes its metrics twice: the lucent_ families and the app's own counter,
  which grows; `promtool check metrics` is clean;
- attaches real gdb (through the stub in the image, by pid in the hostbuild):
  `info threads` names both workers, a breakpoint in user_bump() is hit
  with the -D step as its argument, a variable reads back, and gdb writes
  the flag that makes the app stop;
- validates the trace (protoc + trace_processor) and checks the app's own
  counter track against what the app printed: every bump, in order.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'trace', 'tests'))
from lulib import BUILD, BUILD_DIR, LAUNCHER, check, launcher_env, lucent, skip  # noqa: E402
from pfcheck import need_validator, validate  # noqa: E402

STEP = 3
NAME = 'usersurface'

HEADER = r'''
#include <stdint.h>
extern volatile long user_counter;
extern volatile int user_stop;
void user_bump(long by);
'''

COUNTER_C = r'''
#include <pthread.h>
#include <lucent/metrics.h>
#include <lucent/trace.h>
#include "userapp.h"

/* A metric and a tracepoint declared in the app itself: they reach the
 * scrape and the trace only if their linker sections survive the link. */
LU_COUNTER(user_bumps, "userapp_bumps_total", "Times user_bump ran.");
LU_TRACEPOINT(user_total, "userapp", COUNTER, (int64_t, total));
LU_TRACE_SLICE(bumping, "userapp", (int64_t, by));

volatile long user_counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) void user_bump(long by)
{
    LU_TRACE_SCOPED(bumping, by);
    pthread_mutex_lock(&lock);
    user_counter += by;
    lu_counter_inc(&user_bumps);
    lu_trace_user_total((int64_t)user_counter);
    pthread_mutex_unlock(&lock);
}
'''

MAIN_C = r'''
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "userapp.h"

#ifndef USER_STEP
#error USER_STEP comes from -D on the lucent build command line
#endif

volatile int user_stop;

static void *worker(void *arg)
{
    pthread_setname_np(pthread_self(), (const char *)arg);
    while (!user_stop) {
        user_bump(USER_STEP);
        usleep(5000);
    }
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double x = argc > 1 ? atof(argv[1]) : 2.0, secs = argc > 2 ? atof(argv[2]) : 5.0;
    printf("user app: pow %.6f\n", pow(x, 1.5));
    pthread_t t[2];
    pthread_create(&t[0], NULL, worker, "uworker-1");
    pthread_create(&t[1], NULL, worker, "uworker-2");
    printf("user app: ready\n");
    fflush(stdout);
    /* Until gdb sets user_stop, or for secs at most. */
    double end = now() + secs;
    while (!user_stop && now() < end)
        usleep(10000);
    user_stop = 1;
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    printf("user app: counter %ld\n", user_counter);
    return 0;
}
'''

GDB = shutil.which('gdb')
PROMTOOL = shutil.which('promtool')


def nm_symbols(path):
    r = subprocess.run(['nm', '--defined-only', path], capture_output=True, text=True, check=True)
    return {line.split()[2]: line.split()[0] for line in r.stdout.splitlines() if len(line.split()) == 3}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Launcher:
    """`lucent run` in the background, its output collected line by line."""

    def __init__(self, args):
        self.lines = []
        self.proc = subprocess.Popen([sys.executable, LAUNCHER, 'run'] + args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=launcher_env(),
                                     start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip('\n'))

    def text(self):
        return '\n'.join(self.lines)

    def find(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.text())
            if m:
                return m
            if self.proc.poll() is not None:
                time.sleep(0.2)  # the reader thread drains what is left
                return re.search(pattern, self.text())
            time.sleep(0.1)
        return None

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def app_pid(self):
        """The hostbuild process: the launcher's descendant running the app."""
        todo = [self.proc.pid]
        while todo:
            pid = todo.pop()
            try:
                with open(f'/proc/{pid}/comm') as c:
                    if pid != self.proc.pid and c.read().strip() == NAME:
                        return pid
                with open(f'/proc/{pid}/task/{pid}/children') as f:
                    todo += [int(p) for p in f.read().split()]
            except OSError:
                pass
        return None


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def sample(text, name):
    for line in text.splitlines():
        if line.startswith(name + ' '):
            return float(line.split()[-1])
    return None


def run_gdb(target, program):
    """Real gdb, batch mode: threads, a breakpoint, a read and a write."""
    script = ['set pagination off', 'set confirm off', 'set width 0', target,
              'echo ==threads\\n', 'info threads', 'echo ==break\\n',
              'break user_bump', 'continue', 'print user_counter', 'delete',
              'echo ==stop\\n', 'set var user_stop = 1', 'print user_stop', 'detach']
    with tempfile.NamedTemporaryFile('w', suffix='.gdb', delete=False) as f:
        f.write('\n'.join(script) + '\n')
    try:
        r = subprocess.run([GDB, '-nx', '-batch', '-x', f.name, program], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120, stdin=subprocess.DEVNULL)
        return r.stdout
    finally:
        os.unlink(f.name)


def ptrace_allowed():
    """Whether this machine lets gdb attach to a process it did not start."""
    try:
        with open('/proc/sys/kernel/yama/ptrace_scope') as f:
            scope = int(f.read())
    except (OSError, ValueError):
        return True
    return scope == 0 or (scope in (1, 2) and os.geteuid() == 0)


need_validator()
tmp = tempfile.mkdtemp(prefix='lucent-user-surface-')
os.environ['XDG_DATA_HOME'] = os.path.join(tmp, 'data')  # keep the app out of the user's data dir
launcher = None
try:
    # ---- build, from a directory outside the tree, with cc-style flags ----
    os.makedirs(os.path.join(tmp, 'include'))
    for path, text in (('include/userapp.h', HEADER), ('counter.c', COUNTER_C), ('main.c', MAIN_C)):
        with open(os.path.join(tmp, path), 'w') as f:
            f.write(text)
    r = lucent('build', 'main.c', '-o', NAME, '-I', 'include', f'-DUSER_STEP={STEP}', 'counter.c', '-pthread',
               '-lm', '-Wl,--defsym=user_link_marker=0x4242', '-j', '2', cwd=tmp, timeout=600)
    print(r.stdout, r.stderr)
    check(r.returncode == 0, 'lucent build with -I, -D, -pthread, -lm and -Wl, succeeds outside the tree')
    outs = r.stdout.split()
    program = next((p for p in outs if os.sep + BUILD + os.sep in p), None)
    check(program and os.path.isfile(program), f'{BUILD}: lucent build printed the program it made ({outs})')

    # ---- link: the same platform surface as an in-tree program ------------
    mine = nm_symbols(program)
    intree = nm_symbols(os.path.join(BUILD_DIR, 'hello'))
    platform = {s for s in intree if s.startswith('lu_')}
    missing = sorted(platform - set(mine))
    check(len(platform) > 50 and not missing,
          f'{BUILD}: all {len(platform)} lu_* symbols of in-tree hello are linked (missing: {missing[:10]})')
    for what in ('lu_metrics_server_start', 'lu_trace_init') + (('lu_gdb_dispatch',) if BUILD == 'image' else ()):
        check(what in mine, f'{BUILD}: {what} is linked')
    check(mine.get('user_link_marker', '').endswith('4242'), f'{BUILD}: -Wl,--defsym reached the link')
    if BUILD == 'host':
        # USDT probes where the tree has them (sys/sdt.h found): as in-tree.
        sections = subprocess.run(['readelf', '-S', os.path.join(BUILD_DIR, 'trace-demo')],
                                  capture_output=True, text=True).stdout
        if '.note.stapsdt' in sections:
            notes = subprocess.run(['readelf', '-n', program], capture_output=True, text=True).stdout
            check('Name: user_total' in notes and 'Name: bumping_begin' in notes,
                  'host: the app\'s tracepoints are USDT probes, as in-tree ones are')

    # ---- `lucent run PATH`: the wrong kind of file is a clear error --------
    other = next(p for p in outs if p != program)
    r = lucent('run', *(['--host'] if BUILD == 'host' else []), other, cwd=tmp)
    check(r.returncode == 125 and ('run it with --host' in r.stderr or 'run it without --host' in r.stderr),
          f'{BUILD}: run PATH of the other build says which flag it needs ({r.stderr.strip()})')

    # ---- run it by path with every endpoint -------------------------------
    trace = os.path.join(tmp, 'user.pftrace')
    port = free_port()
    opts = ['--timeout', '300', '--metrics', '--trace', trace]
    opts += ['--host'] if BUILD == 'host' else [f'--gdb={port}']
    launcher = Launcher(opts + [program, '--', '4', '200'])
    ready = launcher.find(r'user app: ready', 120)
    print(launcher.text())
    check(ready, f'{BUILD}: the app boots and its workers start')
    check(launcher.find(r'user app: pow 8\.000000', 1), f'{BUILD}: libm answers (pow(4, 1.5) = 8)')
    m = launcher.find(r'metrics at (http://\S+)', 30)
    check(m, f'{BUILD}: the launcher serves the app\'s metrics')

    # ---- metrics -----------------------------------------------------------
    first = scrape(m.group(1))
    time.sleep(1)
    second = scrape(m.group(1))
    families = set(re.findall(r'^# TYPE (lucent_\w+)', second, re.M))
    for fam in ('lucent_build_info', 'lucent_threads', 'lucent_uptime_seconds', 'lucent_trace_events_total'):
        check(fam in families, f'{BUILD}: metrics family {fam} is served')
    a, b = sample(first, 'userapp_bumps_total'), sample(second, 'userapp_bumps_total')
    check(a is not None and b is not None and b > a,
          f'{BUILD}: the app\'s own counter is served and grows ({a} -> {b})')
    # promtool and gdb come with tools/setup (prometheus, gdb): missing, they
    # are a broken set-up, not a reason to check less
    check(PROMTOOL, 'promtool is on PATH (tools/setup installs prometheus)')
    r = subprocess.run([PROMTOOL, 'check', 'metrics'], input=second, capture_output=True, text=True)
    check(r.returncode == 0, f'{BUILD}: promtool check metrics passes ({(r.stdout + r.stderr).strip()})')

    # ---- gdb ---------------------------------------------------------------
    check(GDB, 'gdb is on PATH (tools/setup installs gdb)')
    if BUILD == 'image':
        check(launcher.find(r'gdb stub on 127\.0\.0\.1:%d' % port, 1), 'image: the launcher serves the gdb stub')
        out = run_gdb(f'target remote 127.0.0.1:{port}', program)
    else:
        if not ptrace_allowed():
            skip('this machine forbids ptrace attach (kernel.yama.ptrace_scope)')
        pid = launcher.app_pid()
        check(pid, 'host: the app runs as the launcher\'s child')
        out = run_gdb(f'attach {pid}', program)
    print(out)
    head = out.split('==break')[0]
    check(re.search(r'"uworker-1"', head) and re.search(r'"uworker-2"', head),
          f'{BUILD}: gdb info threads names both worker threads')
    # The argument as gdb names it at the stop: `by=3`, or `by@entry=3` from
    # the call site's DWARF where the stub does not report the register.
    check(re.search(r'hit Breakpoint 1[.\d]*, user_bump \(.*\bby(@entry)?=%d\b' % STEP, out),
          f'{BUILD}: the breakpoint in user_bump is hit, called with the -D step')
    vals = re.findall(r'^\$\d+ = (.*)$', out, re.M)
    check(len(vals) == 2 and vals[0].isdigit() and int(vals[0]) > 0 and vals[1] == '1',
          f'{BUILD}: gdb reads user_counter and the user_stop it wrote ({vals})')
    stopped_at = int(vals[0])

    # ---- the app stops because gdb said so; the trace --------------------
    try:
        status = launcher.proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        status = None
    time.sleep(0.2)
    print(launcher.text())
    check(status == 0, f'{BUILD}: the app exits 0 after gdb set user_stop (status {status})')
    m = launcher.find(r'user app: counter (\d+)', 1)
    check(m and int(m.group(1)) >= stopped_at, f'{BUILD}: the app printed its final counter')
    final = int(m.group(1))
    ok, out, rows = validate(trace,
                             "select count(*) as n, cast(max(c.value) as int) as top, "
                             "cast(min(c.value) as int) as low from counter c "
                             "join counter_track t on c.track_id = t.id where t.name = 'user_total'",
                             "select count(*) as n from thread where name in ('uworker-1', 'uworker-2')",
                             "select count(*) as n from slice s join args a using(arg_set_id) "
                             "where s.name = 'bumping' and a.key = 'debug.by' and a.int_value = %d "
                             "and s.dur > 0" % STEP)
    print(out)
    check(ok, f'{BUILD}: the trace validates (protoc + trace_processor)')
    counts = rows[0][0] if rows and rows[0] else {}
    check(counts.get('n') == final // STEP and counts.get('top') == final and counts.get('low') == STEP,
          f'{BUILD}: the trace holds every bump of the app\'s counter track, {STEP} to {final} '
          f'({final // STEP} values; got {counts})')
    check(rows[1] and rows[1][0].get('n') == 2, f'{BUILD}: both worker threads are named in the trace ({rows[1]})')
    check(rows[2] and rows[2][0].get('n') == final // STEP,
          f'{BUILD}: one "bumping" slice per bump, with its argument ({rows[2]}, want {final // STEP})')
finally:
    if launcher:
        launcher.stop()
    shutil.rmtree(tmp, ignore_errors=True)
