"""Helpers for the tracing tests: validate a trace with tools/validate_trace.py
(protoc against the official Perfetto schema, and Perfetto's trace_processor),
return the rows of each SQL query, and build trace-demo's command lines."""
import os

from lulib import BUILD, BUILD_DIR, SRC, check  # noqa: F401

import validate_trace


def need_validator():
    """Fails (never skips) when the validator is not installed: tools/setup
    installs it, so a test that writes a trace cannot pass unchecked."""
    try:
        validate_trace.check_installed()
    except validate_trace.ValidatorMissing as e:
        check(False, f'the trace validator is installed: {e}')


def validate(path, *queries):
    """Returns (ok, output, [rows per query]); a query that failed gives None."""
    try:
        c = validate_trace.validate(path, queries)
    except validate_trace.TraceInvalid as e:
        return False, f'INVALID: {e}', []
    out = (f'valid: packets {c["packets"]}, slices {c["slices"]}, threads {c["threads"]}, '
           f'processes {c["processes"]}, tracks {c["tracks"]}, counter values {c["counters"]}')
    rows = [None if isinstance(r, str) else r for r in c.get('queries', [])]
    for sql, r in zip(queries, c.get('queries', [])):
        out += f'\nSQL> {sql}\n{r}'
    return True, out, rows


def one(rows):
    """The single value of a one-row, one-column result."""
    return list(rows[0].values())[0] if rows else None


def demo_path():
    return os.path.join(BUILD_DIR, 'trace-demo')
