"""200 concurrent clients, 50 requests each (10,000 in all), every response
checked byte for byte; in the image, lwIP's pools show no leak afterwards.
Clients reuse their connection, except every fifth client, which opens a
new one every fifth request (so accept/close runs 400 more times).

All 200 connections are open before the first counted request; they
connect all at once, each completing a /health request. (QEMU's user
network listens on the forwarded port with a backlog of 1; the launcher
raises it with tools/qemu-backlog, without which a burst like this one
overflows the host's accept queue and waits for 1 s, 3 s ... handshake
retransmits: see docs/networking.md.)
"""
import threading
import time
from httpdlib import Server, check, check_no_leak

CLIENTS, REQUESTS = 200, 50

# Connections wait for all 200 to be open, so the idle timeout must be long.
with Server('--idle', '600') as s:
    _, _, expected = s.get('/1k')
    check(len(expected) == 1024, 'reference copy of /1k')
    errors, done = [], [0]
    lock = threading.Lock()
    start_gate = threading.Barrier(CLIENTS, action=lambda: print(f'all {CLIENTS} connected after '
                                                                  f'{time.monotonic() - t0:.1f} s', flush=True))
    def connect():
        c = s.conn(timeout=60)
        c.request('GET', '/health')
        r = c.getresponse()
        if r.status != 200 or r.read() != b'ok\n':
            raise AssertionError(f'first request on a new connection: {r.status}')
        return c

    def client(n):
        fresh = n % 5 == 0
        c = None
        try:
            c = connect()
            start_gate.wait(120)
            for i in range(REQUESTS):
                if fresh and i and i % 5 == 0:
                    c.close()
                    c = connect()
                c.request('GET', '/1k' if i % 10 else '/health')
                r = c.getresponse()
                body = r.read()
                want = expected if i % 10 else b'ok\n'
                if r.status != 200 or body != want:
                    raise AssertionError(f'client {n} request {i}: {r.status} {len(body)} bytes')
                with lock:
                    done[0] += 1
        except Exception as e:  # noqa: BLE001 - every failure is reported
            with lock:
                errors.append(f'{type(e).__name__}: {e}')
        finally:
            if c:
                c.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    print(f'{done[0]} requests in {dt:.1f} s, connects included ({done[0] / dt:.0f}/s)')
    for e in errors[:10]:
        print('  ', e)
    check(not errors and done[0] == CLIENTS * REQUESTS,
          f'{CLIENTS} clients x {REQUESTS} requests: every response correct ({len(errors)} clients failed)')
    st, _, body = s.get('/health')
    check(st == 200, 'still serving after 10,000 requests')
    time.sleep(1)
    check_no_leak(s, 'after the load')
