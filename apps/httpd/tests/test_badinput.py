"""Bad input in either build: malformed and oversized requests get a 4xx/5xx
and the connection closes; a slowloris trickle is timed out (408); a flood
past the connection limit is refused (503); connections reset mid-request
are cleaned up. After each, the server still answers, and in the image
lwIP's pools show no leak."""
import socket
import struct
import time
from httpdlib import Server, check, check_no_leak, status_of

LIMIT, TIMEOUT = 20, 2

with Server('--max-conns', str(LIMIT), '--timeout', str(TIMEOUT)) as s:
    def still_serving(what):
        st, _, body = s.get('/health')
        check(st == 200 and body == b'ok\n', f'still serving after {what}')

    cases = [
        ('garbage bytes', b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n', 400),
        ('no HTTP version', b'GET /\r\n\r\n', 400),
        ('space before colon', b'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400),
        ('missing Host in 1.1', b'GET / HTTP/1.1\r\n\r\n', 400),
        ('bad Content-Length', b'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 400),
        ('HTTP/2.0 request line', b'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505),
        ('chunked body', b'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', 501),
        ('huge body', b'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n', 413),
        ('oversized URI', b'GET /' + b'a' * 8000 + b' HTTP/1.1\r\nHost: x\r\n\r\n', 414),
        ('oversized headers', b'GET / HTTP/1.1\r\nHost: x\r\n' + b'X-Pad: ' + b'b' * 8000 + b'\r\n\r\n', 431),
        ('NUL in a header', b'GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n', 400),
    ]
    for name, data, want in cases:
        resp = s.raw(data)
        check(status_of(resp) == want, f'{name}: answered {want} (got {resp[:40]!r})')
    still_serving('malformed requests')

    # A small body on GET is read and discarded; the next request is served.
    resp = s.raw(b'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /nope HTTP/1.1\r\n'
                 b'Host: x\r\nConnection: close\r\n\r\n')
    check(resp.count(b'HTTP/1.1 ') == 2 and b' 404 ' in resp, 'a body is skipped and the pipelined request answered')

    # Slowloris: one byte every 0.3 s never completes a head within TIMEOUT.
    t0 = time.monotonic()
    sk = socket.create_connection(('127.0.0.1', s.port), timeout=TIMEOUT + 8)
    got, req = b'', b'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + b'z' * 200
    try:
        for ch in req:
            sk.send(bytes([ch]))
            time.sleep(0.3)
            if time.monotonic() - t0 > TIMEOUT + 6:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        got = sk.recv(4096)
    except (socket.timeout, ConnectionResetError):
        pass
    sk.close()
    took = time.monotonic() - t0
    check(status_of(got) == 408 or got == b'', f'slowloris answered 408 or cut ({got[:30]!r})')
    check(took < TIMEOUT + 7, f'slowloris connection ended after {took:.1f} s (timeout {TIMEOUT} s)')
    still_serving('a slowloris client')

    # Flood: LIMIT idle connections fill the server; the next ones get 503.
    held = [socket.create_connection(('127.0.0.1', s.port), timeout=10) for _ in range(LIMIT)]
    time.sleep(0.5)
    refused = 0
    for _ in range(30):
        try:
            r = s.raw(b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', timeout=10)
        except OSError:
            r = b''
        refused += status_of(r) == 503
    check(refused == 30, f'connections past the limit of {LIMIT} are refused with 503 ({refused}/30)')
    for h in held:
        h.close()
    time.sleep(1)
    still_serving('a connection flood')

    # Resets: half-sent requests, then an RST (SO_LINGER 0).
    for _ in range(20):
        sk = socket.create_connection(('127.0.0.1', s.port), timeout=5)
        sk.send(b'GET /1k HTTP/1.1\r\nHo')
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        sk.close()
    # And clients that vanish before reading their response.
    for _ in range(20):
        sk = socket.create_connection(('127.0.0.1', s.port), timeout=5)
        sk.send(b'GET /1k HTTP/1.1\r\nHost: x\r\n\r\n' * 4)
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        sk.close()
    time.sleep(TIMEOUT + 1)
    still_serving('reset connections')
    check_no_leak(s, 'after bad input')
    check(s.alive(), 'server process/image still running')
