"""Drive httpd with wrk, as users load-test servers, and read its report.

A run fails on any request that timed out or met a socket error, and on
any answer other than 2xx: a server that stops answering under load (a
lost virtio notification, a stuck accept) shows as timeouts here.
"""
import re
import shutil
import subprocess
import urllib.request

from lulib import BUILD, check, fail


def wrk_path():
    path = shutil.which('wrk')
    if not path:
        fail('wrk not found: tools/setup installs it (Debian package wrk)')
    return path


def parse(out):
    """wrk's report -> {'requests', 'seconds', 'timeouts', 'errors', 'non2xx'}."""
    m = re.search(r'(\d+) requests in ([\d.]+)(m?s)', out)
    if not m:
        fail(f'wrk printed no request count:\n{out}')
    secs = float(m.group(2)) / (1000 if m.group(3) == 'ms' else 1)
    r = {'requests': int(m.group(1)), 'seconds': secs, 'timeouts': 0, 'errors': 0, 'non2xx': 0}
    e = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', out)
    if e:
        r['errors'] = int(e.group(1)) + int(e.group(2)) + int(e.group(3))
        r['timeouts'] = int(e.group(4))
    n = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    if n:
        r['non2xx'] = int(n.group(1))
    return r


def run(port, seconds, conns, close=False, path='/1k', timeout_s=3, explain=None):
    """One wrk run; checks that every request was answered, in time and 2xx.
    explain(): called before a failing check, to print what the server saw."""
    cmd = [wrk_path(), '-t1', f'-c{conns}', f'-d{seconds}s', f'--timeout={timeout_s}s']
    if close:
        cmd += ['-H', 'Connection: close']
    cmd.append(f'http://127.0.0.1:{port}{path}')
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    r = parse(p.stdout)
    mode = 'close' if close else 'keep-alive'
    print(f'wrk -c{conns} {seconds}s {mode}: {r["requests"]} requests ({r["requests"] / r["seconds"]:.0f}/s), '
          f'{r["timeouts"]} timeouts, {r["errors"]} socket errors, {r["non2xx"]} non-2xx', flush=True)
    ok = r['timeouts'] == 0 and r['errors'] == 0 and r['non2xx'] == 0
    if not ok:
        print(p.stdout)
        if explain:
            explain()
    check(ok,
          f'{mode}, {conns} connections: every request answered in time with 2xx')
    check(r['requests'] > 0, f'{mode}, {conns} connections: requests were served')
    return r


def scrape(metrics_port):
    with urllib.request.urlopen(f'http://127.0.0.1:{metrics_port}/metrics', timeout=10) as f:
        return f.read().decode()


def explain_image(metrics_port):
    """Prints the image's counters that tell a stall from a loss: virtio
    stalls, virtio-net and lwIP drops, packets."""
    try:
        text = scrape(metrics_port)
    except OSError as e:
        print(f'metrics did not answer: {e}')
        return
    for line in text.splitlines():
        if line.startswith(('lucent_virtio_queue_stalls', 'lucent_net_packets', 'lucent_virtio_net')):
            print('  ', line)


def virtio_stalls(metrics_port):
    """Image: the stall detector's count over every queue (kernel/drivers/virtq_watch.c)."""
    text = scrape(metrics_port)
    vals = re.findall(r'^(lucent_virtio_queue_stalls_total\{[^}]*\}) (\d+)$', text, re.M)
    if BUILD == 'image' and not vals:
        fail('lucent_virtio_queue_stalls_total is missing from the image\'s metrics')
    for series, v in vals:
        if v != '0':
            print('  ', series, v)
    return sum(int(v) for _, v in vals)
