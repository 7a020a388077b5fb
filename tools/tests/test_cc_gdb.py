"""gdb attaches to an image lucent-cc made: `lucent run --gdb=PORT` serves
the stub lucent-cc linked in, `info threads` names the program's two
threads, and a variable gdb writes stops the program (exit 0). A hand-made
image without the stub is refused by --gdb with a clear error, whatever made
it (the check reads the image's symbols)."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from cclib import CC, check, env, need_builds, skip
from lulib import LAUNCHER

APP = r'''
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

volatile int app_stop;

static void *worker(void *name)
{
    pthread_setname_np(pthread_self(), name);
    while (!app_stop)
        usleep(5000);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    pthread_create(&t[0], NULL, worker, "ccworker-1");
    pthread_create(&t[1], NULL, worker, "ccworker-2");
    printf("ccgdb: ready\n");
    fflush(stdout);
    for (int i = 0; i < 24000 && !app_stop; i++) /* two minutes at most */
        usleep(5000);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    printf("ccgdb: stopped by %s\n", app_stop ? "gdb" : "its timeout");
    return 0;
}
'''

GDB = shutil.which('gdb')
if not GDB:
    skip('gdb is not installed (tools/setup installs it)')
need_builds()
tmp = tempfile.mkdtemp(prefix='lu-cc-gdb-')
launcher = None
try:
    with open(os.path.join(tmp, 'app.c'), 'w') as f:
        f.write(APP)
    r = subprocess.run([CC['image'], '-O1', '-g', '-o', 'ccgdb', 'app.c', '-pthread'], cwd=tmp, env=env(),
                       capture_output=True, text=True, timeout=300)
    print(r.stderr[-2000:])
    check(r.returncode == 0, 'lucent-cc builds the threaded program')
    image = os.path.join(tmp, 'ccgdb')

    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    log = open(os.path.join(tmp, 'run.log'), 'w+')
    launcher = subprocess.Popen([sys.executable, LAUNCHER, 'run', f'--gdb={port}', image], stdout=log,
                                stderr=subprocess.STDOUT, env=env(), start_new_session=True)

    def output():
        log.flush()
        with open(log.name) as f:
            return f.read()

    deadline = time.monotonic() + 120
    while 'ccgdb: ready' not in output() and launcher.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    print(output())
    check('ccgdb: ready' in output(), 'the image boots with --gdb and its threads start')
    script = ['set pagination off', 'set confirm off', f'target remote 127.0.0.1:{port}', 'info threads',
              'set var app_stop = 1', 'print app_stop', 'detach']
    r = subprocess.run([GDB, '-nx', '-batch'] + [a for line in script for a in ('-ex', line)] + [image],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    print(r.stdout[-4000:], r.stderr[-2000:])
    check(re.search(r'"ccworker-1"', r.stdout) and re.search(r'"ccworker-2"', r.stdout),
          'gdb attaches through the stub: info threads names both workers')
    check(launcher.wait(120) == 0 and 'ccgdb: stopped by gdb' in output(),
          'the write gdb made stops the program, which exits 0')

    # The same program linked by hand with the recipe minus the gdb stub.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from launcher import cc_link
    from cclib import BUILD_ROOT
    recipe = cc_link.load_recipe(BUILD_ROOT, 'image')
    recipe['libs'] = [lib for lib in recipe['libs'] if 'gdbstub' not in lib]
    obj = os.path.join(tmp, 'app.o')
    subprocess.run([CC['image'], '-c', 'app.c', '-o', obj], cwd=tmp, env=env(), check=True)
    bare = cc_link.link(recipe, [obj], os.path.join(tmp, 'nostub'))
    r = subprocess.run([sys.executable, LAUNCHER, 'run', '--gdb', bare], capture_output=True, text=True,
                       env=env(), timeout=120)
    check(r.returncode == 125 and 'has no gdb stub' in r.stderr, f'--gdb on an image without the stub: '
          f'{r.stderr.strip()}')
finally:
    if launcher and launcher.poll() is None:
        os.killpg(launcher.pid, signal.SIGTERM)
        launcher.wait(20)
    shutil.rmtree(tmp)
