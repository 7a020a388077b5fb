"""tools/validate-trace and tools/validate_trace.py: a valid trace passes with
the right counts, and each kind of bad trace fails, by the consumer that
should catch it. The traces are written by protoc from text (not by our
encoder, so the test does not assume what it checks), plus one from
trace-gen, which uses Lucent's real encoder."""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get('LUCENT_SOURCE_DIR', os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from lulib import BUILD_DIR, check  # noqa: E402
import validate_trace as vt  # noqa: E402

# The validator must be installed: tools/setup does it, so missing is a failure.
try:
    vt.check_installed()
    check(True, 'protoc, node and trace_processor v55.3 are installed')
except vt.ValidatorMissing as e:
    check(False, str(e))

TMP = tempfile.mkdtemp(prefix='validate-trace-')
atexit.register(shutil.rmtree, TMP, True)
THREAD = 'packet { trusted_packet_sequence_id: 1 track_descriptor { uuid: 1 thread { pid: 10 tid: 11 thread_name: "main" } } }'


def ev(ts, kind, extra=''):
    return f'packet {{ timestamp: {ts} trusted_packet_sequence_id: 1 track_event {{ type: {kind} track_uuid: 1 {extra} }} }}'


def encode(name, *packets):
    path = os.path.join(TMP, name + '.pftrace')
    r = subprocess.run(['protoc', '--encode=perfetto.protos.Trace', f'-I{vt.PERFETTO}', vt.SCHEMA],
                       input='\n'.join(packets).encode(), capture_output=True)
    check(r.returncode == 0, f'protoc encodes the {name} trace ({r.stderr.decode()[:200]})')
    with open(path, 'wb') as f:
        f.write(r.stdout)
    return path


def rejected(path, by, why):
    try:
        vt.validate(path)
    except vt.ValidatorMissing as e:
        check(False, f'{why}: validator missing: {e}')
    except vt.TraceInvalid as e:
        check(by in str(e), f'{why}: rejected by {by} ({e})')
        return
    check(False, f'{why}: rejected (it was accepted)')


def cli(*args):
    return subprocess.run([sys.executable, os.path.join(SRC, 'tools', 'validate-trace'), *args],
                          capture_output=True, text=True, timeout=600)


# A valid trace: one thread, two nested slices.
good = encode('good', THREAD, ev(1000, 'TYPE_SLICE_BEGIN', 'name: "work"'), ev(1200, 'TYPE_SLICE_BEGIN', 'name: "inner"'),
              ev(1500, 'TYPE_SLICE_END'), ev(2000, 'TYPE_SLICE_END'))
c = vt.validate(good, ["select name, dur, depth from slice order by ts"])
check(c['packets'] == 5 and c['slices'] == 2, f'a valid trace passes: 5 packets, 2 slices (got {c})')
check(c['queries'][0] == [{'name': 'work', 'dur': 1000, 'depth': 0}, {'name': 'inner', 'dur': 300, 'depth': 1}],
      f'its slices read back with names, durations and depths (got {c["queries"][0]})')
rows = vt.query(good, "select name from thread where tid = 11")
check(rows == [{'name': 'main'}], f'query() returns rows: thread 11 is "main" (got {rows})')
r = cli(good, '--sql', 'select count(*) as n from slice')
check(r.returncode == 0 and 'slices 2' in r.stdout and '[{"n": 2}]' in r.stdout,
      f'validate-trace prints the counts and the query rows, exit 0 (exit {r.returncode}: {r.stdout.strip()})')
r = cli(good, '--sql', 'select nonsense from nowhere')
check(r.returncode == 1 and 'ERROR' in r.stdout, f'a failing query is an error, exit 1 (exit {r.returncode})')

# Lucent's own encoder, through trace-gen (the viewer's trace generator).
gen = os.path.join(BUILD_DIR, 'trace-gen')
check(os.path.isfile(gen), f'{gen} is built')
real = os.path.join(TMP, 'gen.pftrace')
subprocess.run([gen, real, '2000', '3'], check=True, capture_output=True)
c = vt.validate(real)
check(c['slices'] > 0 and c['threads'] >= 3, f'a trace-gen trace (2000 events, 3 threads) passes (got {c})')

# What protoc must catch.
with open(real, 'rb') as f:
    data = f.read()
trunc = os.path.join(TMP, 'truncated.pftrace')
with open(trunc, 'wb') as f:
    f.write(data[:len(data) * 2 // 3 + 1])
rejected(trunc, 'protoc', 'a truncated trace')
bad = bytearray(data)
bad[len(bad) // 2:len(bad) // 2 + 16] = b'\xff' * 16
corrupt = os.path.join(TMP, 'corrupt.pftrace')
with open(corrupt, 'wb') as f:
    f.write(bad)
rejected(corrupt, 'protoc', 'a trace with 16 bytes overwritten')
# A packet (Trace field 1, 4 bytes) holding varint field 9999 = 1, which
# TracePacket does not have: tag 9999 << 3 = 0xf8 0xf0 0x04, value 0x01.
unknown = os.path.join(TMP, 'unknown.pftrace')
with open(good, 'rb') as f, open(unknown, 'wb') as out:
    out.write(f.read() + bytes([0x0a, 0x04, 0xf8, 0xf0, 0x04, 0x01]))
rejected(unknown, 'protoc', 'a packet with a field unknown to the schema')
empty = os.path.join(TMP, 'empty.pftrace')
open(empty, 'wb').close()
rejected(empty, 'protoc', 'an empty file')

# What only trace_processor can catch: the schema allows these.
rejected(encode('open', THREAD, ev(1000, 'TYPE_SLICE_BEGIN', 'name: "work"')), 'trace_processor',
         'a slice that never ends')
rejected(encode('iid', THREAD, ev(1000, 'TYPE_SLICE_BEGIN', 'name_iid: 7'), ev(2000, 'TYPE_SLICE_END')),
         'trace_processor', 'an event naming an interned string that was never interned')
rejected(encode('noslices', THREAD), 'trace_processor', 'a trace with no slices')
r = cli(trunc)
check(r.returncode == 1 and 'INVALID' in r.stdout, f'validate-trace exits 1 and says INVALID (exit {r.returncode})')
