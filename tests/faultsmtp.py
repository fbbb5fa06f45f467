#!/usr/bin/env python3
"""faultsmtp.py - a scripted SMTP server that misbehaves on purpose.

Used by tests/cases/70-faults.sh to check what postern does when a server
refuses, garbles, stalls or hangs up at any step of the dialogue.  Python
standard library only.

Usage
  faultsmtp.py --port-file FILE --log FILE [--tls-cert PEM --tls-key PEM]
               [--max-seconds N] [--summary-file FILE] [--message-dir DIR]
               [--wait-scenario] SCENARIO
      Bind 127.0.0.1 on a free port (port 0), write the port number to
      --port-file (written to a temporary name and renamed, so a reader never
      sees half of it), then serve connections one after another, each played
      by SCENARIO.  Exits by itself after --max-seconds (default 60), or on
      SIGTERM/SIGINT; the connection in progress is still logged.
      --summary-file FILE appends each connection's summary (see below) to
      FILE as it is logged, --message-dir DIR writes the message received
      on connection N to DIR/N.msg (so a test needs no second process).
      --wait-scenario: SCENARIO is a file that need not exist yet; wait for
      it (at most --max-seconds, then fail), and only then bind and serve.
      A test can so start the next server while it runs the current one,
      hiding Python's start-up time; write the file elsewhere and rename it.
  faultsmtp.py --summary LOG
      The log as text, for grep (see "Summary" below).
  faultsmtp.py --message LOG N
      The message received on connection N (un-dot-stuffed) on stdout;
      exit 1 when that connection has no complete message.

SCENARIO
  A file holding one JSON object, or the JSON object itself as the argument
  (when it starts with "{").  Keys are option names or step names; an unknown
  key is an error (exit 2), so that a typo cannot silently test nothing.

  Options
    "hostname": "smtp.postern.test"   name used in the default replies
    "caps": [...]      EHLO keywords before TLS.  Default: PIPELINING,
                       SIZE 10000000, 8BITMIME, ENHANCEDSTATUSCODES, and
                       STARTTLS when --tls-cert is given
    "caps_tls": [...]  EHLO keywords inside TLS.  Default: PIPELINING,
                       SIZE 10000000, 8BITMIME, ENHANCEDSTATUSCODES,
                       AUTH PLAIN LOGIN
    "implicit_tls": true   TLS handshake right after accept (SMTPS)
    "lmtp": true       an LMTP server (RFC 2033): greets "220 HOST LMTP",
                       answers LHLO, refuses EHLO and HELO (500), and after
                       the message sends one reply per accepted recipient,
                       in RCPT order (the "dot" steps)
    "batch_replies": S     reply as an RFC 2920 server does: replies are
                       queued and sent together once the client has sent
                       everything it had, i.e. when nothing more arrives
                       within S seconds (0 < S <= 5).  Each such send is a
                       "flush"; the number of flushes of a connection is the
                       number of times the client waited for the server.
                       Without it every reply is sent at once
    "rcvbuf": N        (top level only) the receive buffer of every
                       connection (default 131072): a small one keeps few
                       bytes in flight, so that a server that reads slowly
                       slows the client down at once
    "tls_version": "1.2"|"1.3"
                       TLS (STARTTLS or implicit) with this version only
                       (default: 1.2 or 1.3, as the client prefers)
    "scram": {"user": U, "password": P, "iterations": 4096, "mode": M}
                       AUTH SCRAM-SHA-1, SCRAM-SHA-256 and their -PLUS forms
                       are served for real (tests/scramsrv.py; list them in
                       "caps_tls", e.g. "AUTH SCRAM-SHA-256-PLUS
                       SCRAM-SHA-1-PLUS" for a server offering only -PLUS):
                       the client's proof is verified against P (used as
                       given, no SASLprep), and with -PLUS its channel
                       binding: tls-unique or tls-exporter (RFC 9266, from
                       OpenSSL through ctypes; checked at start-up, exit 2
                       where it cannot be) of this very connection.  A
                       client that sends "y" although -PLUS was offered is
                       refused (a downgrade).  Failures answer
                       "535 5.7.8 Error: authentication failed: WHY" (WHY:
                       invalid-proof, channel-bindings-dont-match, unknown
                       user, ...).  M:
                         "ok"            334 with the server-final (v=),
                                         then 235 after the client's empty
                                         line (501 when it sends "*")
                         "bad_signature" the same with a wrong v=
                         "no_final"      235 at once, no server-final
                         "cb_mismatch"   the server's channel binding
                                         differs from the client's (as
                                         behind a man in the middle): 535
                       The log's "scram" lists each exchange: mech, tls
                       (version), cbind (the gs2 flag), binding, proof
                       (ok/bad/null), user, result; the summary has a line
                       "scram N tls=... mech=... cbind=... binding=...
                       proof=... user=... result=..." per exchange
    "oauth_introspect": URL   check the secret of AUTH PLAIN (the password),
                       XOAUTH2 and OAUTHBEARER (the Bearer token), sent as
                       an initial response, with an RFC 7662 introspection
                       endpoint (tests/oauthserver.py's /introspect): 235
                       when it says active, else 535 5.7.8 (XOAUTH2 and
                       OAUTHBEARER: first a 334 with the JSON error
                       challenge, as Gmail sends it).  "oauth_ca": the CA
                       file for URL.  XOAUTH2 and OAUTHBEARER are then
                       offered in "caps_tls"'s default
    "rcpt_limit": N    take at most N recipients per transaction, as
                       Postfix's smtpd_recipient_limit: any RCPT after N
                       accepted ones is answered "452 4.5.3 Error: too
                       many recipients", whatever the steps say
    "connections": {"1": {...}, "2": {...}}
                       per connection: the object for connection N (counted
                       from 1) is merged over the top level, so connection 1
                       may answer 421 while connection 2 behaves normally

  Steps (what the server does at each point of the dialogue)
    "greeting"     on connect, instead of "220 HOST ESMTP faultsmtp"
    "ehlo" "helo"  reply to EHLO / HELO
    "starttls"     reply to STARTTLS (default 220, or 454 without a cert);
                   after a reply starting with 220 the handshake follows
    "tls"          the TLS handshake itself (after STARTTLS 220, or on
                   connect with implicit_tls): "stall", "drop" or "raw"
                   (bytes sent instead of a handshake, then closed) apply
    "auth"         reply to the AUTH command line.  Defaults: PLAIN with an
                   initial response -> 235; PLAIN without -> "334 "; LOGIN ->
                   "334 VXNlcm5hbWU6"; CRAM-MD5 -> 334 and a challenge;
                   anything else -> 504
    "auth:K"       reply to the K-th client line after the AUTH command
                   (K from 1) while an exchange is open (after any 334)
    "mail"         reply to MAIL FROM
    "mail:K"       reply to the K-th MAIL FROM of the connection (K from 1)
    "rcpt:K"       reply to the K-th RCPT TO of the connection (K from 1)
    "rcpt:ADDR"    reply to RCPT TO:<ADDR> (case-insensitive)
    "rcpt"         reply to any other RCPT TO
    "data"         reply to DATA (default 354; 503 without a successful
                   MAIL, 554 5.5.1 without an accepted RCPT, as Postfix does)
    "body"         while the message is received: {"stall": S} stops
                   reading for S seconds before the body ({"stall": S,
                   "stall_after": N}: after N bytes of it), so that the
                   client's writes back up; {"drop_after": N} reads N bytes
                   of the body, then drops ("drop" says how, default
                   "close").  Neither happens if the message ends first.
                   {"trickle": S, "trickle_bytes": B} reads the body B
                   bytes at most (default 1) every S seconds, as a server
                   that reads slowly but never stops
    "dot"          the final reply after <CRLF>.<CRLF> (default 250); with
                   "lmtp", the reply for each accepted recipient; also the
                   reply to "BDAT n LAST" (RFC 3030), after its octets
    "bdat" "bdat:K"  reply to a BDAT chunk that is not the LAST one (K: the
                   K-th chunk of the transaction, from 1), sent once its
                   octets are read (default "250 2.0.0 N octets received";
                   503 without MAIL, 554 without a recipient).  After a
                   refused chunk the transaction is over: later chunks are
                   read and answered 503 5.5.1.  Offer CHUNKING (and
                   BINARYMIME) through "caps"/"caps_tls".  The chunks'
                   octets, joined, are the message (not un-stuffed)
    "bdat_early"   played on each BDAT command line before its octets are
                   read (default: nothing): a server that answers early,
                   e.g. {"reply": "552 ...", "drop": "close"}
    "dot:K" "dot:ADDR"  with "lmtp": the reply for the K-th accepted
                   recipient (K from 1), or for <ADDR>, after the message
    "lhlo"         with "lmtp": reply to LHLO (default: as to EHLO)
    "etrn"         reply to ETRN (default "250 Queuing started"; offered
                   only when "caps" lists ETRN, but answered anyway)
    "rset" "quit" "noop"   replies to those commands
    "other"        reply to any other command (default 502)

  Actions (the value of a step)
    "250 text"               a reply; "\\n" separates the lines of a
                             multi-line reply, each sent with CRLF
    ["250-a", "250 b"]       the same as a list of lines
    {"reply": STR|LIST}      as above
    {"raw": "..."}           bytes sent exactly as given (each character a
                             byte, U+0000..U+00FF), e.g. "hello\\r\\n" or a
                             reply followed by injected bytes
    {"raw_b64": "..."}       bytes sent exactly, base64
    {"trickle": SECONDS}     send the reply one byte every SECONDS (each
                             pause bounded as a stall's; ends early when the
                             client closes, and when --max-seconds is up):
                             a reply that keeps coming, never complete
    {"stall": SECONDS}       wait first (at most 30 s and never past
                             --max-seconds; ends early when the client
                             closes); then the reply (the default one when
                             the object gives none)
    {"drop": "close"|"rst"}  end the connection after what comes before it
                             (stall, reply); "rst" sets SO_LINGER 0 so the
                             kernel sends a TCP reset.  Without "reply" or
                             "raw", nothing is sent first
    null                     the default
  Keys combine in the order stall, reply/raw (trickled or not), drop:
  {"stall": 5} is a late default reply, {"reply": "250 ok", "drop": "close"}
  hangs up after a 250.

  OAuth refusals need no option, only steps ("auth" answers the AUTH line
  whatever the mechanism, "auth:1" the client's next line):
    Gmail: {"caps_tls": ["AUTH XOAUTH2 OAUTHBEARER"],
            "auth": "334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==",
            "auth:1": "535-5.7.8 Username and Password not accepted.\n535 5.7.8 ..."}
    Microsoft: {"caps_tls": ["AUTH LOGIN XOAUTH2"],
            "auth": "535 5.7.3 Authentication unsuccessful"} (or 535 5.7.139,
            550 5.7.30 ...)

  Example: refuse the first recipient, stall the final reply:
    {"rcpt:1": "550 5.1.1 <x@y>: Recipient address rejected",
     "dot": {"stall": 10}}

Log (--log): one JSON object per connection, appended when it ends:
  connection  N (from 1)
  tls         whether TLS was established
  commands    every line the client sent outside the message, in order (AUTH
              lines included as received): {"line", "read", "pipelined",
              "turn"}.  "read" numbers the recv() that completed the line
              (lines with the same number arrived together), "pipelined" is
              true when the line arrived before the server had sent its reply
              to the client's previous turn.  The message body counts as a
              turn and appears as a line "<message N bytes>" with "body": true.
              "flush": how many flushes the server had made when the line
              arrived
  replies     what the server sent, one string per reply (cut at 300 bytes)
  flushes     how many times the server sent what it had (see batch_replies;
              without it, one per reply)
  message_complete  a whole message up to <CRLF>.<CRLF> was received
  message_b64       that message (un-dot-stuffed, without the final dot
                    line), base64; null when none
  message_bytes     its length; body_bytes: raw body bytes received
  transactions  one {"rcpt": [...], "accepted": bool} per complete
              message, in order: the recipients the transaction had accepted
              (lower case) and whether its final reply was 2xx
  accepted    the final reply after the dot was 2xx (with "lmtp": every
              recipient's reply was, and each was sent)
  verdicts    with "lmtp": the codes sent after the dot, in order
  injected    bytes the client sent after STARTTLS before the handshake
  end         how the connection ended: "quit", "client closed", "client
              reset", "dropped (close)", "dropped (rst)", "idle timeout",
              "tls failed: ...", "stopped"

Summary (--summary): for each connection
  connection N tls=yes|no complete=yes|no accepted=yes|no body_bytes=B flushes=F end=...
  command N read=R flush=F pipe|wait LINE  (one per command line)
  transaction N accepted=yes|no ADDR,ADDR...  (one per complete message)
"""

import argparse
import base64
import json
import os
import re
import select
import signal
import socket
import ssl
import struct
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scramsrv  # noqa: E402  (next to this file)

MAX_STALL = 30.0
MAX_LINE = 1 << 20        # a client line longer than this ends the connection
MAX_MESSAGE = 64 << 20    # bound on the message kept in memory
RCVBUF = 128 << 10

OPTIONS = {"hostname", "caps", "caps_tls", "implicit_tls", "batch_replies", "connections",
           "rcvbuf", "lmtp", "scram", "tls_version", "oauth_introspect", "oauth_ca", "rcpt_limit"}
SCRAM_KEYS = {"user", "password", "iterations", "mode"}
STEPS = {"greeting", "ehlo", "helo", "starttls", "tls", "auth", "mail", "rcpt",
         "data", "body", "dot", "rset", "quit", "noop", "other", "lhlo", "etrn", "bdat",
         "bdat_early"}
ACTION_KEYS = {"reply", "raw", "raw_b64", "stall", "drop", "drop_after", "stall_after",
               "trickle", "trickle_bytes"}


class Ended(Exception):
    """The connection is over; the argument says how."""


def valid_key(key):
    if key in OPTIONS or key in STEPS:
        return True
    if re.fullmatch(r"mail:[1-9][0-9]*", key):
        return True
    return bool(re.fullmatch(r"auth:[1-9][0-9]*|rcpt:[1-9][0-9]*|rcpt:.+@.+|rcpt:[^0-9].*"
                             r"|dot:[1-9][0-9]*|dot:.+@.+|bdat:[1-9][0-9]*", key))


def check_scenario(scen, where="scenario"):
    if not isinstance(scen, dict):
        raise ValueError("%s: not a JSON object" % where)
    for key, value in scen.items():
        if not valid_key(key):
            raise ValueError("%s: unknown key %r" % (where, key))
        if key == "connections":
            if not isinstance(value, dict):
                raise ValueError("%s: connections must be an object" % where)
            for n, sub in value.items():
                if not n.isdigit():
                    raise ValueError("%s: connection key %r is not a number" % (where, n))
                if isinstance(sub, dict) and "connections" in sub:
                    raise ValueError("%s: nested connections" % where)
                check_scenario(sub, "%s: connection %s" % (where, n))
        elif key == "batch_replies":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 5:
                raise ValueError("%s: batch_replies is a number of seconds, 0 < N <= 5" % where)
        elif key in ("implicit_tls", "lmtp"):
            if not isinstance(value, bool):
                raise ValueError("%s: %s is true or false" % (where, key))
        elif key == "scram":
            check_scram(value, where)
        elif key == "tls_version":
            if value not in ("1.2", "1.3"):
                raise ValueError("%s: tls_version is \"1.2\" or \"1.3\"" % where)
        elif key in ("rcvbuf", "rcpt_limit"):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError("%s: %s is a positive number" % (where, key))
        elif key in ("caps", "caps_tls"):
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise ValueError("%s: %s must be a list of strings" % (where, key))
        elif key not in OPTIONS:
            if isinstance(value, dict):
                bad = set(value) - ACTION_KEYS
                if bad:
                    raise ValueError("%s: %s: unknown action keys %s" % (where, key, sorted(bad)))
                if value.get("drop") not in (None, "close", "rst"):
                    raise ValueError("%s: %s: drop is close or rst" % (where, key))
            elif value is not None and not isinstance(value, (str, list)):
                raise ValueError("%s: %s: an action is a string, a list or an object" % (where, key))


def check_scram(value, where):
    if not isinstance(value, dict) or set(value) - SCRAM_KEYS:
        raise ValueError("%s: scram is an object with keys %s" % (where, sorted(SCRAM_KEYS)))
    if value.get("mode", "ok") not in scramsrv.MODES:
        raise ValueError("%s: scram mode is one of %s" % (where, ", ".join(scramsrv.MODES)))
    if not isinstance(value.get("user"), str) or not isinstance(value.get("password"), str):
        raise ValueError("%s: scram needs user and password (strings)" % where)


def uses_scram(scen):
    return "scram" in scen or any("scram" in c for c in scen.get("connections", {}).values())


def load_scenario(arg):
    text = arg if arg.lstrip().startswith("{") else open(arg, encoding="utf-8").read()
    scen = json.loads(text)
    check_scenario(scen)
    return scen


def for_connection(scen, n):
    merged = {k: v for k, v in scen.items() if k != "connections"}
    merged.update(scen.get("connections", {}).get(str(n), {}))
    return merged


def reply_code(data):
    """The three-digit code a sent reply starts with, or None."""
    if len(data) >= 3 and data[:3].isdigit():
        return int(data[:3])
    return None


class Session:
    def __init__(self, sock, n, scen, ctx, deadline):
        self.sock = sock
        self.n = n
        self.scen = scen
        self.ctx = ctx
        self.deadline = deadline
        self.host = scen.get("hostname", "smtp.postern.test")
        self.buf = b""
        self.marks = []          # (end offset in buf, read number, replies made, flushes)
        self.reads = 0
        self.replies_sent = 0    # replies made (sent, or queued with batch_replies)
        self.flushes = 0         # times the server sent what it had for the client
        self.batch = scen.get("batch_replies")
        self.out = b""           # replies queued with batch_replies
        self.turn = 0
        self.tls = False
        self.mail_ok = False
        self.rcpt_ok = 0
        self.rcpt_n = 0
        self.rcpt_addrs = []     # the accepted recipients of the transaction
        self.lmtp = bool(scen.get("lmtp"))
        self.auth = None         # open exchange: {"mech", "have", "k"}
        self.scram = None        # open SCRAM exchange: [scramsrv.Exchange, stage]
        self.exporter = None     # scramsrv.Exporter, set by serve()
        self.last_code = None    # of the last reply sent by act()
        self.start = time.monotonic()
        self.rec = {"connection": n, "tls": False, "commands": [], "replies": [],
                    "message_complete": False, "message_b64": None, "message_bytes": 0,
                    "body_bytes": 0, "accepted": False, "injected": None, "end": None,
                    "flushes": 0, "verdicts": [], "transactions": []}

    # ---- time ----
    def left(self):
        return max(0.0, self.deadline - time.monotonic())

    # ---- input ----
    def _recv(self, timeout, size=65536):
        """One recv into the buffer; False on timeout.  Raises Ended on EOF."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(size)
        except (socket.timeout, ssl.SSLWantReadError):
            return False
        except ConnectionResetError:
            raise Ended("client reset")
        except (ssl.SSLError, OSError) as e:
            raise Ended("client error: %s" % e)
        if not data:
            raise Ended("client closed")
        self.reads += 1
        self.buf += data
        self.marks.append((len(self.buf), self.reads, self.replies_sent, self.flushes))
        return True

    def readable(self, timeout):
        """Whether input is waiting (or arrives within timeout)."""
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return True
        r, _, _ = select.select([self.sock], [], [], timeout)
        return bool(r)

    def fill(self):
        # an RFC 2920 server: replies go out when the client has sent all it
        # had (nothing more within batch_replies seconds)
        if self.out and not self.readable(self.batch):
            self.flush()
        if not self._recv(max(0.05, self.left())):
            raise Ended("idle timeout")

    def consume(self, n):
        """Take n bytes off the buffer; the mark of the recv that completed them."""
        mark = next((m for m in self.marks if m[0] >= n),
                    (n, self.reads, self.replies_sent, self.flushes))
        data, self.buf = self.buf[:n], self.buf[n:]
        self.marks = [(e - n, r, s, f) for (e, r, s, f) in self.marks if e - n > 0]
        return data, mark

    def readline(self):
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                raise Ended("client line too long")
            self.fill()
        data, mark = self.consume(self.buf.index(b"\n") + 1)
        line = data.rstrip(b"\r\n").decode("utf-8", "replace")
        self.note(line, mark)
        return line

    def note(self, line, mark, body=False):
        entry = {"line": line, "read": mark[1], "pipelined": mark[2] < self.turn + 1,
                 "turn": self.turn, "flush": mark[3]}
        if body:
            entry["body"] = True
        self.rec["commands"].append(entry)
        self.turn += 1

    # ---- output ----
    def send(self, data):
        self.replies_sent += 1
        self.rec["replies"].append(data[:300].decode("latin-1"))
        self.out += data
        if not self.batch:
            self.flush()

    def flush(self):
        if not self.out:
            return
        data, self.out = self.out, b""
        self.flushes += 1
        self.rec["flushes"] = self.flushes
        try:
            self.sock.settimeout(max(0.05, min(10.0, self.left())))
            self.sock.sendall(data)
        except ConnectionResetError:
            raise Ended("client reset")
        except (socket.timeout, OSError) as e:
            raise Ended("send failed: %s" % e)

    def stall(self, seconds):
        """Wait, reading whatever arrives; ends early when the client closes."""
        self.flush()
        end = time.monotonic() + min(float(seconds), MAX_STALL, self.left())
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
                self._recv(0.05)
                continue
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                self._recv(0.05)

    def trickle(self, data, seconds):
        """Send data one byte every `seconds`, reading whatever arrives
        meanwhile (as stall does); ends early when the client closes."""
        self.flush()
        self.replies_sent += 1
        self.rec["replies"].append(data[:300].decode("latin-1"))
        self.flushes += 1
        self.rec["flushes"] = self.flushes
        for i in range(len(data)):
            if self.left() <= 0:
                raise Ended("stopped while trickling")
            try:
                self.sock.settimeout(max(0.05, min(10.0, self.left())))
                self.sock.sendall(data[i:i + 1])
            except ConnectionResetError:
                raise Ended("client reset")
            except (socket.timeout, OSError) as e:
                raise Ended("send failed: %s" % e)
            self.stall(seconds)

    def sip(self, size, seconds):
        """Read at most size bytes, then nothing for `seconds` (a server
        that reads slowly); ends early when the client closes."""
        if not self._recv(max(0.05, self.left()), size):
            raise Ended("idle timeout")
        self.quiet_stall(seconds)

    def quiet_stall(self, seconds):
        """Wait without reading (the client's writes back up); ends early
        when the client shuts its side down."""
        self.flush()
        end = time.monotonic() + min(float(seconds), MAX_STALL, self.left())
        p = select.poll()
        p.register(self.sock.fileno(), getattr(select, "POLLRDHUP", 0x2000) | select.POLLHUP)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            if p.poll(min(left, 0.5) * 1000):
                raise Ended("client closed")

    def drop(self, how):
        try:
            self.flush()
        except Ended:
            pass
        if how == "rst":
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        try:
            self.sock.close()
        except OSError:
            pass
        raise Ended("dropped (%s)" % how)

    # ---- actions ----
    def lookup(self, *keys):
        for key in keys:
            if key in self.scen and self.scen[key] is not None:
                return self.scen[key]
        return None

    def mail_keys(self):
        """The steps for a MAIL FROM: the one for its number on the
        connection first, then "mail"."""
        self.mail_n = getattr(self, "mail_n", 0) + 1
        return ("mail:%d" % self.mail_n, "mail")

    @staticmethod
    def lines_bytes(reply):
        lines = reply.split("\n") if isinstance(reply, str) else list(reply)
        return b"".join(l.encode("utf-8") + b"\r\n" for l in lines)

    def act(self, keys, default):
        """Play the action for the first of keys that the scenario has, or the
        default reply.  The code of what was sent (None if nothing was)."""
        if isinstance(keys, str):
            keys = (keys,)
        action = self.lookup(*keys)
        if action is None or isinstance(action, (str, list)):
            action = {"reply": action if action is not None else default}
        if "stall" in action:
            self.stall(action["stall"])
        data = None
        if "raw" in action:
            data = action["raw"].encode("latin-1")
        elif "raw_b64" in action:
            data = base64.b64decode(action["raw_b64"])
        elif "reply" in action:
            data = self.lines_bytes(action["reply"])
        elif "drop" not in action:
            data = self.lines_bytes(default)
        self.last_code = reply_code(data) if data is not None else None
        if data is not None and "trickle" in action:
            code, self.last_code = self.last_code, None  # sent once its last byte is
            self.trickle(data, action["trickle"])
            self.last_code = code
        elif data is not None:
            self.send(data)
        if "drop" in action:
            self.drop(action["drop"])
        return self.last_code

    # ---- TLS ----
    def start_tls(self):
        self.flush()
        action = self.lookup("tls") or {}
        if not isinstance(action, dict):
            raise ValueError("the tls step takes an object")
        if "stall" in action:
            self.stall(action["stall"])
        if "raw" in action or "raw_b64" in action:
            self.send(action["raw"].encode("latin-1") if "raw" in action
                      else base64.b64decode(action["raw_b64"]))
            self.drop(action.get("drop", "close"))
        if "drop" in action:
            self.drop(action["drop"])
        if self.buf:
            self.rec["injected"] = base64.b64encode(self.buf).decode("ascii")
        self.buf, self.marks = b"", []
        try:
            tsock = self.ctx.wrap_socket(self.sock, server_side=True, do_handshake_on_connect=False)
            tsock.settimeout(max(0.05, min(30.0, self.left())))
            tsock.do_handshake()
        except (ssl.SSLError, OSError, socket.timeout) as e:
            raise Ended("tls failed: %s" % e)
        self.sock = tsock
        self.tls = self.rec["tls"] = True
        self.mail_ok, self.rcpt_ok = False, 0
        self.rcpt_addrs = []

    # ---- the dialogue ----
    def caps(self):
        base = ["PIPELINING", "SIZE 10000000", "8BITMIME", "ENHANCEDSTATUSCODES"]
        if self.tls:
            mechs = "AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER" if "oauth_introspect" in self.scen else "AUTH PLAIN LOGIN"
            return self.scen.get("caps_tls", base + [mechs])
        return self.scen.get("caps", base + (["STARTTLS"] if self.ctx else []))

    def ehlo_reply(self):
        caps = self.caps()
        if not caps:
            return ["250 %s" % self.host]
        return ["250-%s" % self.host] + ["250-%s" % c for c in caps[:-1]] + ["250 %s" % caps[-1]]

    def run(self):
        if self.scen.get("implicit_tls"):
            if not self.ctx:
                raise Ended("implicit_tls without --tls-cert")
            self.start_tls()
        self.act("greeting", "220 %s %s faultsmtp" % (self.host, "LMTP" if self.lmtp else "ESMTP"))
        while True:
            line = self.readline()
            if self.scram is not None:
                self.scram_step(line)
                continue
            if self.auth is not None:
                self.auth_step(line)
                continue
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            handler = getattr(self, "cmd_" + verb.lower(), None) if verb.isalpha() else None
            if handler:
                handler(arg)
            else:
                self.act("other", "502 5.5.2 Error: command not recognized")

    def cmd_ehlo(self, arg):
        self.act("ehlo", "500 5.5.1 LMTP: send LHLO" if self.lmtp else self.ehlo_reply())

    def cmd_helo(self, arg):
        self.act("helo", "500 5.5.1 LMTP: send LHLO" if self.lmtp else "250 %s" % self.host)

    def cmd_lhlo(self, arg):
        if self.lmtp:
            self.act("lhlo", self.ehlo_reply())
        else:
            self.act("other", "502 5.5.2 Error: command not recognized")

    def cmd_etrn(self, arg):
        self.act("etrn", "250 Queuing started")

    def cmd_starttls(self, arg):
        default = "220 2.0.0 Ready to start TLS" if self.ctx and not self.tls else \
            "454 4.7.0 TLS not available"
        code = self.act("starttls", default)
        if code == 220 and self.ctx and not self.tls:
            self.start_tls()

    def cmd_auth(self, arg):
        mech, _, ir = arg.strip().partition(" ")
        mech = mech.upper()
        if mech in scramsrv.mechanisms() and self.scen.get("scram"):
            self.scram_start(mech, ir)
            return
        need = {"PLAIN": 1, "LOGIN": 2, "CRAM-MD5": 1}.get(mech)
        have = 1 if ir and ir != "=" else 0
        if "oauth_introspect" in self.scen and mech in ("PLAIN", "XOAUTH2", "OAUTHBEARER") and have:
            default = self.oauth_check(mech, ir)
            need = 1
        elif need is None:
            default = "504 5.5.4 Unrecognized authentication type"
        elif have >= need:
            default = "235 2.7.0 Authentication successful"
        elif mech == "LOGIN":
            default = "334 " + ("UGFzc3dvcmQ6" if have else "VXNlcm5hbWU6")
        elif mech == "CRAM-MD5":
            chal = "<%d.%d@%s>" % (os.getpid(), self.n, self.host)
            default = "334 " + base64.b64encode(chal.encode()).decode()
        else:
            default = "334 "
        code = self.act("auth", default)
        if code == 334:
            self.auth = {"mech": mech, "need": need or 1, "have": have, "k": 0}

    def oauth_check(self, mech, ir):
        """The default reply to AUTH with a token: ask the introspection
        endpoint whether the token is active."""
        import urllib.request
        try:
            raw = base64.b64decode(ir, validate=True).decode("utf-8", "replace")
        except ValueError:
            return "501 5.5.2 Cannot decode response"
        if mech == "PLAIN":
            token = raw.split("\0")[-1]
        else:
            token = ""
            for part in raw.split("\x01"):
                if part.lower().startswith("auth=bearer "):
                    token = part[12:]
        ctx = ssl.create_default_context(cafile=self.scen.get("oauth_ca"))
        req = urllib.request.Request(self.scen["oauth_introspect"],
                                     data=urllib.parse.urlencode({"token": token}).encode())
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            active = json.load(r).get("active") is True
        self.rec.setdefault("oauth", []).append({"mech": mech, "active": active})
        if active:
            return "235 2.7.0 Authentication successful"
        if mech == "PLAIN":
            return "535 5.7.8 Username and Password not accepted"
        chal = json.dumps({"status": "401", "schemes": "Bearer", "scope": "https://mail.google.com/"})
        self.oauth_failed = True
        return "334 " + base64.b64encode(chal.encode()).decode()

    def auth_step(self, line):
        a = self.auth
        a["k"] += 1
        a["have"] += 1
        try:
            base64.b64decode(line, validate=True)
            decodes = line != "*"
        except ValueError:
            decodes = False
        if line == "*":
            default = "501 5.7.0 Authentication aborted"
        elif not decodes:
            default = "501 5.5.2 Cannot decode response"
        elif getattr(self, "oauth_failed", False):
            self.oauth_failed = False
            default = "535 5.7.8 Username and Password not accepted"
        elif a["have"] >= a["need"]:
            default = "235 2.7.0 Authentication successful"
        else:
            default = "334 UGFzc3dvcmQ6"
        code = self.act("auth:%d" % a["k"], default)
        if code != 334:
            self.auth = None

    # ---- SCRAM (tests/scramsrv.py does the cryptography) ----
    def scram_start(self, mech, ir):
        plus = any("-PLUS" in c.upper() for c in self.caps() if c.upper().startswith("AUTH "))
        ex = scramsrv.Exchange(mech, self.scen["scram"], self.sock, plus, self.exporter)
        self.rec.setdefault("scram", []).append(ex.record)
        self.scram = [ex, 0]
        if ir and ir != "=":
            self.scram_step(ir)
        else:
            self.act("auth", "334 ")

    def scram_step(self, line):
        """One client line of the open SCRAM exchange."""
        ex, stage = self.scram
        self.scram[1] += 1
        if stage == 2:
            reply, done = ex.last(line)
        elif line == "*":
            ex.record["result"] = "client aborted"
            reply, done = "501 5.7.0 Authentication aborted", True
        else:
            try:
                data = base64.b64decode(line, validate=True)
            except ValueError:
                data = None
            if data is None:
                ex.record["result"] = "client sent no base64"
                reply, done = "501 5.5.2 Cannot decode response", True
            else:
                reply, done = (ex.first if stage == 0 else ex.final)(data)
        if done:
            self.scram = None
        self.send(self.lines_bytes(reply))

    def cmd_mail(self, arg):
        self.mail_ok, self.rcpt_ok = False, 0
        self.chunks = None  # a BDAT transaction starts afresh
        self.rcpt_addrs = []
        code = self.act(self.mail_keys(), "250 2.1.0 Ok")
        self.mail_ok = code is not None and 200 <= code < 300

    def cmd_rcpt(self, arg):
        self.rcpt_n += 1
        m = re.search(r"<([^>]*)>", arg)
        addr = (m.group(1) if m else arg).lower()
        default = "250 2.1.5 Ok" if self.mail_ok else "503 5.5.1 Error: need MAIL command"
        keys = ("rcpt:%d" % self.rcpt_n, "rcpt:" + addr, "rcpt")
        if self.mail_ok and self.rcpt_ok >= self.scen.get("rcpt_limit", self.rcpt_ok + 1):
            keys = ()  # Postfix checks its limit first
            default = "452 4.5.3 Error: too many recipients"
        code = self.act(keys, default)
        if code is not None and 200 <= code < 300 and self.mail_ok:
            self.rcpt_ok += 1
            self.rcpt_addrs.append(addr)

    def cmd_data(self, arg):
        if not self.mail_ok:
            default = "503 5.5.1 Error: need MAIL command"
        elif not self.rcpt_ok:
            default = "554 5.5.1 Error: no valid recipients"
        else:
            default = "354 End data with <CR><LF>.<CR><LF>"
        if self.act("data", default) == 354:
            self.body()

    def body(self):
        action = self.lookup("body") or {}
        if not isinstance(action, dict):
            raise ValueError("the body step takes an object")
        limit = action.get("drop_after")
        stall_at = action.get("stall_after", 0) if "stall" in action else None
        got = b""
        first_mark = None
        while True:
            if stall_at is not None and len(got) >= stall_at:
                self.quiet_stall(action["stall"])
                stall_at = None
            if self.buf:
                data, mark = self.consume(len(self.buf))
                first_mark = first_mark or mark
                got += data
                self.rec["body_bytes"] = len(got)
            end = (b"\r\n" + got).find(b"\r\n.\r\n")
            if end >= 0 and (limit is None or end <= limit) and (stall_at is None or stall_at > end):
                break
            if limit is not None and len(got) >= limit:
                self.drop(action.get("drop", "close"))
            if end >= 0:
                continue  # the stall comes first
            if len(got) > MAX_MESSAGE:
                raise Ended("message too large")
            if "trickle" in action:
                self.sip(action.get("trickle_bytes", 1), action["trickle"])
            else:
                self.fill()
        # got[:end] is the content up to and including the CRLF that ends
        # its last line (nothing when the message is empty)
        raw, rest = got[:end], got[end + 3:]
        # put back what followed the dot (a pipelined command)
        self.buf = rest + self.buf
        self.marks = [(len(self.buf), self.reads, self.replies_sent, self.flushes)] if self.buf else []
        self.rec["body_bytes"] = len(got) - len(rest)
        lines = raw[:-2].split(b"\r\n") if raw else []
        msg = b"".join((l[1:] if l.startswith(b".") else l) + b"\r\n" for l in lines)
        self.rec["message_complete"] = True
        self.rec["message_b64"] = base64.b64encode(msg).decode("ascii")
        self.rec["message_bytes"] = len(msg)
        self.note("<message %d bytes>" % len(msg),
                  first_mark or (0, self.reads, self.replies_sent, self.flushes), body=True)
        self.last_code = None
        if self.lmtp:
            self.lmtp_verdicts()
        else:
            try:
                self.act("dot", "250 2.0.0 Ok: queued as FAULT%d" % self.n)
            finally:  # also when the server hangs up right after its reply
                code = self.last_code
                self.rec["accepted"] = code is not None and 200 <= code < 300
                self.rec["transactions"].append({"rcpt": self.rcpt_addrs, "accepted": self.rec["accepted"]})
        self.mail_ok, self.rcpt_ok = False, 0
        self.rcpt_addrs = []

    def lmtp_verdicts(self):
        """RFC 2033 4.2: one reply per accepted recipient, in RCPT order."""
        codes = self.rec["verdicts"] = []
        try:
            for k, addr in enumerate(self.rcpt_addrs, 1):
                self.last_code = None
                self.act(("dot:%d" % k, "dot:" + addr, "dot"), "250 2.0.0 <%s> Ok: delivered" % addr)
                codes.append(self.last_code)
        finally:
            self.rec["accepted"] = len(codes) == len(self.rcpt_addrs) > 0 and \
                all(c is not None and 200 <= c < 300 for c in codes)
            self.rec["transactions"].append({"rcpt": self.rcpt_addrs, "accepted": self.rec["accepted"]})

    def cmd_bdat(self, arg):
        """RFC 3030: "BDAT n [LAST]"; the n octets follow at once."""
        m = re.fullmatch(r"([0-9]+)( +LAST)?", arg.strip(), re.I)
        if not m:
            self.act("other", "501 5.5.4 Syntax: BDAT count [LAST]")
            return
        size, last = int(m.group(1)), bool(m.group(2))
        if self.lookup("bdat_early") is not None:
            self.act("bdat_early", "")
        while len(self.buf) < size:
            if len(self.buf) > MAX_MESSAGE:
                raise Ended("message too large")
            self.fill()
        data, mark = self.consume(size)
        if not hasattr(self, "chunks") or self.chunks is None:
            self.chunks, self.chunk_failed = [], False
        self.chunks.append(data)
        self.rec["body_bytes"] += size
        self.note("<chunk %d bytes>" % size, mark, body=True)
        if not self.mail_ok:
            default = "503 5.5.1 Error: need MAIL command"
        elif not self.rcpt_ok:
            default = "554 5.5.1 Error: no valid recipients"
        elif self.chunk_failed:
            default = "503 5.5.1 Error: the transaction failed"
        else:
            default = None
        if last:
            self.bdat_last(default)
            return
        if default is None:
            code = self.act(("bdat:%d" % len(self.chunks), "bdat"), "250 2.0.0 %d octets received" % size)
        else:
            code = self.act((), default)
        if code is None or not 200 <= code < 300:
            self.chunk_failed = True

    def bdat_last(self, default):
        """The LAST chunk: the message is whole; the reply is the verdict."""
        msg, failed = b"".join(self.chunks), self.chunk_failed or default is not None
        self.chunks = None
        self.rec["message_complete"] = not failed
        self.rec["message_b64"] = None if failed else base64.b64encode(msg).decode("ascii")
        self.rec["message_bytes"] = 0 if failed else len(msg)
        self.last_code = None
        try:
            if failed:
                self.act((), default or "503 5.5.1 Error: the transaction failed")
            else:
                self.act("dot", "250 2.0.0 Ok: %d bytes queued as FAULT%d" % (len(msg), self.n))
        finally:
            code = self.last_code
            self.rec["accepted"] = not failed and code is not None and 200 <= code < 300
        self.mail_ok, self.rcpt_ok = False, 0
        self.rcpt_addrs = []

    def cmd_rset(self, arg):
        self.mail_ok, self.rcpt_ok = False, 0
        self.chunks = None
        self.rcpt_addrs = []
        self.act("rset", "250 2.0.0 Ok")

    def cmd_noop(self, arg):
        self.act("noop", "250 2.0.0 Ok")

    def cmd_quit(self, arg):
        self.act("quit", "221 2.0.0 Bye")
        self.flush()
        raise Ended("quit")


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGALRM}


def write_record(log, rec):
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, sort_keys=True) + "\n")
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def wait_for_file(path, seconds):
    """--wait-scenario: the file appears (renamed into place) or time runs out."""
    end = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.005)


def serve(args):
    if args.wait_scenario:
        wait_for_file(args.scenario, args.max_seconds)
    try:
        scen = load_scenario(args.scenario)
    except (OSError, ValueError) as e:
        print("faultsmtp: %s" % e, file=sys.stderr)
        return 2
    ctxs = {}
    for version in ((None, "1.2", "1.3") if args.tls_cert else ()):
        ctx = ctxs[version] = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if version:  # "tls_version": this version only
            ctx.minimum_version = ctx.maximum_version = \
                ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3
        try:
            ctx.load_cert_chain(args.tls_cert, args.tls_key or args.tls_cert)
        except (OSError, ssl.SSLError) as e:
            print("faultsmtp: cannot load %s: %s" % (args.tls_cert, e), file=sys.stderr)
            return 2
    exporter = None
    if uses_scram(scen) and args.tls_cert:
        # refuse to run where the TLS exporter cannot be reached safely
        try:
            exporter = scramsrv.self_test(args.tls_cert, args.tls_key or args.tls_cert)
        except (RuntimeError, OSError, ssl.SSLError) as e:
            print("faultsmtp: scram: cannot compute tls-exporter here: %s" % e, file=sys.stderr)
            return 2

    def stop(signum, frame):
        raise SystemExit(0)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
        signal.signal(s, stop)
    signal.alarm(max(1, int(args.max_seconds)))
    deadline = time.monotonic() + args.max_seconds

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # a fixed, small receive buffer (inherited by every connection): a server
    # that stops reading is noticed by the client after about RCVBUF bytes
    # plus the client's own send buffer, not after tens of megabytes
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, scen.get("rcvbuf", RCVBUF))
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(256)  # the load test connects 200 clients at once
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % lsock.getsockname()[1])
    os.rename(tmp, args.port_file)

    n = 0
    try:
        while time.monotonic() < deadline:
            lsock.settimeout(max(0.05, min(1.0, deadline - time.monotonic())))
            try:
                sock, _ = lsock.accept()
            except socket.timeout:
                continue
            n += 1
            conn = for_connection(scen, n)
            sess = Session(sock, n, conn, ctxs.get(conn.get("tls_version")), deadline)
            sess.exporter = exporter
            try:
                sess.run()
            except Ended as e:
                sess.rec["end"] = str(e)
            except SystemExit:
                sess.rec["end"] = "stopped"
                raise
            except Exception as e:  # a bug here must not look like a client fault
                sess.rec["end"] = "server error: %r" % e
                print("faultsmtp: connection %d: %r" % (n, e), file=sys.stderr)
            finally:
                # a SIGTERM now must not lose the record
                old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
                try:
                    if sess.rec["end"] is None:
                        sess.rec["end"] = "stopped"
                    try:
                        sess.sock.close()
                    except OSError:
                        pass
                    write_record(args.log, sess.rec)
                    if args.summary_file:
                        with open(args.summary_file, "a", encoding="utf-8") as f:
                            f.write(summary_text(sess.rec))
                    if args.message_dir and sess.rec["message_complete"]:
                        with open(os.path.join(args.message_dir, "%d.msg" % n), "wb") as f:
                            f.write(base64.b64decode(sess.rec["message_b64"]))
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, old)
    except SystemExit:
        pass
    finally:
        lsock.close()
    return 0


def read_log(path):
    recs = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    recs.append(json.loads(line))
    except FileNotFoundError:
        pass
    return recs


def summary_text(r):
    yn = {True: "yes", False: "no"}
    n = r["connection"]
    verdicts = ",".join(str(c) for c in r.get("verdicts") or [])
    out = ["connection %d tls=%s complete=%s accepted=%s body_bytes=%d flushes=%d end=%s%s\n" % (
        n, yn[r["tls"]], yn[r["message_complete"]], yn[r["accepted"]], r["body_bytes"],
        r["flushes"], r["end"], " verdicts=" + verdicts if verdicts else "")]
    for c in r["commands"]:
        out.append("command %d read=%d flush=%d %s %s\n" % (
            n, c["read"], c["flush"], "pipe" if c["pipelined"] else "wait", c["line"]))
    for t in r.get("transactions", []):
        out.append("transaction %d accepted=%s %s\n" % (n, yn[t["accepted"]], ",".join(t["rcpt"])))
    for x in r.get("scram", []):
        out.append("scram %d tls=%s mech=%s cbind=%s binding=%s proof=%s user=%s result=%s\n" % (
            n, x["tls"], x["mech"], x["cbind"], x["binding"], x["proof"], x["user"], x["result"]))
    return "".join(out)


def summary(path):
    for r in read_log(path):
        sys.stdout.write(summary_text(r))
    return 0


def message(path, n):
    for r in read_log(path):
        if r["connection"] == n and r["message_complete"]:
            sys.stdout.buffer.write(base64.b64decode(r["message_b64"]))
            return 0
    return 1


def main():
    ap = argparse.ArgumentParser(description="a scripted SMTP server for fault tests")
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--summary-file")
    ap.add_argument("--message-dir")
    ap.add_argument("--wait-scenario", action="store_true")
    ap.add_argument("--summary", metavar="LOG")
    ap.add_argument("--message", nargs=2, metavar=("LOG", "N"))
    ap.add_argument("scenario", nargs="?")
    args = ap.parse_args()
    if args.summary:
        return summary(args.summary)
    if args.message:
        return message(args.message[0], int(args.message[1]))
    if not (args.port_file and args.log and args.scenario):
        ap.error("--port-file, --log and SCENARIO are required")
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
