"""Runs the metrics bridge's reply-reader fuzz target (fuzz_bridge_reply.c)
for a number of executions, from seeds written here, and fails on any crash,
sanitizer report, leak or timeout.

  run_fuzz.py FUZZER bridge RUNS          the libFuzzer build
  run_fuzz.py --afl TARGET bridge EXECS   the AFL++ build of the same harness

Longer by hand: run_fuzz.py build-X/host/tools/metrics-bridge/fuzz/metrics-fuzz-bridge bridge 10000000
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', 'tests'))
import fuzzlib  # noqa: E402  (tests/fuzzlib.py: the shared runner)


def bridge_seeds():
    # Every reply of ours follows the ack of the harness's token
    # (fuzz_bridge_reply.c FUZZ_TOKEN); bytes before it are an earlier peer's.
    body = b'# HELP a A.\n# TYPE a counter\na_total 1\n'
    hdr = lambda st, seq, n: b'%s %d %d\n' % (st, seq, n)  # noqa: E731
    ack = b'\x01session f00dcafe\n'
    return [b'\x00' + ack + hdr(b'ok', 1, len(body)) + body,
            b'\x81' + hdr(b'ok', 1, 3) + b'old' + ack + hdr(b'ok', 2, len(body)) + body,  # a late reply first
            b'\x00' + hdr(b'ok', 1, len(body)) + body[:20] + b'\x01session f00d' + ack + hdr(b'ok', 1, 3) + b'ab\n',
            b'\x00' + hdr(b'ok', 1, len(body)) + body,  # no ack: never taken
            b'\x00' + ack + hdr(b'err', 1, 4) + b'bad\n', b'\x00' + ack + hdr(b'err', 0, 16) + b'unknown request\n',
            b'\x02' + ack + hdr(b'ok', 3, 10) + b'short', b'\x00' + ack + b'ok 1 99999999999\n',
            b'\x00' + b'x' * 50 + ack[:-1], b'\x03' + ack + b'ok 4 0\n', b'\x00' + ack + b'ok  1 2\nab']


def main():
    if sys.argv[1] == '--afl':
        target, kind, execs = sys.argv[2], sys.argv[3], int(sys.argv[4])
        assert kind == 'bridge', kind
        return fuzzlib.run_afl(target, bridge_seeds(), execs, f'metrics-afl-{kind}', None)
    fuzzer, kind, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    assert kind == 'bridge', kind
    return fuzzlib.run(fuzzer, bridge_seeds(), runs, f'metrics-fuzz-{kind}', ['-timeout=20', '-rss_limit_mb=1024'],
                       max_len=4096)


if __name__ == '__main__':
    sys.exit(main())
