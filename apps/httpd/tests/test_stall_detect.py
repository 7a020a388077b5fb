"""The virtio stall detector finds and undoes a lost notify (image only).
The image boots with virtio_drop_notify=40 (every 40th notify the device
asked for is skipped: the bug class the detector exists for) and a 500 ms
stall time; under wrk the queues stop, so the detector must count stalls
in lucent_virtio_queue_stalls_total, log one line per queue, and restart
them, and httpd must still answer afterwards."""
import time

from httpdlib import BUILD, Server, check, free_port, skip
import wrklib

if BUILD != 'image':
    skip('virtio queues exist only in the image')

mport = free_port()
opts = ['--metrics', str(mport), '--kernel-opt', 'virtio_drop_notify=40', '--kernel-opt', 'virtio_stall_ms=500']
with Server('--idle', '30', launcher_args=opts) as s:
    # Lost notifies stall requests for up to a stall time each: allow for it.
    wrklib.run(s.port, 8, 4, timeout_s=5)
    time.sleep(1)
    stalls = wrklib.virtio_stalls(mport)
    check(stalls > 0, f'the detector found the stalls the injected bug caused ({stalls})')
    st, _, body = s.get('/1k', timeout=5)
    check(st == 200 and len(body) == 1024, 'still answering: the detector restarted the queues')
    log = ''.join(s.output)
    check('stalled (lost notify' in log, 'the stall was logged')
    check(log.count('virtio: net queue 1 stalled') <= 1, 'logged once per queue')
