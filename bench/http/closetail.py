#!/usr/bin/env python3
"""bench/http/closetail.py: where the image's slow close-mode requests
spend their time (docs/networking.md, "Close-mode latency tail").

  bench/http/closetail.py [--runs 3] [--duration 10] [--connections 10] [--kernel-opt K=V]

Boots httpd as `lucent run --net` does (same devices, accelerator and
backlog shim), with QEMU's filter-dump recording the guest side of the
user network (headers only), and runs `wrk -H 'Connection: close'` RUNS
times. Then, for every guest-side connection (QEMU's slirp -> 10.0.2.15:80)
it prints how many SYNs it took, how long from the first SYN to the
guest's SYN-ACK, and what the guest sent back to the SYNs it did not
accept; and the host's TCP counters (nstat) over the runs.
"""
import argparse
import collections
import os
import re
import struct
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as bench  # noqa: E402  bench/http/run.py (load_launcher, parse_wrk, WRK_LUA)

SYN, ACK, RST, FIN = 0x02, 0x10, 0x04, 0x01


def packets(path):
    """(time s, src, sport, dst, dport, flags, seq, ack) for each TCP/IPv4 frame of a pcap."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack_from('<I', data)[0]
    end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    scale = 1e-9 if magic in (0xa1b23c4d, 0x4d3cb2a1) else 1e-6
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack_from(end + 'IIII', data, off)
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 54 or frame[12:14] != b'\x08\x00' or frame[23] != 6:
            continue
        ihl = (frame[14] & 15) * 4
        tcp = 14 + ihl
        if len(frame) < tcp + 14:
            continue
        sport, dport, seq, ack = struct.unpack_from('>HHII', frame, tcp)
        yield (sec + frac * scale, frame[26:30], sport, frame[30:34], dport, frame[tcp + 13], seq, ack)


def nstat():
    out = subprocess.run(['nstat', '-az'], capture_output=True, text=True).stdout
    return {m[0]: int(m[1]) for m in re.findall(r'^(\S+)\s+(\d+)', out, re.M)}


def flag_names(flags):
    return '/'.join(n for bit, n in ((SYN, 'SYN'), (FIN, 'FIN'), (RST, 'RST'), (0x08, 'PSH'), (ACK, 'ACK'))
                    if flags & bit)


def guest_stats(port):
    """httpd's /stats (lwIP's and the driver's counters) as a dict."""
    import urllib.request
    with urllib.request.urlopen(f'http://127.0.0.1:{port}/stats', timeout=20) as r:
        text = r.read().decode()
    return {m[0]: int(m[1]) for m in re.findall(r'^(\S+) (\d+)$', text, re.M)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--duration', type=int, default=10)
    ap.add_argument('--connections', type=int, default=10)
    ap.add_argument('--kernel-opt', action='append', default=[])
    ap.add_argument('--pcap', help='only read a capture made before')
    a = ap.parse_args()
    if a.pcap:
        return analyze(a.pcap)
    bench.need.command('closetail', 'wrk', 'wrk')
    bench.need.command('closetail', 'nstat', 'iproute2')
    L = bench.load_launcher()
    from launcher import channels as lucent_channels
    from launcher import net as lucent_net
    tmp = tempfile.mkdtemp(prefix='closetail-')
    pcap = os.path.join(tmp, 'guest.pcap')
    script = os.path.join(tmp, 'tail.lua')
    with open(script, 'w') as f:
        f.write(bench.WRK_LUA)
    port = bench.free_port()
    run_dir = lucent_channels.RunDir('closetail')
    net = lucent_net.setup(types.SimpleNamespace(net=True, port=port, net_bind='127.0.0.1', quiet=True,
                                                 kernel_opt=a.kernel_opt), False, lambda m: None)[1]
    extra = lucent_channels.qemu_args(run_dir, tcg=not L.kvm_usable()) + net
    extra += ['-object', f'filter-dump,id=dump0,netdev=n0,file={pcap},maxlen=80']
    run = L.Run(os.path.join(bench.BUILD, 'image', 'httpd'), [], run_dir=run_dir.path,
                kernel_opts=a.kernel_opt, extra_qemu=extra).start()
    url = f'http://127.0.0.1:{port}/1k'
    try:
        if bench.wait_http(url, 60, run.proc) is None:
            sys.exit('closetail: httpd did not come up')
        before, stats0 = nstat(), guest_stats(port)
        for i in range(a.runs):
            out = subprocess.run(['wrk', '-t1', f'-c{a.connections}', f'-d{a.duration}s', '--latency', '--timeout',
                                  '10s', '-s', script, '-H', 'Connection: close', url],
                                 capture_output=True, text=True).stdout
            print(f'run {i + 1}: {bench.fmt(bench.parse_wrk(out))}', flush=True)
        after, stats1 = nstat(), guest_stats(port)
    finally:
        run.kill()
        run.proc.wait()
        run_dir.close()
    moved = {k: after[k] - before.get(k, 0) for k in after
             if after[k] != before.get(k, 0) and re.search(r'Overflow|Drop|Retrans|Timeout|Reset|Rst|Syn', k)}
    print('host TCP counters over the runs (nstat): ' + (', '.join(f'{k} +{v}' for k, v in moved.items()) or 'none'))
    moved = {k: v - stats0.get(k, 0) for k, v in stats1.items()
             if v != stats0.get(k, 0) and re.search(r'drop|err|rterr|time_wait', k)}
    print('guest counters over the runs (/stats): ' + (', '.join(f'{k} +{v}' for k, v in moved.items()) or 'none') +
          f"; TIME_WAIT PCBs at the end {stats1.get('tcp.pcbs.time_wait')}")
    analyze(pcap)
    print(f'capture: {pcap} ({os.path.getsize(pcap)} bytes); remove {tmp} when done '
          f'(bench/http/closetail.py --pcap {pcap} reads it again)')


def analyze(pcap):
    """What the guest-side capture says about each connection's start."""
    guest = bytes([10, 0, 2, 15])
    conns = collections.defaultdict(lambda: {'syn': [], 'synack': None, 'answers': []})
    for t, src, sport, dst, dport, flags, seq, ack in packets(pcap):
        if dst == guest and dport == 80 and flags & SYN and not flags & ACK:
            c = conns[sport]
            if c['synack'] is not None:      # a new connection on a port seen before
                conns[('old', sport, c['syn'][0])] = c
                c = conns[sport] = {'syn': [], 'synack': None, 'answers': []}
            c['syn'].append(t)
        elif src == guest and sport == 80:
            c = conns.get(dport)
            if c is None or not c['syn']:
                continue
            if flags & SYN and flags & ACK and c['synack'] is None:
                c['synack'] = t
            elif c['synack'] is None:
                c['answers'].append('RST' if flags & RST else 'ACK' if flags & ACK else hex(flags))
    # SYNs sent before the guest first answered one are the launcher's
    # readiness probe hitting a guest still booting: not load.
    up = min((c['synack'] for c in conns.values() if c['synack'] is not None), default=0)
    boot = [c for c in conns.values() if c['syn'] and c['syn'][0] < up]
    done = [c for c in conns.values() if c['syn'] and c['syn'][0] >= up]
    if boot:
        print(f'before the guest was up: {len(boot)} connection(s) whose first SYN went unanswered (not counted)')
    retried = [c for c in done if len(c['syn']) > 1]
    never = [c for c in done if c['synack'] is None]
    print(f'guest side: {len(done)} connections, {len(retried)} needed more than one SYN, '
          f'{len(never)} never got a SYN-ACK in the capture')
    waits = sorted(c['synack'] - c['syn'][0] for c in done if c['synack'] is not None)
    if waits:
        print(f'  first SYN -> SYN-ACK: median {waits[len(waits) // 2] * 1e3:.2f} ms, '
              f'max {waits[-1] * 1e3:.0f} ms; over 1 s: {sum(w > 1 for w in waits)}')
    gaps = collections.Counter(round(c['syn'][i + 1] - c['syn'][i], 1) for c in retried for i in range(len(c['syn']) - 1))
    if gaps:
        print('  gaps between SYN retransmits (s: count): ' + ', '.join(f'{g}: {n}' for g, n in sorted(gaps.items())))
    answers = collections.Counter(x for c in retried for x in c['answers'])
    if retried:
        print('  what the guest sent to the SYNs it did not accept: ' +
              (', '.join(f'{k} x{v}' for k, v in answers.items()) or 'nothing'))
    # A SYN the guest answers with a bare ACK met a PCB of its own in
    # TIME_WAIT for the same addresses and ports: lwIP 2.1 (tcp_in.c,
    # tcp_timewait_input) acknowledges an out-of-window SYN there and keeps
    # the PCB. How long after that port's previous connection ended?
    last_seen, pending, ages, example, shown, reuse = {}, {}, [], None, [], []
    trace = collections.defaultdict(lambda: collections.deque(maxlen=12))
    for t, src, sport, dst, dport, flags, seq, ack in packets(pcap):
        port = dport if src == guest else sport
        if 80 not in (sport, dport):
            continue
        trace[port].append((t, 'guest' if src == guest else 'slirp', flags, seq, ack))
        if port == example and len(shown) < 24:
            shown.append(trace[port][-1])
        if src == guest and flags == ACK and port in pending:
            ages.append(pending.pop(port))
            if example is None:
                example, shown = port, list(trace[port])
        elif src != guest and flags & SYN and not flags & ACK and port in last_seen and port not in pending:
            pending[port] = t - last_seen[port]
            reuse.append(t - last_seen[port])
        if src == guest and flags & FIN:
            last_seen[port] = t
            pending.pop(port, None)
        elif src == guest and flags & SYN:
            pending.pop(port, None)
    ages.sort()
    # The host frees a client port at once (the guest closed first, so no
    # TIME_WAIT holds it there), and wrk's next connect may take it again.
    print(f'client ports used again: {len(reuse)} times; within 0.5 s of the guest closing the previous '
          f'connection: {sum(r < 0.5 for r in reuse)}, within 2 s: {sum(r < 2 for r in reuse)}, '
          f'within 20 s (lwIP\'s TIME_WAIT, 2 x TCP_MSL): {sum(r < 20 for r in reuse)}')
    print(f'SYNs that met the guest\'s TIME_WAIT (answered with a bare ACK): {len(ages)}' +
          (f', {ages[0] * 1e3:.0f}-{ages[-1] * 1e3:.0f} ms (median {ages[len(ages) // 2] * 1e3:.0f}) after the '
           'guest closed the previous connection on that port' if ages else ''))
    if example is not None:
        t0 = shown[0][0]
        print(f'  the first, port {example}, as captured (s, sender, flags, seq, ack):' +
              ''.join(f'\n    {t - t0:8.3f} {who:5} {flag_names(fl):8} {sq} {ak}' for t, who, fl, sq, ak in shown))
    # A guest that missed a receive notification sends nothing until the
    # next frame arrives; a guest that dropped one SYN keeps serving the
    # other connections. Silences in what the guest sends tell them apart.
    frames = [(t, src == guest) for t, src, *_ in packets(pcap) if t >= up]
    silences, last_out, came_in = [], None, 0
    for t, out in frames:
        if out:
            if last_out is not None and t - last_out > 0.5:
                silences.append((last_out - up, t - last_out, came_in))
            last_out, came_in = t, 0
        else:
            came_in += 1
    print(f'guest silences over 0.5 s while serving: {len(silences)}' +
          ''.join(f'\n  at +{s0:.1f} s for {d * 1e3:.0f} ms, {n} frames in meanwhile' for s0, d, n in silences[:10]))


if __name__ == '__main__':
    main()
