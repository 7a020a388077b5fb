"""`lucent trace --serve [PORT] RUN_DIR|FILE`: the trace viewer, served locally.

  lucent trace --serve [PORT] FILE        open a recorded .pftrace
  lucent trace --serve [PORT] RUN_DIR     follow a running program's stream
  lucent trace --serve [PORT]             an empty viewer (drop files on it)

Serves tools/trace-viewer/web/ on 127.0.0.1 (PORT, default 9494; 0 picks
a free one) and prints the URL. Live mode is the collector: it connects to
<RUN_DIR>/lucent.trace.sock, asks for the categories (as `lucent trace`
does), keeps the whole packets it gets and hands them to every page as
server-sent events (base64 chunks whose id is the stream offset, so a page
that reconnects resumes where it was). When the program goes away the
server waits for it to come back (a fresh stream, appended). `--out FILE`
also records what it collects.

What this module owns: HTTP, the live collection for pages. It does not own
the page (web/) or recording without a page (tools/launcher/trace.py).
Python stdlib only: the viewer needs no node at run time.
"""
import argparse
import base64
import http.server
import json
import os
import socket
import socketserver
import sys
import threading
import time
import uuid

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'web')
SOCK_NAME = 'lucent.trace.sock'
DEFAULT_PORT = 9494
TYPES = {'.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8'}
# the page may talk to this server only: nothing leaves 127.0.0.1
CSP = ("default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; "
       "style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'")


def whole_packets(buf):
    """Length of the run of whole Trace.packet fields at the start of buf;
    -1 when the bytes there are no packet framing."""
    i = 0
    n = len(buf)
    while i < n:
        if buf[i] != 0x0a:
            return -1 if i == 0 else i
        j, length, shift = i + 1, 0, 0
        while j < n and j - i <= 10:
            b = buf[j]
            length |= (b & 0x7f) << shift
            shift += 7
            j += 1
            if not b & 0x80:
                break
        else:
            return i
        if buf[j - 1] & 0x80 or j + length > n:
            return i
        i = j + length
    return i


class Live:
    """The collector: one connection at a time to the program's socket."""

    def __init__(self, run_dir, categories='all', out=None):
        self.sock_path = os.path.join(run_dir, SOCK_NAME) if os.path.isdir(run_dir) else run_dir
        self.categories, self.out = categories, out
        self.data = bytearray()
        self.cond = threading.Condition()
        self.connected = False
        self.ended = False
        self.cut = None
        self.streams = 0
        self.stop = False

    def status(self):
        return {'connected': self.connected, 'ended': self.ended, 'bytes': len(self.data),
                'streams': self.streams, 'socket': self.sock_path, 'cut': self.cut}

    def _notify(self):
        with self.cond:
            self.cond.notify_all()

    def run(self):
        out = open(self.out, 'wb') if self.out else None
        while not self.stop:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.sock_path)
            except OSError:
                s.close()
                time.sleep(0.1)
                continue
            if self.categories:
                try:
                    s.sendall(f'enable {self.categories}\n'.encode())
                except OSError:
                    pass
            self.connected, self.ended = True, False
            self.streams += 1
            self._notify()
            pending = b''
            while not self.stop:
                try:
                    chunk = s.recv(1 << 20)
                except OSError:
                    chunk = b''
                if not chunk:
                    break
                pending += chunk
                n = whole_packets(pending)
                if n < 0:
                    self.cut = (f'The program sent bytes that are not Perfetto packets '
                                f'(0x{pending[0]:02x}); the connection was dropped')
                    pending = b''
                    break
                if n:
                    with self.cond:
                        self.data += pending[:n]
                        self.cond.notify_all()
                    if out:
                        out.write(pending[:n])
                        out.flush()
                    pending = pending[n:]
            s.close()
            if pending:
                self.cut = (f'The stream stopped in the middle of a packet ({len(pending)} bytes of it were '
                            'discarded); everything before it is shown')
            self.connected, self.ended = False, True
            self._notify()
            time.sleep(0.2)
        if out:
            out.close()


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = 'lucent-viewer'
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def _send(self, code, body, ctype='text/plain; charset=utf-8', extra=()):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Cache-Control', 'no-store')
        self.send_header('Content-Security-Policy', CSP)
        self.send_header('X-Content-Type-Options', 'nosniff')
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        srv = self.server
        # DNS rebinding: answer only to the names this server listens as
        host = (self.headers.get('Host') or '').rsplit(':', 1)[0].strip('[]')
        if host not in srv.hosts:
            return self._send(403, b'unexpected Host header\n')
        path = self.path.split('?', 1)[0]
        if path == '/':
            path = '/index.html'
        if path == '/api/source':
            return self._send(200, json.dumps(srv.source).encode(), 'application/json')
        if path == '/trace.pftrace':
            if srv.file:
                with open(srv.file, 'rb') as f:
                    body = f.read()
            elif srv.live:
                with srv.live.cond:
                    body = bytes(srv.live.data)
            else:
                return self._send(404, b'no trace\n')
            return self._send(200, body, 'application/octet-stream')
        if path == '/api/stream' and srv.live:
            return self.stream()
        name = path.lstrip('/')
        if name in srv.assets:
            with open(os.path.join(WEB, name), 'rb') as f:
                body = f.read()
            return self._send(200, body, TYPES.get(os.path.splitext(name)[1], 'application/octet-stream'))
        self._send(404, b'not found\n')

    def stream(self):
        """SSE: `data` events (id TOKEN:OFFSET) and `status` events."""
        live, srv = self.server.live, self.server
        pos = 0
        last = self.headers.get('Last-Event-ID', '')
        tok, _, off = last.partition(':')
        self.send_response(200)
        self.send_header('Content-Type', 'text/event-stream')
        self.send_header('Cache-Control', 'no-store')
        self.send_header('Content-Security-Policy', CSP)
        self.end_headers()
        out = self.wfile
        try:
            if last and tok == srv.token and off.isdigit():
                pos = int(off)
            elif last:
                out.write(b'event: reset\ndata: {}\n\n')
            out.write(b'retry: 1000\n\n')
            sent_status = None
            while not srv.stopping:
                with live.cond:
                    if len(live.data) == pos and live.status() == sent_status:
                        live.cond.wait(10)
                    data = bytes(live.data[pos:pos + (1 << 19)])
                    st = live.status()
                if data:
                    pos += len(data)
                    out.write(b'event: data\nid: ' + f'{srv.token}:{pos}'.encode() + b'\ndata: ' +
                              base64.b64encode(data) + b'\n\n')
                if st != sent_status:
                    out.write(b'event: status\ndata: ' + json.dumps(st).encode() + b'\n\n')
                    sent_status = st
                if not data:
                    out.write(b': keepalive\n\n')
                out.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def parse(argv):
    # `--serve [PORT]`: PORT is optional and positional-looking, so take it by hand
    argv = list(argv)
    port = DEFAULT_PORT
    for i, a in enumerate(argv):
        if a == '--serve':
            if i + 1 < len(argv) and argv[i + 1].isdigit():
                port = int(argv.pop(i + 1))
            argv.pop(i)
            break
        if a.startswith('--serve='):
            port = int(a.split('=', 1)[1])
            argv.pop(i)
            break
    p = argparse.ArgumentParser(prog='lucent trace --serve', description='Serve the Lucent trace viewer on '
                                '127.0.0.1, for a recorded trace FILE or the live stream of RUN_DIR.')
    p.add_argument('target', nargs='?', help='a .pftrace file, or a run directory (live)')
    p.add_argument('--bind', default='127.0.0.1', help='address to listen on (default 127.0.0.1; '
                   'anything else exposes your trace to the network)')
    p.add_argument('--out', '-o', help='live mode: also record the stream to this file')
    p.add_argument('--categories', default='all', help='live mode: categories to switch on (default all)')
    p.add_argument('--verbose', action='store_true', help='log every request')
    a = p.parse_args(argv)
    a.port = port
    return a


def main(argv):
    a = parse(argv)
    srv_file, live, source = None, None, {'mode': 'none'}
    if a.target:
        t = os.path.abspath(a.target)
        if os.path.isfile(t):
            srv_file = t
            source = {'mode': 'file', 'name': os.path.basename(t), 'size': os.path.getsize(t)}
        elif os.path.isdir(t) or t.endswith('.sock'):
            live = Live(t, a.categories, a.out)
            source = {'mode': 'live', 'name': a.target}
        else:
            print(f'lucent: error: {a.target}: no such file or run directory', file=sys.stderr)
            return 2
    try:
        httpd = Server((a.bind, a.port), Handler)
    except OSError as e:
        print(f'lucent: error: cannot listen on {a.bind}:{a.port}: {e.strerror} (try another PORT, or 0)',
              file=sys.stderr)
        return 1
    httpd.file, httpd.live, httpd.source, httpd.verbose = srv_file, live, source, a.verbose
    httpd.token, httpd.stopping = uuid.uuid4().hex[:12], False
    httpd.assets = {f for f in os.listdir(WEB) if os.path.splitext(f)[1] in TYPES}
    port = httpd.server_address[1]
    httpd.hosts = {'127.0.0.1', 'localhost', '::1', a.bind}
    if live:
        threading.Thread(target=live.run, daemon=True).start()
    if a.bind not in ('127.0.0.1', 'localhost', '::1'):
        print(f'lucent: warning: listening on {a.bind}: anyone who can reach it can read the trace',
              file=sys.stderr)
    host = a.bind if ':' not in a.bind else f'[{a.bind}]'
    print(f'lucent: trace viewer at http://{host}:{port}/ ({source["mode"]}'
          f'{": " + a.target if a.target else ""}); Ctrl-C stops it', file=sys.stderr, flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.stopping = True
        if live:
            live.stop = True
            live._notify()
        httpd.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
