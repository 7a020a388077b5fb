"""One way to run a libFuzzer target as a test, shared by every fuzz
harness (metrics/fuzz, gdbstub/fuzz): seeds written to a fresh corpus, a
fixed seed and run count, ASan leak checks, and failure on any crash, leak,
timeout or OOM artifact, which is kept in the current directory."""
import os
import re
import shutil
import subprocess
import tempfile


def missing(what):
    """The exit status of a fuzz test whose engine this build could not
    use: registered anyway (its meson.build passes why), so that a missing
    engine fails where it would otherwise leave no test at all."""
    print(f'FAIL: {what}: the fuzz target was not built')
    return 1


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


def run_afl(target, seeds, execs, name, dictionary=None, timeout_ms=1000):
    """Runs AFL++'s afl-fuzz on @target (the same LLVMFuzzerTestOneInput
    harness, built with afl-clang-fast -fsanitize=fuzzer) for @execs
    executions from @seeds; fails on any saved crash or hang, which is kept
    in the current directory. Returns an exit status (1 where afl-fuzz is
    missing: tools/setup installs afl++, so that is a broken set-up, and a
    harness built with afl-clang-fast but never run is no test).

    A second engine for the same harnesses: AFL++'s mutations and its
    fork-server scheduling find different paths than libFuzzer's."""
    afl = shutil.which('afl-fuzz')
    if not afl:
        print(f'FAIL: afl-fuzz not found on PATH, so {target} cannot run (tools/setup installs afl++)')
        return 1
    work = tempfile.mkdtemp(prefix=f'{name}-')
    try:
        seed_dir, out = os.path.join(work, 'in'), os.path.join(work, 'out')
        os.makedirs(seed_dir)
        for i, s in enumerate(seeds):
            with open(os.path.join(seed_dir, f'seed{i:03d}'), 'wb') as f:
                f.write(s)
        # No UI, no CPU pinning (tests run side by side), no core-dump
        # pattern check (a CI machine's is not ours to change); ASan needs
        # no memory limit (-m none) and aborts on errors, which AFL counts.
        # An input that outruns -t is run again with AFL_HANG_TMOUT before
        # it is kept as a hang: these inputs take microseconds, so 10 s is a
        # real hang, while 1 s can be a busy 2-core host (CI's parallel
        # tests; a fresh root's run kept one that way).
        env = dict(os.environ, AFL_NO_UI='1', AFL_NO_AFFINITY='1', AFL_SKIP_CPUFREQ='1', AFL_HANG_TMOUT='10000',
                   AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES='1', AFL_SKIP_BIN_CHECK='1',
                   ASAN_OPTIONS='abort_on_error=1:detect_leaks=0:symbolize=0')
        cmd = [afl, '-i', seed_dir, '-o', out, '-m', 'none', '-t', str(timeout_ms), '-E', str(execs), '-s', '1']
        if dictionary:
            cmd += ['-x', dictionary]
        r = subprocess.run(cmd + ['--', target], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env=env)
        stats = {}
        try:
            with open(os.path.join(out, 'default', 'fuzzer_stats')) as f:
                for line in f:
                    k, _, v = line.partition(':')
                    stats[k.strip()] = v.strip()
        except OSError:
            pass
        print('\n'.join(r.stdout.splitlines()[-8:]))
        found = []
        for kind in ('crashes', 'hangs'):
            d = os.path.join(out, 'default', kind)
            for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
                if f.startswith('id:'):
                    dest = os.path.join(os.getcwd(), f'{name}-{kind}-{len(found)}')
                    shutil.copy(os.path.join(d, f), dest)
                    found.append(dest)
        done = int(stats.get('execs_done', 0))
        if r.returncode != 0 or found or done < execs:
            print(f'FAIL: afl-fuzz exit {r.returncode}, {done} executions, kept {found}')
            return 1
        print(f'ok: afl-fuzz {done} executions in {stats.get("run_time", "?")} s '
              f'({stats.get("execs_per_sec", "?")}/s), {stats.get("corpus_count", "?")} paths, 0 crashes, 0 hangs')
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
