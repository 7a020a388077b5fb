"""Soak under wrk (suite `slow`): 10 minutes on one fresh boot, rounds of
keep-alive and Connection: close alternating, the connection count going
1, 10, 50, 100 and back; every request answered in time and with 2xx, the
server answering at the end (image: stall detector off, so a lost
wake-up wedges for good)."""
import time

from httpdlib import BUILD, Server, check, free_port
import wrklib

NO_DETECTOR = ['--kernel-opt', 'virtio_stall_ms=0'] if BUILD == 'image' else []

TOTAL_S, ROUND_S = 600, 15
CONNS = [1, 10, 50, 100, 50, 10]

mport = free_port()
with Server('--idle', '30', launcher_args=['--metrics', str(mport)] + NO_DETECTOR) as s:
    t0, n, served = time.monotonic(), 0, 0
    while time.monotonic() - t0 < TOTAL_S - ROUND_S:
        r = wrklib.run(s.port, ROUND_S, CONNS[n % len(CONNS)], close=n % 2 == 1)
        served += r['requests']
        n += 1
    print(f'{n} rounds, {served} requests in {time.monotonic() - t0:.0f} s')
    st, _, body = s.get('/1k', timeout=5)
    check(st == 200 and len(body) == 1024, 'still answering after the soak')
