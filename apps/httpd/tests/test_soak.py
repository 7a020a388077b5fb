"""Soak (suite `slow`): 50,000 requests, a new connection for every tenth,
from 16 clients; the server must still answer and, in the image, lwIP's
pools must hold no more than before (connections in TIME_WAIT aside), nor
may the kernel's pages (thread stacks) or malloc heap (sbrk)."""
import threading
import time
from httpdlib import Server, check, check_no_leak

CLIENTS, REQUESTS = 16, 3125

with Server() as s:
    base = s.stats() if s else None
    errors, done = [], [0]
    lock = threading.Lock()

    def client(n):
        c = None
        try:
            for i in range(REQUESTS):
                if c is None or i % 10 == 0:
                    if c:
                        c.close()
                    c = s.conn(timeout=60)
                c.request('GET', '/1k')
                r = c.getresponse()
                if r.status != 200 or len(r.read()) != 1024:
                    raise AssertionError(f'client {n} request {i}: {r.status}')
                with lock:
                    done[0] += 1
        except Exception as e:  # noqa: BLE001
            with lock:
                errors.append(repr(e))
        finally:
            if c:
                c.close()

    t0 = time.monotonic()
    ts = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    dt = time.monotonic() - t0
    print(f'{done[0]} requests in {dt:.0f} s ({done[0] / dt:.0f}/s); errors: {errors[:5]}')
    check(not errors and done[0] == CLIENTS * REQUESTS, f'{CLIENTS * REQUESTS} requests all answered correctly')
    st, _, _ = s.get('/health')
    check(st == 200, 'still serving after the soak')
    after = check_no_leak(s, 'after the soak')
    if after:
        check(after['heap.used'] <= base['heap.used'] + 4096,
              f'lwIP heap back to its idle size ({base["heap.used"]} -> {after["heap.used"]} bytes)')
        # The kernel's side: 5,000 connection threads came and went; their
        # stacks (pages in use) must have gone back, and the malloc heap
        # (sbrk, which never shrinks) must not have kept growing.
        for k, slack in (('mem.pages', 128 << 10), ('mem.sbrk', 256 << 10)):
            check(after[k] <= base[k] + slack, f'{k} back to its idle size ({base[k]} -> {after[k]} bytes)')
