"""Writers are never held up by the host: non-blocking writes to a channel
with no host connected fail at once with -EPIPE (a blocking one too), and
to a host that never reads they are refused with -EAGAIN once the channel
is full. Either way chan-echo --flood finishes promptly."""
import re
import time
from chanlib import BUILD, SLOW, EchoApp, check


FLOOD = 16 << 20


def parse(line):
    return {k: int(v) for k, v in re.findall(r'(wrote|eagain|epipe) (\d+)', line)}


# No host at all.
app = EchoApp('--flood', str(FLOOD), timeout=60).serving()
line = app.expect('chan-echo: flood:')
rc = app.finish()
print(line)
f = parse(line)
ms = float(re.search(r'([\d.]+) ms', line).group(1))
check(rc == 0, f'{BUILD}: flood run exits 0 (got {rc})')
check(f['wrote'] == 0 and f['epipe'] == FLOOD // 65536, f'{BUILD}: every write with no host is -EPIPE')
check('blocking epipe' in line, f'{BUILD}: a blocking write with no host returns -EPIPE too')
check(ms < 2000 * SLOW, f'{BUILD}: {FLOOD >> 20} MiB of writes with no host took {ms:.0f} ms')

# A host that connects and never reads.
app = EchoApp('--flood', str(FLOOD), '--wait-peer', str(30 * SLOW), timeout=90).serving()
s = app.connect()
line = app.expect('chan-echo: flood:', timeout=60)
stats = app.expect('chan-echo: done:')
s.close()
rc = app.finish()
print(line, stats, sep='\n')
f = parse(line)
ms = float(re.search(r'([\d.]+) ms', line).group(1))
check(rc == 0, f'{BUILD}: flood run against a stuck host exits 0 (got {rc})')
check(0 < f['wrote'] < FLOOD and f['eagain'] > 0, f'{BUILD}: writes fill the channel, then get -EAGAIN '
      f'(wrote {f["wrote"]}, eagain {f["eagain"]})')
check(ms < 5000 * SLOW, f'{BUILD}: flooding a host that never reads took {ms:.0f} ms, without blocking')
check(f' dropped {f["eagain"]}' in stats, f'{BUILD}: refused writes are counted in writes_dropped')
