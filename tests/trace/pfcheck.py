"""Helpers for the tracing tests: run ../shared/tools/validate-pftrace and
return the rows of each SQL query, and build trace-demo's command lines."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from lulib import BUILD, BUILD_DIR, SHARED, skip  # noqa: E402

VALIDATOR = os.path.join(SHARED, 'tools', 'validate-pftrace')


def need_validator():
    if not os.path.isfile(VALIDATOR):
        skip(f'{VALIDATOR} absent (../shared not present): cannot validate Perfetto traces')


def validate(path, *queries):
    """Returns (ok, output, [rows per query])."""
    r = subprocess.run([VALIDATOR, path] + list(queries), capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    rows, lines = [], out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith('SQL> ') and i + 1 < len(lines):
            try:
                rows.append(json.loads(lines[i + 1]))
            except ValueError:
                rows.append(None)
    return r.returncode == 0, out, rows


def one(rows):
    """The single value of a one-row, one-column result."""
    return list(rows[0].values())[0] if rows else None


def demo_path():
    return os.path.join(BUILD_DIR, 'trace-demo')
