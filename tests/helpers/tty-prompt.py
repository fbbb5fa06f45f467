#!/usr/bin/env python3
"""tty-prompt.py ANSWER INPUT CMD... - run CMD with INPUT on stdin and a new
pseudo-terminal as its controlling terminal; answer ANSWER when it asks for a
password on the terminal.  Prints what appeared on the terminal to stderr,
exits with CMD's status.  Bounded: gives up after 60 s."""
import os
import pty
import select
import sys
import time

answer, infile, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    # the terminal is the controlling tty; stdin becomes the message
    out = os.open("/dev/null", os.O_WRONLY)
    os.dup2(os.open(infile, os.O_RDONLY), 0)
    os.dup2(out, 1)
    os.execvp(cmd[0], cmd)
seen = b""
answered = False
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        seen += data
        if not answered and b"password" in seen.lower():
            os.write(fd, answer.encode() + b"\n")
            answered = True
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
else:
    os.kill(pid, 9)
    done, status = os.waitpid(pid, 0)
if not done:
    _, status = os.waitpid(pid, 0)
sys.stderr.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
