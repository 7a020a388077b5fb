"""httpd under wrk, on fresh boots: keep-alive then Connection: close, 10
connections, 10 s each, every request answered in time (wrk --timeout 3s),
and still answering afterwards. In the image it runs twice: as booted, and
with virtio_torture (the guest spins between publishing a ring index and
reading the device's, so a wake-up lost in that window would show at
once). The image boots with the stall detector off (virtio_stall_ms=0),
so a lost wake-up is not undone after 2 s but wedges for good, and shows
as wrk timeouts and a server that no longer answers.
"""
from httpdlib import BUILD, Server, check, free_port
import wrklib

SECONDS, CONNS = 10, 10

NO_DETECTOR = ['--kernel-opt', 'virtio_stall_ms=0'] if BUILD == 'image' else []
boots = [('as booted', NO_DETECTOR)]
if BUILD == 'image':
    boots.append(('virtio_torture=20000', NO_DETECTOR + ['--kernel-opt', 'virtio_torture=20000']))

for label, opts in boots:
    mport = free_port()
    print(f'-- fresh boot, {label}', flush=True)
    with Server('--idle', '30', launcher_args=['--metrics', str(mport)] + opts) as s:
        def explain():
            wrklib.explain_image(mport)
            print(''.join(s.output[-40:]))
        wrklib.run(s.port, SECONDS, CONNS, explain=explain)
        wrklib.run(s.port, SECONDS, CONNS, close=True, explain=explain)
        st, _, body = s.get('/1k', timeout=5)
        check(st == 200 and len(body) == 1024, f'{label}: still answering after the load')
