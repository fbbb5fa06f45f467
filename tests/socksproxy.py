#!/usr/bin/env python3
"""socksproxy.py - a SOCKS5 proxy (RFC 1928) and a Unix-socket relay for the
tests of proxy_host/proxy_port and socket (tests/cases/58-route.sh).
Python standard library only; 127.0.0.1 and Unix sockets only.

Usage
  socksproxy.py --port-file FILE --log FILE [--max-seconds N]
                [--reply CODE | --stall | --auth-required | --garble]
      SOCKS5 on 127.0.0.1, port 0; the port is written to FILE (to a
      temporary name, then renamed).  Each connection: the client's greeting
      must offer method 0 (no authentication); the CONNECT request is logged,
      the host it names (any address type) is resolved here and connected to,
      and bytes are relayed both ways until one side closes.
      --reply CODE   answer every CONNECT with this reply code (1..8, or
                     any byte) instead of connecting
      --stall        accept, read the greeting, never answer
      --auth-required  answer the greeting with 0xFF (no acceptable method)
      --garble       answer the greeting with "HTTP/1.0 400" bytes
  socksproxy.py --unix PATH --forward PORT --log FILE [--max-seconds N]
      Listen on the Unix socket PATH (made mode 0666) and relay each
      connection to 127.0.0.1:PORT.  PATH appears only once it listens.

Log: one JSON object per line and connection, written when the request
was read: {"n": N, "greeting": HEX, "request": HEX, "atyp": 1|3|4,
"host": TEXT, "port": P} (SOCKS), or {"n": N, "unix": true} (relay).
Exits after --max-seconds (default 60), or on SIGTERM.
"""
import argparse
import json
import os
import select
import signal
import socket
import sys
import threading
import time

LOCK = threading.Lock()


def log(path, rec):
    with LOCK:
        with open(path, "a") as f:
            f.write(json.dumps(rec) + "\n")


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def pump(a, b, seconds):
    """Relay bytes between a and b until either closes or time runs out."""
    end = time.monotonic() + seconds
    socks = [a, b]
    while time.monotonic() < end:
        r, _, _ = select.select(socks, [], [], 1.0)
        for s in r:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


def read_greeting(c):
    """The client's greeting: version, number of methods, the methods."""
    head = recv_exact(c, 2)
    return head + recv_exact(c, head[1])


def read_connect(c):
    """The request: (its bytes, address type, host, port)."""
    head = recv_exact(c, 4)
    atyp = head[3]
    if atyp == 1:
        raw = recv_exact(c, 4)
        host = socket.inet_ntop(socket.AF_INET, raw)
    elif atyp == 4:
        raw = recv_exact(c, 16)
        host = socket.inet_ntop(socket.AF_INET6, raw)
    elif atyp == 3:
        n = recv_exact(c, 1)
        raw = n + recv_exact(c, n[0])
        host = raw[1:].decode("utf-8", "replace")
    else:
        raise ValueError("address type %d" % atyp)
    port_raw = recv_exact(c, 2)
    port = int.from_bytes(port_raw, "big")
    return head + raw + port_raw, atyp, host, port


def socks_session(c, n, args):
    greeting = read_greeting(c)
    if args.stall:
        log(args.log, {"n": n, "greeting": greeting.hex(), "stalled": True})
        time.sleep(args.max_seconds)
        return
    if args.auth_required:
        log(args.log, {"n": n, "greeting": greeting.hex()})
        c.sendall(b"\x05\xff")
        return
    if args.garble:
        log(args.log, {"n": n, "greeting": greeting.hex()})
        c.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
        return
    if greeting[0] != 5 or 0 not in greeting[2:]:
        log(args.log, {"n": n, "greeting": greeting.hex(), "refused": True})
        c.sendall(b"\x05\xff")
        return
    c.sendall(b"\x05\x00")
    request, atyp, host, port = read_connect(c)
    log(args.log, {"n": n, "greeting": greeting.hex(), "request": request.hex(),
                   "atyp": atyp, "host": host, "port": port})
    if args.reply is not None:
        c.sendall(bytes([5, args.reply, 0, 1, 0, 0, 0, 0, 0, 0]))
        return
    try:
        up = socket.create_connection((host, port), timeout=10)
    except OSError:
        c.sendall(bytes([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]))
        return
    with up:
        bound = up.getsockname()
        c.sendall(bytes([5, 0, 0, 1]) + socket.inet_aton(bound[0]) + bound[1].to_bytes(2, "big"))
        pump(c, up, args.max_seconds)


def relay_session(c, n, args):
    log(args.log, {"n": n, "unix": True})
    with socket.create_connection(("127.0.0.1", args.forward), timeout=10) as up:
        pump(c, up, args.max_seconds)


def handle(c, n, args):
    with c:
        try:
            if args.unix:
                relay_session(c, n, args)
            else:
                socks_session(c, n, args)
        except (OSError, EOFError, ValueError) as e:
            log(args.log, {"n": n, "error": str(e)})


def listen(args):
    if args.unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        tmp = args.unix + ".tmp"
        if os.path.exists(tmp):
            os.unlink(tmp)
        s.bind(tmp)
        os.chmod(tmp, 0o666)
        s.listen(16)
        os.rename(tmp, args.unix)  # the path appears only once it listens
        return s
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, args.port_file)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file")
    ap.add_argument("--log", required=True)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--reply", type=int)
    ap.add_argument("--stall", action="store_true")
    ap.add_argument("--auth-required", action="store_true")
    ap.add_argument("--garble", action="store_true")
    ap.add_argument("--unix")
    ap.add_argument("--forward", type=int)
    args = ap.parse_args()
    if bool(args.unix) == bool(args.port_file) or (args.unix and not args.forward):
        ap.error("either --port-file, or --unix with --forward")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    s = listen(args)
    end = time.monotonic() + args.max_seconds
    n = 0
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], 0.5)
        if not r:
            continue
        c, _ = s.accept()
        n += 1
        threading.Thread(target=handle, args=(c, n, args), daemon=True).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
