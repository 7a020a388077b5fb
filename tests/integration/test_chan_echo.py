"""A host tool sends 1 MiB to chan-echo in random-sized writes and gets it
back byte-exact, over the same <run dir>/lucent.test.sock in both builds."""
import random
import threading
from chanlib import BUILD, EchoApp, check, recv_exact


SIZE = 1 << 20
rng = random.Random(1234)
data = rng.randbytes(SIZE)

app = EchoApp('--bytes', str(SIZE), timeout=120).serving()
s = app.connect()


def send():
    # Random write sizes, from 1 byte to 64 KiB, so that the app sees both
    # many tiny reads and reads that span several writes.
    off = 0
    while off < SIZE:
        n = min(SIZE - off, rng.choice([1, 7, 100, 1000, 4096, rng.randint(1, 65536)]))
        s.sendall(data[off:off + n])
        off += n


sender = threading.Thread(target=send)
sender.start()
got = recv_exact(s, SIZE, timeout=60)
sender.join()
s.close()
stats = app.expect('chan-echo: done:')
rc = app.finish()
print(stats)
check(len(got) == SIZE, f'{BUILD}: all {SIZE} bytes came back (got {len(got)})')
check(got == data, f'{BUILD}: the echo is byte-exact')
check(rc == 0, f'{BUILD}: chan-echo exited 0 after {SIZE} bytes (got {rc})')
check(f'in {SIZE} out {SIZE} connects 1 ' in stats, f'{BUILD}: channel stats count the bytes and one connect')
