"""The viewer in headless Chromium (issue I): recorded traces from a real
Lucent app (apps/trace-demo) and from the encoder (trace-gen: IRQ tracks,
drops) and bad input; with the argument `live`, live mode. Screenshots go
to BUILD_DIR/trace-viewer/."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from viewerlib import ARTIFACTS, BUILD, Serve, check, e2e, need_browser, program, skip

if BUILD != 'host':
    skip('the viewer is a host tool: tested in the host build')
need_browser()
os.makedirs(ARTIFACTS, exist_ok=True)
tmp = tempfile.mkdtemp(prefix='lucent-viewer-')


def recorded():
    # 1. a trace recorded from a real Lucent app: trace-demo's 2 threads x N "work" slices
    N = 40
    demo = os.path.join(tmp, 'demo.pftrace')
    r = subprocess.run([program('trace-demo'), 'slices', str(N)], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, LUCENT_TRACE='demo', LUCENT_TRACE_FILE=demo))
    check(r.returncode == 0 and os.path.getsize(demo) > 0, f'trace-demo records {demo}')
    s = Serve(demo)
    try:
        e2e('file', s.url, {'slice': 'work', 'count': 2 * N, 'args': ['i', 'who', 'worker-'], 'threads': 2,
                            'counter': True, 'drops': 'no drops', 'shot': os.path.join(ARTIFACTS, 'viewer-demo.png')})
    finally:
        s.close()

    # 2. the encoder's synthetic requests: IRQ tracks, a counter and reported drops
    gen = os.path.join(tmp, 'gen.pftrace')
    r = subprocess.run([program('trace-gen'), gen, '5000', '3', 'drops'], capture_output=True, text=True, timeout=60)
    reqs = int(r.stdout.split()[-2])
    s = Serve(gen)
    try:
        e2e('file', s.url, {'slice': 'request', 'count': reqs, 'args': ['method', 'path', 'status'], 'threads': 3,
                            'irq': True, 'counter': True, 'drops': 15,
                            'shot': os.path.join(ARTIFACTS, 'viewer-requests.png')})
    finally:
        s.close()

    # 3. bad input: a truncated file, a file that is not Perfetto
    data = open(gen, 'rb').read()
    cut = os.path.join(tmp, 'cut.pftrace')
    open(cut, 'wb').write(data[:len(data) // 2 + 1])
    s = Serve(cut)
    try:
        e2e('bad', s.url, {'expect': 'middle of a packet|corrupt', 'events': 1000,
                           'shot': os.path.join(ARTIFACTS, 'viewer-truncated.png')})
    finally:
        s.close()
    txt = os.path.join(tmp, 'notes.txt')
    open(txt, 'w').write('these are not the packets you are looking for\n')
    s = Serve(txt)
    try:
        e2e('bad', s.url, {'expect': 'not a Perfetto trace', 'events': 0})
    finally:
        s.close()



def live():
    # the page is open before the program starts; its events stream in. The
    # program is started by hand (not `lucent run`) with the run directory
    # in LUCENT_RUN_DIR, as the launcher would set it.
    run_dir = os.path.join(tmp, 'run')
    os.makedirs(run_dir)
    s = Serve(run_dir)
    app = subprocess.Popen([program('trace-demo'), 'stream', '30'], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=dict(os.environ, LUCENT_RUN_DIR=run_dir, LUCENT_TRACE='demo'))
    try:
        sock = os.path.join(run_dir, 'lucent.trace.sock')
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        else:
            skip(f'the hostbuild made no {sock}: it has no channels (issue C) in this tree')
        e2e('live', s.url, {'name': 'tick', 'shot': os.path.join(ARTIFACTS, 'viewer-live.png')})
    finally:
        app.terminate()
        app.wait(10)
        s.close()


live() if sys.argv[1:] == ['live'] else recorded()
