"""Runs the gdbstub libFuzzer target for a number of executions and fails
on any crash, sanitizer report or leak. The corpus starts from seeds
written here (well-formed sessions), so even a short run reaches deep into
the commands.

  run_fuzz.py FUZZER RUNS
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def packet(p):
    return b'$' + p + b'#' + b'%02x' % (sum(p) & 0xff)


def seeds():
    cmds = [b'qSupported:swbreak+', b'QStartNoAckMode', b'qXfer:features:read:target.xml:0,ffb',
            b'?', b'g', b'p10', b'P10=0000010000000000', b'm10000,40', b'M10000,2:abcd',
            b'X10000,2:a}]', b'Z0,10010,1', b'z0,10010,1', b'Z2,10020,4', b'Z1,10030,1',
            b'qfThreadInfo', b'qsThreadInfo', b'qC', b'Hg2', b'Hc1', b'T2', b'qThreadExtraInfo,2',
            b'qRcmd,68656c70', b'qRcmd,74687265616473', b'vCont?', b'vCont;s:1;c', b'c', b's',
            b'C0b', b'D', b'k', b'qAttached', b'vMustReplyEmpty', b'qXfer:threads:read::0,fff',
            b'qXfer:threads:read::20,10']
    out = []
    for flags in (0, 1, 2, 0x80):
        for c in cmds:
            out.append(bytes([flags]) + b'+' + packet(c) + b'+')
    session = b''.join(b'+' + packet(c) for c in cmds[:20])
    out.append(b'\x00' + session + b'+')
    out.append(b'\x83' + b'\x03' + packet(b'g'))
    out.append(b'\x00$m10000,4#zz' + packet(b'qC') + b'-+')
    return out


def main():
    fuzzer, runs = sys.argv[1], int(sys.argv[2])
    work = tempfile.mkdtemp(prefix='gdbstub-fuzz-')
    try:
        corpus = os.path.join(work, 'corpus')
        os.makedirs(corpus)
        for i, s in enumerate(seeds()):
            with open(os.path.join(corpus, f'seed{i:03d}'), 'wb') as f:
                f.write(s)
        cmd = [fuzzer, f'-runs={runs}', '-seed=1', '-max_len=4096', '-timeout=10',
               f'-dict={os.path.join(HERE, "gdb.dict")}', f'-artifact_prefix={work}/', corpus]
        env = dict(os.environ, ASAN_OPTIONS='detect_leaks=1:abort_on_error=1')
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        done = re.findall(r'Done (\d+) runs', r.stdout)
        print('\n'.join(r.stdout.splitlines()[-15:]))
        crashes = [f for f in os.listdir(work) if f.startswith(('crash-', 'leak-', 'timeout-', 'oom-'))]
        if r.returncode != 0 or crashes or not done:
            print(f'FAIL: fuzzer exit {r.returncode}, artifacts {crashes}')
            for c in crashes:
                dest = os.path.join(os.getcwd(), c)
                shutil.copy(os.path.join(work, c), dest)
                print(f'  kept {dest}')
            return 1
        print(f'ok: {done[-1]} executions, 0 crashes')
        return 0 if int(done[-1]) >= runs else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
