"""Bad input on the wire, against a running image (raw TCP, no gdb): bad
checksums are answered '-', unknown packets empty, oversized packets and
reads of unmapped memory an error, bad run-lengths '-'; a client that
vanishes mid-packet leaves the image running; a real gdb works afterwards."""
import re
import socket
import time
from gdblib import Image, gdb, require_image_and_gdb
from lulib import check

require_image_and_gdb()


def frame(p):
    return b'$' + p + b'#%02x' % (sum(p) & 0xff)


class Raw:
    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port), timeout=15)
        self.buf = b''

    def send(self, b):
        self.s.sendall(b)

    def byte(self):
        while not self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        c, self.buf = self.buf[:1], self.buf[1:]
        return c

    def reply(self):
        """The next packet's payload (acking it); acks before it are skipped."""
        while self.byte() != b'$':
            pass
        p = b''
        while (c := self.byte()) != b'#':
            p += c
        self.byte(), self.byte()
        self.send(b'+')
        return p

    def close(self):
        self.s.close()


with Image('loop', '--gdb') as img:
    check(img.wait_for('mode loop', 30), 'image running')
    r = Raw(img.port)
    r.send(b'$qSupported#00')
    check(r.byte() == b'-', "a bad checksum is answered '-'")
    r.send(frame(b'qSupported'))
    check(r.byte() == b'+' and b'PacketSize' in r.reply(), 'the good packet after it is acked and answered')
    r.send(frame(b'qLucentNoSuchThing'))
    check(r.byte() == b'+' and r.reply() == b'', 'an unknown packet gets the empty reply')
    r.send(frame(b'm' + b'0' * 20000))
    check(r.byte() == b'+' and re.fullmatch(rb'E[0-9a-f]{2}', r.reply()), 'an oversized packet: acked, error reply')
    r.send(frame(b'm0,8'))
    check(r.byte() == b'+' and re.fullmatch(rb'E[0-9a-f]{2}', r.reply()), 'reading the NULL page: error reply')
    r.send(frame(b'mffffffffffff0000,10'))
    check(r.byte() == b'+' and re.fullmatch(rb'E[0-9a-f]{2}', r.reply()), 'reading unmapped kernel space: error reply')
    r.send(frame(b'*"m'))
    check(r.byte() == b'-', "a run length with nothing to repeat is answered '-'")
    r.send(frame(b'g'))
    check(r.byte() == b'+' and len(r.reply()) > 100, 'the stub still answers (g)')
    r.send(frame(b'D'))
    check(r.byte() == b'+' and r.reply() == b'OK', 'D: OK, the image runs on')
    r.close()
    # A client that vanishes mid-packet.
    r = Raw(img.port)
    r.send(b'$m1000')
    time.sleep(0.3)
    r.close()
    time.sleep(3)  # past the stub's 2 s packet timeout, were the close unseen
    check(img.alive(), 'the image survives a client that vanished mid-packet')
    outs = [gdb(img.port, ['print demo_total', 'detach']) for _ in range(2)]
    print(''.join(outs))
    t = [int(v) for o in outs for v in re.findall(r'^\$1 = (\d+)$', o, re.M)]
    check(len(t) == 2 and t[0] < t[1], f'a real gdb attaches afterwards, and the image keeps running ({t})')
