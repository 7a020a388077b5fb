"""httpd basics in either build: curl GET and HEAD, 404, 405, /health,
keep-alive reuse of one connection."""
import subprocess
from httpdlib import Server, check

with Server() as s:
    url = f'http://127.0.0.1:{s.port}'
    r = subprocess.run(['curl', '-s', '-i', '--max-time', '20', url + '/'], capture_output=True, text=True)
    check(r.stdout.startswith('HTTP/1.1 200 OK') and 'Hello from Lucent' in r.stdout, 'curl GET / is 200 with the page')
    r = subprocess.run(['curl', '-s', '-I', '--max-time', '20', url + '/1k'], capture_output=True, text=True)
    check(r.stdout.startswith('HTTP/1.1 200') and 'Content-Length: 1024' in r.stdout, 'curl HEAD /1k: 200, length 1024')
    check(r.stdout.rstrip().endswith('keep-alive'), 'HEAD has no body')
    r = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '20', url + '/nope'],
                       capture_output=True, text=True)
    check(r.stdout == '404', 'curl GET /nope is 404')
    st, hdr, body = s.get('/', method='POST')
    check(st == 405 and hdr.get('Allow') == 'GET, HEAD', 'POST is 405 with Allow: GET, HEAD')
    st, _, body = s.get('/health')
    check(st == 200 and body == b'ok\n', '/health says ok')
    st, hdr, body = s.get('/1k')
    check(st == 200 and len(body) == 1024, 'GET /1k returns 1024 bytes')

    # Keep-alive: curl reuses one connection for two URLs, and a Python
    # client keeps the same socket over many requests.
    r = subprocess.run(['curl', '-s', '-v', '--max-time', '20', '-o', '/dev/null', '-o', '/dev/null',
                        url + '/health', url + '/1k'], capture_output=True, text=True)
    check('Re-using existing connection' in r.stderr or 'Reusing existing connection' in r.stderr,
          'curl reuses the connection for a second request')
    c = s.conn()
    c.request('GET', '/health')
    c.getresponse().read()
    sock = c.sock
    for i in range(20):
        c.request('GET', '/1k')
        resp = c.getresponse()
        check(resp.status == 200 and len(resp.read()) == 1024, f'keep-alive request {i + 2} on one connection') \
            if i in (0, 19) else resp.read()
    check(c.sock is sock, '21 requests went over one TCP connection')
    c.close()
    c = s.conn()
    c.request('GET', '/health', headers={'Connection': 'close'})
    resp = c.getresponse()
    check(resp.getheader('Connection') == 'close' and resp.read() == b'ok\n', 'Connection: close is honoured')
    check(s.alive(), 'server still running')
