#!/usr/bin/env python3
"""bigsend.py POSTERN SIZE_MB - send a SIZE_MB message through POSTERN to a
minimal SMTP sink on 127.0.0.1 that counts and discards the data, and print
"bytes=N maxrss_kb=M exit=E".  The message is generated on the fly into
postern's stdin, so neither side holds it.  Bounded: 600 s."""
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading

postern, size_mb = sys.argv[1], int(sys.argv[2])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(600)
port = srv.getsockname()[1]
received = {"bytes": 0}


def serve():
    conn, _ = srv.accept()
    conn.settimeout(600)
    f = conn.makefile("rb")
    conn.sendall(b"220 sink ESMTP\r\n")
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.upper()
        if cmd.startswith(b"EHLO"):
            conn.sendall(b"250-sink\r\n250-8BITMIME\r\n250 SIZE\r\n")
        elif cmd.startswith(b"DATA"):
            conn.sendall(b"354 go\r\n")
            tail = b""
            while True:
                chunk = f.read1(1 << 20)
                if not chunk:
                    return
                received["bytes"] += len(chunk)
                tail = (tail + chunk)[-5:]
                if tail == b"\r\n.\r\n":
                    break
            conn.sendall(b"250 2.0.0 kept nothing\r\n")
        elif cmd.startswith(b"QUIT"):
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"250 ok\r\n")


t = threading.Thread(target=serve, daemon=True)
t.start()
rc = tempfile.NamedTemporaryFile("w", delete=False)
rc.write("account default\nhost 127.0.0.1\nport %d\ntls off\nauth off\nfrom a@postern.test\ntimeout 60\n" % port)
rc.close()
os.chmod(rc.name, 0o600)
p = subprocess.Popen([postern, "-C", rc.name, "-i", "b@postern.test"], stdin=subprocess.PIPE)
line = b"x" * 1023 + b"\n"
block = line * 1024  # 1 MiB
p.stdin.write(b"Subject: big\n\n")
for _ in range(size_mb):
    p.stdin.write(block)
p.stdin.close()
code = p.wait(timeout=600)
t.join(timeout=30)
os.unlink(rc.name)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("bytes=%d maxrss_kb=%d exit=%d" % (received["bytes"], rss, code))
