#!/usr/bin/env python3
"""bs-client.py - drive "postern -bs" the way an application does, with
Python's smtplib (standard library only), for tests/cases/65-bs.sh.

  bs-client.py send SPEC -- CMD...
      Start CMD (e.g. postern -C rc -bs) with pipes on its stdin and stdout,
      read the greeting, EHLO, then send each message of SPEC (a JSON file:
      a list of {"from": A, "to": [B, ...], "data": TEXT, "options": [...]},
      TEXT with LF line ends; smtplib makes them CRLF and dot-stuffs), then
      QUIT.  Prints one line per message: "message N: CODE TEXT" for the
      final reply (or "message N: refused CODE TEXT" when smtplib gave up
      before DATA), the EHLO keywords as "ehlo: KW ...", and at the end
      "exit RC" (CMD's exit status).  The whole run is bounded to 120 s.
  bs-client.py send-all SPEC -- CMD...
      The same, and every reply to MAIL and RCPT as well, accepted or not:
      "message N: mail CODE TEXT", "message N: rcpt ADDR: CODE TEXT".
  bs-client.py idle SECONDS -- CMD...
      Greeting and EHLO over pipes, then send nothing: print the first line
      CMD sends within SECONDS as "reply: LINE" (or "reply: none"), the
      time it took as "after: S", and "exit RC".
  bs-client.py tcp-idle PORT SECONDS
      The same over TCP to 127.0.0.1:PORT (no exit status: "exit -").
  bs-client.py tcp-raw PORT FILE
      Send the bytes of FILE to 127.0.0.1:PORT at once, then print what comes
      back until the server closes (bounded: 30 s).
"""
import json
import os
import select
import smtplib
import socket
import subprocess
import sys
import time


class PipeSMTP(smtplib.SMTP):
    """smtplib over a child process's stdin and stdout instead of a socket."""

    def __init__(self, cmd):
        self.cmd = cmd
        self.proc = None
        super().__init__(timeout=60)

    def connect(self, host="localhost", port=0, source_address=None):
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.sock = None
        self.file = self.proc.stdout
        return self.getreply()

    def send(self, s):
        if isinstance(s, str):
            s = s.encode("ascii")
        try:
            self.proc.stdin.write(s)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise smtplib.SMTPServerDisconnected(str(e))

    def close(self):
        self.file = None
        if self.proc:
            try:
                self.proc.stdin.close()
            except OSError:
                pass


def finish(proc):
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return "killed"


def send(spec_file, cmd, every=False):
    with open(spec_file, encoding="utf-8") as f:
        spec = json.load(f)
    s = PipeSMTP(cmd)
    s.connect()
    code, text = s.ehlo("app.postern.test")
    print("ehlo: " + " ".join(text.decode("ascii", "replace").split("\n")[1:]))
    for n, m in enumerate(spec, 1):
        data = m["data"].replace("\n", "\r\n").encode("utf-8")
        try:
            c, t = s.mail(m["from"], m.get("options", []))
            if every:
                print("message %d: mail %d %s" % (n, c, t.decode("ascii", "replace")))
            if c != 250:
                raise smtplib.SMTPSenderRefused(c, t, m["from"])
            accepted = 0
            for rcpt in m["to"]:
                c, t = s.rcpt(rcpt)
                if c // 100 == 2:
                    accepted += 1
                if c // 100 != 2 or every:
                    print("message %d: rcpt %s: %d %s" % (n, rcpt, c, t.decode("ascii", "replace")))
            if not accepted:
                print("message %d: no recipient accepted" % n)
                s.rset()
                continue
            code, text = s.data(data)
            print("message %d: %d %s" % (n, code, text.decode("ascii", "replace")))
        except smtplib.SMTPResponseException as e:
            print("message %d: refused %d %s" % (n, e.smtp_code, e.smtp_error.decode("ascii", "replace")))
            s.rset()
    try:
        s.quit()
    except smtplib.SMTPServerDisconnected:
        pass
    s.close()
    print("exit %s" % finish(s.proc))


def first_line(readable, read, seconds):
    start = time.monotonic()
    buf = b""
    while b"\n" not in buf:
        left = seconds - (time.monotonic() - start)
        if left <= 0 or not select.select([readable], [], [], left)[0]:
            return "none", time.monotonic() - start
        chunk = read()
        if not chunk:
            return "closed", time.monotonic() - start
        buf += chunk
    return buf.split(b"\n")[0].decode("ascii", "replace").rstrip("\r"), time.monotonic() - start


def read_reply(readable, read):
    """the lines of one reply (the greeting or EHLO's), bounded"""
    buf = b""
    deadline = time.monotonic() + 60
    while True:
        lines = buf.split(b"\r\n")
        if any(len(l) >= 4 and l[3:4] == b" " for l in lines[:-1]):
            return
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([readable], [], [], left)[0]:
            return
        chunk = read()
        if not chunk:
            return
        buf += chunk


def idle(seconds, cmd):
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    fd = p.stdout.fileno()
    rd = lambda: os.read(fd, 4096)
    read_reply(fd, rd)
    p.stdin.write(b"EHLO app.postern.test\r\n")
    p.stdin.flush()
    read_reply(fd, rd)
    line, after = first_line(fd, rd, seconds)
    print("reply: " + line)
    print("after: %.1f" % after)
    p.stdin.close()
    print("exit %s" % finish(p))


def tcp_idle(port, seconds):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    rd = lambda: s.recv(4096)
    read_reply(s, rd)
    s.sendall(b"EHLO app.postern.test\r\n")
    read_reply(s, rd)
    line, after = first_line(s, rd, seconds)
    print("reply: " + line)
    print("after: %.1f" % after)
    s.close()
    print("exit -")


def tcp_raw(port, path):
    with open(path, "rb") as f:
        data = f.read()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(data)
    deadline = time.monotonic() + 30
    out = b""
    while time.monotonic() < deadline:
        r = select.select([s], [], [], deadline - time.monotonic())[0]
        if not r:
            break
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    sys.stdout.write(out.decode("ascii", "replace"))
    s.close()


def main():
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] in ("send", "send-all") and args[2] == "--":
        send(args[1], args[3:], args[0] == "send-all")
    elif len(args) >= 3 and args[0] == "idle" and args[2] == "--":
        idle(float(args[1]), args[3:])
    elif len(args) == 3 and args[0] == "tcp-idle":
        tcp_idle(int(args[1]), float(args[2]))
    elif len(args) == 3 and args[0] == "tcp-raw":
        tcp_raw(int(args[1]), args[2])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
