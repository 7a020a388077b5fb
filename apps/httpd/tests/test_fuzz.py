"""Run the libFuzzer parser target for a few seconds (a smoke run; fuzz
longer by hand: build-X/host/apps/httpd/httpd-fuzz-parse -max_total_time=600)."""
import os
import subprocess
from lulib import BUILD_DIR, check, fail

exe = os.path.join(BUILD_DIR, 'apps', 'httpd', 'httpd-fuzz-parse')
if not os.path.isfile(exe):
    # registered only where clang is found, and built by default with it
    fail(f'{exe} not built (ninja -C {BUILD_DIR})')
r = subprocess.run([exe, '-max_total_time=10', '-rss_limit_mb=1024'], capture_output=True, text=True, timeout=100)
print(r.stderr[-2000:])
check(r.returncode == 0, 'fuzzing the request parser for 10 s found nothing')
