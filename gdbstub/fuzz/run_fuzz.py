"""Runs the gdbstub fuzz target for a number of executions and fails on any
crash, sanitizer report or leak (libFuzzer) or any saved crash or hang
(AFL++). The corpus starts from seeds written here (well-formed sessions),
so even a short run reaches deep into the commands.

  run_fuzz.py FUZZER RUNS           the libFuzzer build
  run_fuzz.py --afl TARGET EXECS    the AFL++ build of the same harness
  run_fuzz.py --missing WHY         fails: the build found no such engine
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'tests'))
import fuzzlib  # noqa: E402  (tests/fuzzlib.py: the shared runner)


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
    if sys.argv[1] == '--missing':
        return fuzzlib.missing(sys.argv[2])
    if sys.argv[1] == '--afl':
        return fuzzlib.run_afl(sys.argv[2], seeds(), int(sys.argv[3]), 'gdbstub-afl',
                               os.path.join(HERE, 'gdb.dict'))
    fuzzer, runs = sys.argv[1], int(sys.argv[2])
    return fuzzlib.run(fuzzer, seeds(), runs, 'gdbstub-fuzz',
                       ['-timeout=10', f'-dict={os.path.join(HERE, "gdb.dict")}'])


if __name__ == '__main__':
    sys.exit(main())
