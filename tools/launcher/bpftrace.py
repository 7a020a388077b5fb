"""`lucent bpftrace`: runs tools/bpftrace's lucent-bpftrace from the host
build (docs/bpftrace.md). An app name (`lucent bpftrace httpd -- --port 8081`)
becomes that app's hostbuild executable; a PID or a path goes as is."""
import os
import sys


def main(argv, build_root, find_program):
    tool = os.path.join(build_root, 'host', 'tools', 'bpftrace', 'lucent-bpftrace')
    if not os.access(tool, os.X_OK):
        print(f'lucent: error: {tool} not built: it needs clang, bpftool, libbpf-dev and kernel BTF '
              f'(see the "Host tools" part of `meson setup`\'s summary; tools/setup installs them)',
              file=sys.stderr)
        return 125
    args = list(argv)
    # options come first; the first other word is the PID or BINARY
    i = 0
    while i < len(args) and args[i].startswith('-') and args[i] != '--':
        i += 2 if args[i] in ('--out', '--duration') else 1
    if i < len(args) and args[i] == '--':
        i += 1
    if i < len(args) and not args[i].isdigit() and '/' not in args[i] and not os.path.exists(args[i]):
        path = find_program(args[i], 'host')
        if path:
            rest = args[i + 1:]
            args[i:] = [path] + (rest[1:] if rest[:1] == ['--'] else rest)
    os.execv(tool, [tool] + args)
