"""The bridge and the guest's channel under bad conditions: a paused guest,
malformed HTTP, garbage on lucent.metrics. Also: a scrape is promtool-clean,
and `lucent metrics RUN_DIR` serves a program started without --metrics."""
import os
import re
import signal
import socket
import subprocess
import sys
import time

from metricslib import App, Channel, http_get, lulib, poll, sample

TIMEOUT_MS = 1000


def open_session(ch, token):
    """Opens a lucent.metrics session (metrics/protocol.c) on a raw channel,
    as the bridge does: returns the bytes that came before the guest's ack
    (an earlier peer's), which the bridge drops."""
    ack = b'\x01session ' + token + b'\n'
    ch.send(ack)
    while ack not in ch.buf:
        chunk = ch.s.recv(65536)
        if not chunk:
            raise ValueError('channel closed before the session ack')
        ch.buf += chunk
    before, ch.buf = ch.buf.split(ack, 1)
    return before


def peers_leaving_mid_line(app, rounds=12):
    """A peer leaves with half a request, or with a request whose answer it
    does not wait for, and the next peer connects at once: the next peer's
    session gets its own answers only, every time. In the image the channel
    cannot tell the guest where one peer ends (QEMU can pass the half line,
    the close, the open and the new bytes with no interrupt in between), so
    this holds only because of the session opener."""
    leftovers = [b'half a requ', b'metrics 1', b'ping 4', b'ping 5\nmetr', b'metrics 6\n', b'x' * 200,
                 b'\x01session abc', b'\x01sess']
    for i in range(rounds):
        left = leftovers[i % len(leftovers)]
        ch = Channel(app.socket('lucent.metrics'))
        ch.send(left)
        ch.close()  # leaves mid-line, or without its reply
        ch = Channel(app.socket('lucent.metrics'))
        token = b'r%dt%d' % (i, os.getpid())
        before = open_session(ch, token)
        seq = 700 + i
        ch.send(b'metrics %d\n' % seq)
        status, got, text = ch.read_reply()
        ch.send(b'ping %d\n' % (seq + 1))
        pong = ch.read_reply()
        ch.close()
        lulib.check(status == 'ok' and got == seq and '# TYPE lucent_uptime_seconds gauge' in text
                    and pong == ('ok', seq + 1, 'pong\n'),
                    f'round {i}: after a peer left with {left[:16]!r}, the next session gets only its own '
                    f'answers ({status} {got}, then {pong[:2]}; {len(before)} bytes of the last peer\'s '
                    'replies dropped before the ack)')


def raw_http(port, data):
    with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
        s.sendall(data)
        out = b''
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
    return out.decode(errors='replace')


def main():
    app = App('--requests', '10', metrics=False)
    bridge = None
    try:
        # `lucent metrics RUN_DIR`, the standalone bridge
        bridge = subprocess.Popen([sys.executable, lulib.LAUNCHER, 'metrics', '--port', '0', '--timeout',
                                   str(TIMEOUT_MS), app.run_dir], stdout=subprocess.PIPE, text=True,
                                  env=lulib.launcher_env())
        url = re.search(r'(http://\S+/metrics)', bridge.stdout.readline()).group(1)
        port = int(url.split(':')[2].split('/')[0])
        lulib.check(url.startswith('http://127.0.0.1:'), f'lucent metrics serves {url} on 127.0.0.1')

        status, ctype, body = http_get(url)
        lulib.check(status == 200 and ctype.startswith('text/plain; version=0.0.4'), 'scrape is 200, text 0.0.4')
        lulib.check(sample(body, 'lucent_bridge_guest_up') == 1, 'guest up')
        lulib.check(sum(v for k, v in [(l, float(l.split()[-1])) for l in body.splitlines()
                                       if l.startswith('demo_requests_total{')]) == 10, 'demo counted 10 requests')
        r = subprocess.run(['promtool', 'check', 'metrics'], input=body, capture_output=True, text=True)
        lulib.check(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
                    f'promtool check metrics is clean ({(r.stdout + r.stderr).strip() or "no findings"})')
        status, ctype, om = http_get(url, headers={'Accept': 'application/openmetrics-text; version=1.0.0'})
        lulib.check(ctype.startswith('application/openmetrics-text') and om.endswith('# EOF\n')
                    and om.count('# EOF') == 1, 'OpenMetrics on request, one # EOF at the end')

        # malformed HTTP: errors, and the bridge lives on
        # libmicrohttpd answers what it can parse with 4xx/5xx; a request
        # line it cannot parse at all, it closes ('' here) at once or after
        # its 5 s idle timeout.
        bad = {'GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n': '400', 'GET /metrics\r\n\r\n': '400',
               'GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n': '505',
               'POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc': '405',
               'BREW /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n': '405',
               'GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n': '404',
               'GARBAGE\r\n\r\n': '', '\x00\xff\x01' * 100 + '\r\n\r\n': ''}
        for req, code in bad.items():
            t0 = time.monotonic()
            out = raw_http(port, req.encode('latin-1'))
            dt = time.monotonic() - t0
            ok = out.startswith(f'HTTP/1.1 {code}') if code else (out == '' and dt < 7)
            lulib.check(ok, f'malformed request {req[:24]!r}... gets {code or "closed"} '
                        f'({out[:24]!r}, {dt:.1f} s)')
        raw_http(port, b'GET /metrics HTTP/1.1\r\nHost: x\r\n')  # and hangs up half way
        lulib.check(http_get(url)[0] == 200, 'the bridge still serves after malformed HTTP')

        # garbage on the guest's channel: error replies, and the guest lives on
        ch = Channel(app.socket('lucent.metrics'))
        ch.send(b'\x00\xff\xfe garbage\n' + b'A' * 5000 + b'\nmetrics 99999999999\nping 5\n')
        replies = [ch.read_reply() for _ in range(4)]
        lulib.check([r[0] for r in replies] == ['err', 'err', 'err', 'ok'] and replies[3][1:] == (5, 'pong\n'),
                    f'garbage gets error replies, then a ping is answered ({[r[2].strip() for r in replies]})')
        ch.close()
        peers_leaving_mid_line(app)
        body = http_get(url)[2]
        lulib.check(sample(body, 'lucent_bridge_guest_up') == 1, 'the bridge still reaches the guest')

        # the bridge itself, right behind a peer that left mid-line: every
        # scrape answered, no protocol error (its session drops the rest)
        def protocol_errors():
            return sample(http_get(url)[2], 'lucent_bridge_guest_scrape_errors_total{reason="protocol"}') or 0
        errors_before = protocol_errors()
        for i in range(8):
            ch = Channel(app.socket('lucent.metrics'))
            ch.send(b'metrics 9' if i % 2 else b'ping 3\nmetrics 4\nhal')
            ch.close()
            status, _, body = http_get(url)
            lulib.check(status == 200 and sample(body, 'lucent_bridge_guest_up') == 1,
                        f'scrape {i} right after a peer left mid-line reaches the guest')
        lulib.check(protocol_errors() == errors_before, 'and the bridge saw no protocol error')

        # a paused guest: the scrape returns within the timeout and says so
        pid = app.guest_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            status, _, body = http_get(url, timeout=10)
            dt = time.monotonic() - t0
        finally:
            os.kill(pid, signal.SIGCONT)
        lulib.check(status == 200 and dt < TIMEOUT_MS / 1000 + 0.5,
                    f'with the guest stopped the scrape answers in {dt * 1000:.0f} ms (timeout {TIMEOUT_MS} ms)')
        lulib.check(sample(body, 'lucent_bridge_guest_up') == 0, 'and reports lucent_bridge_guest_up 0')
        lulib.check((sample(body, 'lucent_bridge_guest_scrape_errors_total{reason="timeout"}') or 0) >= 1,
                    'and counts a timeout error')
        lulib.check('demo_requests_total' not in body, 'and serves no stale guest metrics')
        poll('the guest is up again after SIGCONT',
             lambda: sample(http_get(url)[2], 'lucent_bridge_guest_up') == 1, 10)
        lulib.check(True, 'the guest is up again after SIGCONT')
    finally:
        if bridge:
            bridge.terminate()
            bridge.wait(timeout=10)
        app.stop()


if __name__ == '__main__':
    main()
