"""Many fresh boots under wrk (suite `slow`): the network wedge showed in
some boots and not others, so one boot proves little. BOOTS fresh boots
(20 by default, LUCENT_WRK_BOOTS overrides), each under wrk -c10 for 5 s
keep-alive then 5 s Connection: close; every request answered in time,
the server answering afterwards. The image boots with the stall detector
off (virtio_stall_ms=0): a lost wake-up then wedges for good instead of
being undone after 2 s.
Prints one line per boot and the totals."""
import os

from httpdlib import BUILD, Server, check, free_port
import wrklib

NO_DETECTOR = ['--kernel-opt', 'virtio_stall_ms=0'] if BUILD == 'image' else []

BOOTS = int(os.environ.get('LUCENT_WRK_BOOTS', '20'))

totals = {'keep-alive': [], 'close': []}
for n in range(BOOTS):
    mport = free_port()
    with Server('--idle', '30', launcher_args=['--metrics', str(mport)] + NO_DETECTOR) as s:
        def explain():
            wrklib.explain_image(mport)
            print(''.join(s.output[-40:]))
        ka = wrklib.run(s.port, 5, 10, explain=explain)
        cl = wrklib.run(s.port, 5, 10, close=True, explain=explain)
        st, _, body = s.get('/1k', timeout=5)
        check(st == 200 and len(body) == 1024, f'boot {n + 1}: still answering after the load')
        totals['keep-alive'].append(ka['requests'] / ka['seconds'])
        totals['close'].append(cl['requests'] / cl['seconds'])
for mode, rates in totals.items():
    print(f'{mode}: {len(rates)} boots, {min(rates):.0f}-{max(rates):.0f} requests/s')
check(True, f'{BOOTS} fresh boots under keep-alive and close load, none wedged')
