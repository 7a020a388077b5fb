"""One way to run a libFuzzer target as a test, shared by every fuzz
harness (metrics/fuzz, gdbstub/fuzz): seeds written to a fresh corpus, a
fixed seed and run count, ASan leak checks, and failure on any crash, leak,
timeout or OOM artifact, which is kept in the current directory."""
import os
import re
import shutil
import subprocess
import tempfile


def run(fuzzer, seeds, runs, name, flags=(), max_len=4096):
    """Runs @fuzzer for @runs executions from @seeds (bytes), inputs up to
    @max_len bytes; returns an exit status."""
    work = tempfile.mkdtemp(prefix=f'{name}-')
    try:
        corpus = os.path.join(work, 'corpus')
        os.makedirs(corpus)
        for i, s in enumerate(seeds):
            with open(os.path.join(corpus, f'seed{i:03d}'), 'wb') as f:
                f.write(s)
        cmd = [fuzzer, f'-runs={runs}', '-seed=1', f'-max_len={max_len}', *flags, f'-artifact_prefix={work}/', corpus]
        env = dict(os.environ, ASAN_OPTIONS='detect_leaks=1:abort_on_error=1')
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        done = re.findall(r'Done (\d+) runs in (\d+) second', r.stdout)
        print('\n'.join(r.stdout.splitlines()[-15:]))
        crashes = [f for f in os.listdir(work) if f.startswith(('crash-', 'leak-', 'timeout-', 'oom-'))]
        if r.returncode != 0 or crashes or not done:
            print(f'FAIL: fuzzer exit {r.returncode}, artifacts {crashes}')
            for c in crashes:
                dest = os.path.join(os.getcwd(), c)
                shutil.copy(os.path.join(work, c), dest)
                print(f'  kept {dest}')
            return 1
        print(f'ok: {done[-1][0]} executions in {done[-1][1]} s, 0 crashes')
        return 0 if int(done[-1][0]) >= runs else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
