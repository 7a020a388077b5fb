"""A new connection from the port of one that just closed (both builds).

httpd closes first (Connection: close), so the server side of each
connection waits in TIME_WAIT; the host may hand the same client port out
again at once, and in the image QEMU's user network then connects to the
guest from that same port. The server must take the new SYN at once, as
Linux does (a SYN past the old connection's sequence reopens the pair),
not answer it with a bare ACK and wait for the client to resend it
seconds later. Each of ROUNDS reconnects from the same port must be
answered within LIMIT seconds.
"""
import socket
import time

from httpdlib import Server, check, free_port

ROUNDS, LIMIT = 5, 2.0


def get_from(port, client_port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', client_port))
    s.settimeout(15)
    t0 = time.monotonic()
    s.connect(('127.0.0.1', port))
    s.sendall(b'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    data = b''
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
    s.close()
    return time.monotonic() - t0, data


with Server() as s:
    cport = free_port()
    times = []
    for i in range(ROUNDS):
        dt, data = get_from(s.port, cport)
        check(data.startswith(b'HTTP/1.1 200'), f'round {i + 1}: answered from client port {cport}')
        times.append(dt)
        time.sleep(0.05)
    print('seconds per request: ' + ', '.join(f'{t:.3f}' for t in times))
    check(max(times[1:]) < LIMIT, f'a SYN meeting the server\'s TIME_WAIT is taken at once '
          f'(slowest reconnect {max(times[1:]):.2f} s, limit {LIMIT} s)')
