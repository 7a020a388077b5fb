"""The platform and httpd metrics (the built-ins): httpd behind
`lucent run --net --metrics`, a known number of HTTP requests, then one
scrape through the bridge (and `lucent run --help` lists --metrics), then
a real Prometheus server scraping the bridge while more requests go in. Every family the build promises is there,
promtool is clean, and httpd_requests_total counts exactly what was sent."""
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

from metricslib import BOOT_TIMEOUT, Prometheus, bridge_binary, http_get, lulib, poll, sample

# Both builds.
COMMON = ['lucent_heap_bytes{state="used"}', 'lucent_heap_bytes{state="free"}', 'lucent_context_switches_total',
          'lucent_threads{state="running"}', 'lucent_thread_cpu_seconds_total', 'httpd_requests_total', 'httpd_request_duration_seconds_bucket',
          'lucent_uptime_seconds', 'lucent_boot_time_seconds']
# The image only: a process has no page allocator, interrupts or lwIP of its own.
IMAGE = ['lucent_page_allocator_bytes{state="used"}', 'lucent_page_allocator_bytes{state="free"}',
         'lucent_memory_unclaimed_bytes', 'lucent_interrupts_total{vector=',
         'lucent_net_packets_total{proto="tcp",direction="in"}', 'lucent_net_packets_total{proto="udp",direction="out"}',
         'lucent_net_packets_dropped_total{proto="ip"}', 'lucent_net_tcp_connections',
         'lucent_virtio_net_packets_total{direction="rx"}', 'lucent_virtio_net_interrupts_total',
         'lucent_thread_switches_total',
         'lucent_virtio_queue_operations_total{device="net",queue="0",op="used"}',
         'lucent_virtio_queue_operations_total{device="console",queue="2",op="add"}',
         # per-CPU rings exist from boot; the hostbuild's per-thread rings only once a thread traces
         'lucent_trace_events_total{ring="0"}', 'lucent_trace_events_dropped_total{ring="0"}']
GETS, MISSES = 12, 3


def series(body, prefix):
    return [line for line in body.splitlines() if line.startswith(prefix)]


def main():
    if not os.path.isfile(bridge_binary()):
        # every build serves metrics through the bridge: missing, it is a
        # broken build (or set-up), never a reason to skip
        lulib.fail(f'the metrics bridge is not built: {bridge_binary()} (tools/setup installs pkg-config and '
                   'libmicrohttpd-dev; the image build\'s tests use the host build next to it)')
    r = lulib.lucent('run', '--help')
    lulib.check(r.returncode == 0 and '--metrics [PORT]' in r.stdout, 'lucent run --help lists --metrics [PORT]')
    host = ['--host'] if lulib.BUILD == 'host' else []
    proc = subprocess.Popen([sys.executable, lulib.LAUNCHER, 'run', *host, '--net', '--metrics', 'httpd'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=lulib.launcher_env(),
                            start_new_session=True)
    lines, prom = [], None
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline and not any('httpd: listening' in l for l in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
        text = '\n'.join(lines)
        site = re.search(r'serving at (http://\S+/)', text)
        murl = re.search(r'metrics at (http://\S+/metrics)', text)
        lulib.check(site and murl, f'httpd runs with --net --metrics ({lines[-1] if lines else "no output"})')
        site, murl = site.group(1), murl.group(1)

        for i in range(GETS + MISSES):
            try:
                urllib.request.urlopen(site if i < GETS else site + 'no-such-page', timeout=20).read()
            except urllib.error.HTTPError as e:
                lulib.check(e.code == 404, f'a missing page is a 404 ({e.code})')
        # the guest may take a moment to answer its first scrape under TCG
        body = poll('a scrape with the guest up', lambda: (lambda b: sample(b, 'lucent_bridge_guest_up') == 1 and b)(
            http_get(murl, timeout=10)[2]), 60)

        want = COMMON + (IMAGE if lulib.BUILD == 'image' else [])
        want += ['# TYPE lucent_trace_events_total counter', '# TYPE lucent_trace_events_dropped_total counter']
        missing = [w for w in want if not series(body, w)]
        lulib.check(not missing, f'{len(want)} families/series present ({", ".join(missing) or "none missing"})')
        ok200 = sample(body, 'httpd_requests_total{method="GET",code="200"}')
        ok404 = sample(body, 'httpd_requests_total{method="GET",code="404"}')
        lulib.check(ok200 == GETS and ok404 == MISSES,
                    f'httpd_requests_total counts {GETS} GET 200 and {MISSES} GET 404 (got {ok200}, {ok404})')
        lulib.check(sample(body, 'httpd_request_duration_seconds_count') == GETS + MISSES,
                    'the latency histogram counted every request')
        if lulib.BUILD == 'image':
            lulib.check(sample(body, 'lucent_net_packets_total{proto="tcp",direction="in"}') >= GETS + MISSES,
                        'lwIP counted at least one TCP segment in per request')
        r = subprocess.run(['promtool', 'check', 'metrics'], input=body, capture_output=True, text=True)
        lulib.check(r.returncode == 0 and not (r.stdout + r.stderr).strip(),
                    f'promtool check metrics is clean ({(r.stdout + r.stderr).strip() or "no findings"})')

        # A real Prometheus server scrapes the same bridge; more requests
        # go in while it runs, and its API must reach the exact total.
        prom = Prometheus(murl.split('/')[2])
        prom.wait_value('up{job="lucent"}', 1.0, 40)
        more = 5
        for _ in range(more):
            urllib.request.urlopen(site, timeout=20).read()
        want = GETS + MISSES + more
        prom.wait_value('sum(httpd_requests_total)', float(want), 40)
        lulib.check(True, f'Prometheus: sum(httpd_requests_total) reached {want} after {more} more requests')
        lulib.check(prom.value('httpd_requests_total{code="404"}') == MISSES, f'Prometheus: {MISSES} of them are 404s')
    finally:
        if prom:
            prom.stop()
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()


if __name__ == '__main__':
    main()
