"""Runs the metrics protocol's libFuzzer target for a number of executions,
from seeds written here, and fails on any crash, sanitizer report, leak or
timeout. (The bridge's reply reader has its own: tools/metrics-bridge/fuzz.)

  run_fuzz.py FUZZER protocol RUNS          the libFuzzer build
  run_fuzz.py --afl TARGET protocol EXECS   the AFL++ build of the same harness

Longer by hand: run_fuzz.py build-X/host/metrics/tests/metrics-fuzz-protocol protocol 10000000
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'tests'))
import fuzzlib  # noqa: E402  (tests/fuzzlib.py: the shared runner)


def protocol_seeds():
    lines = [b'metrics\n', b'metrics 1\n', b'openmetrics 4294967295\n', b'ping 7\r\n', b'ping\n',
             b'metrics 4294967296\n', b'metrics 12a\n', b'\x00\xff garbage\n', b'A' * 300 + b'\nping 1\n',
             b'metrics 1\nping 2\nopenmetrics 3\n', b'half a requ',
             # sessions (metrics/protocol.c): an opener, one after a peer's
             # half line, one inside an overlong line, bad ones
             b'\x01session a1\nping 1\n', b'metrics 3\nhalf\x01session Zz09\r\nmetrics 4\n',
             b'B' * 200 + b'\x01session 0123456789abcdef0123456789abcdef\nping 2\n',
             b'\x01session\n\x01session a b\n\x01ping 1\n\x01\x01session x\n']
    return [bytes([i * 37 & 0xff]) + s for i, s in enumerate(lines)]


def main():
    if sys.argv[1] == '--afl':
        target, kind, execs = sys.argv[2], sys.argv[3], int(sys.argv[4])
        assert kind == 'protocol', kind
        return fuzzlib.run_afl(target, protocol_seeds(), execs, f'metrics-afl-{kind}',
                               os.path.join(HERE, 'protocol.dict'))
    fuzzer, kind, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    assert kind == 'protocol', kind
    flags = ['-timeout=20', '-rss_limit_mb=1024', f'-dict={os.path.join(HERE, "protocol.dict")}']
    # Inputs up to 1 KiB: a request line is at most 128 bytes
    # (LU_METRICS_REQ_MAX), so 1 KiB still holds several requests and an
    # overlong line; at 4 KiB each input renders the registry dozens of times
    # and the 3 M run slowed to ~1.5 k executions/s (over 30 minutes).
    return fuzzlib.run(fuzzer, protocol_seeds(), runs, f'metrics-fuzz-{kind}', flags, max_len=1024)


if __name__ == '__main__':
    sys.exit(main())
