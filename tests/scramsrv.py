"""scramsrv.py - the server side of SCRAM for tests/faultsmtp.py.

SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677) and their -PLUS forms
with channel binding: tls-unique (RFC 5929) on TLS 1.2, tls-exporter
(RFC 9266) on TLS 1.3.  Debian 12's Dovecot 2.3 has no -PLUS, so the tests
check a client's channel binding here.  Python standard library only, plus
OpenSSL reached through ctypes for the one thing the ssl module does not
offer: the TLS exporter (SSL_export_keying_material).

Kept apart from faultsmtp.py because it is cryptography and a ctypes trick
on CPython's internals, not dialogue scripting; faultsmtp.py only feeds it
the client's lines and sends what it answers.

The exchange is driven line by line: Exchange.first(client_first) and
Exchange.final(client_final) return (reply, done) where reply is the SMTP
reply line to send.  Exchange.record says what was checked, for the log.
"""

import base64
import ctypes
import ctypes.util
import hashlib
import hmac
import os
import socket
import ssl
import threading

HASHES = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}
MODES = ("ok", "bad_signature", "no_final", "cb_mismatch")
EXPORTER_LABEL = b"EXPORTER-Channel-Binding"
FAIL = "535 5.7.8 Error: authentication failed: %s"


def mechanisms():
    """Every mechanism name this module can serve."""
    return set(HASHES) | {m + "-PLUS" for m in HASHES}


# ------------------------------------------------------------ tls-exporter

class Exporter:
    """SSL_export_keying_material on the SSL* inside a Python SSLSocket.

    CPython 3 keeps the SSL* of an ssl.SSLSocket in its _ssl._SSLSocket
    object (sock._sslobj) right after PyObject_HEAD and the weak reference
    to the socket it is layered on.  That is an implementation detail, so
    every use checks the pointer first: OpenSSL must report the same
    protocol version and file descriptor as the Python socket does.
    """

    VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}

    def __init__(self):
        name = "libssl.so.3"
        if ssl.OPENSSL_VERSION_INFO[0] != 3:
            raise RuntimeError("Python's ssl module is not OpenSSL 3 (%s)" % ssl.OPENSSL_VERSION)
        self.lib = ctypes.CDLL(name)
        self.lib.SSL_version.argtypes = [ctypes.c_void_p]
        self.lib.SSL_version.restype = ctypes.c_int
        self.lib.SSL_get_fd.argtypes = [ctypes.c_void_p]
        self.lib.SSL_get_fd.restype = ctypes.c_int
        f = self.lib.SSL_export_keying_material
        f.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                      ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
        f.restype = ctypes.c_int
        self.offset = object.__basicsize__ + ctypes.sizeof(ctypes.c_void_p)

    def ssl_pointer(self, sock):
        """The SSL* of sock, checked; RuntimeError when it does not fit."""
        obj = getattr(sock, "_sslobj", None)
        if obj is None or type(obj).__name__ != "_SSLSocket":
            raise RuntimeError("no _ssl._SSLSocket inside %r" % type(sock))
        ptr = ctypes.c_void_p.from_address(id(obj) + self.offset).value
        if not ptr:
            raise RuntimeError("no SSL* at the expected place")
        want = self.VERSIONS.get(sock.version())
        got_version = self.lib.SSL_version(ptr)
        got_fd = self.lib.SSL_get_fd(ptr)
        if want != got_version or got_fd != sock.fileno():
            raise RuntimeError("the SSL* found does not match the socket (version %#x for %s, "
                               "fd %d for %d)" % (got_version, sock.version(), got_fd,
                                                  sock.fileno()))
        return ptr

    def export(self, sock, label=EXPORTER_LABEL, size=32):
        """RFC 9266's tls-exporter: the label, an empty context, 32 bytes."""
        ptr = self.ssl_pointer(sock)
        out = ctypes.create_string_buffer(size)
        if self.lib.SSL_export_keying_material(ptr, out, size, label, len(label),
                                               b"", 0, 1) != 1:
            raise RuntimeError("SSL_export_keying_material failed")
        return out.raw


def self_test(cert, key):
    """At start-up: handshake with ourselves over a socket pair (TLS 1.3 and
    1.2), and check that the pointer is found on both sides and that both
    sides export the same bytes.  RuntimeError when anything is off, so that
    a Python whose layout differs refuses to run instead of testing
    nothing."""
    exp = Exporter()
    for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(cert, key)
        cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cctx.check_hostname = False
        cctx.verify_mode = ssl.CERT_NONE
        for ctx in (sctx, cctx):
            ctx.minimum_version = ctx.maximum_version = version
        a, b = socket.socketpair()
        a.settimeout(10)
        b.settimeout(10)
        out = {}

        def server():
            try:
                s = sctx.wrap_socket(a, server_side=True)
                out["server"] = exp.export(s)
                out["unique"] = s.get_channel_binding("tls-unique")
                s.close()
            except Exception as e:  # reported below
                out["error"] = e
        t = threading.Thread(target=server)
        t.start()
        try:
            c = cctx.wrap_socket(b)
            client = exp.export(c)
            client_unique = c.get_channel_binding("tls-unique")
            c.close()
        finally:
            t.join(10)
            a.close()
            b.close()
        if "error" in out:
            raise RuntimeError("self-test (%s): %s" % (version.name, out["error"]))
        if out.get("server") != client or len(client) != 32:
            raise RuntimeError("self-test (%s): the two sides export different bytes"
                               % version.name)
        if version == ssl.TLSVersion.TLSv1_2 and out.get("unique") != client_unique:
            raise RuntimeError("self-test: tls-unique differs between the two sides")
    return exp


def channel_binding(sock, kind, exporter):
    """The channel-binding data of sock for kind, or None if unknown."""
    if kind == "tls-unique":
        return sock.get_channel_binding("tls-unique")
    if kind == "tls-exporter":
        return exporter.export(sock)
    return None


# ------------------------------------------------------------ SCRAM

def saslname(value):
    """RFC 5802 saslname: =2C is ',' and =3D is '='; None when malformed."""
    out, i = [], 0
    while i < len(value):
        if value[i] == "=":
            code = value[i + 1:i + 3]
            if code not in ("2C", "3D"):
                return None
            out.append("," if code == "2C" else "=")
            i += 3
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def attributes(text):
    """'a=1,b=2' as a list of (name, value); ValueError when malformed."""
    pairs = []
    for part in text.split(","):
        if len(part) < 2 or part[1] != "=" or not part[0].isalpha():
            raise ValueError("malformed attribute %r" % part)
        pairs.append((part[0], part[2:]))
    return pairs


class Exchange:
    """One SCRAM exchange, server side.

    conf: {"user", "password", "iterations" (4096), "mode" (one of MODES)}.
    sock: the connection's socket (an SSLSocket under TLS); plus_offered:
    whether the server listed a -PLUS mechanism (a client that says "y"
    then saw a downgrade).
    """

    def __init__(self, mech, conf, sock, plus_offered, exporter):
        self.mech = mech
        self.plus = mech.endswith("-PLUS")
        self.hash = HASHES[mech[:-5] if self.plus else mech]
        self.conf = conf
        self.sock = sock
        self.plus_offered = plus_offered
        self.exporter = exporter
        self.mode = conf.get("mode", "ok")
        self.record = {"mech": mech, "cbind": None, "binding": None, "proof": None,
                       "user": None, "result": None,
                       "tls": sock.version() if isinstance(sock, ssl.SSLSocket) else "none"}

    def fail(self, why):
        self.record["result"] = "refused: " + why
        return FAIL % why, True

    def first(self, data):
        """The client-first-message (bytes); the reply and whether it ends."""
        try:
            text = data.decode("utf-8")
            cbflag, authzid, bare = text.split(",", 2)
            attrs = attributes(bare)
        except (UnicodeDecodeError, ValueError):
            return self.fail("malformed client-first-message")
        self.record["cbind"] = cbflag
        why = self.check_cbflag(cbflag, authzid)
        if why:
            return self.fail(why)
        if len(attrs) < 2 or attrs[0][0] != "n" or attrs[1][0] != "r" or not attrs[1][1]:
            return self.fail("client-first-message without n= and r=")
        user = saslname(attrs[0][1])
        self.record["user"] = user
        if user != self.conf.get("user"):
            return self.fail("unknown user")
        self.gs2 = cbflag + "," + authzid + ","
        self.cbflag = cbflag
        self.nonce = attrs[1][1] + base64.b64encode(os.urandom(18)).decode()
        self.salt = os.urandom(16)
        self.iterations = int(self.conf.get("iterations", 4096))
        self.client_first_bare = bare
        self.server_first = "r=%s,s=%s,i=%d" % (self.nonce, base64.b64encode(self.salt).decode(),
                                                self.iterations)
        return "334 " + base64.b64encode(self.server_first.encode()).decode(), False

    def check_cbflag(self, cbflag, authzid):
        """Why the gs2 header is refused, or None."""
        if authzid and not authzid.startswith("a="):
            return "malformed authzid"
        if cbflag.startswith("p="):
            if not self.plus:
                return "channel binding with a mechanism without -PLUS"
            if cbflag[2:] not in ("tls-unique", "tls-exporter"):
                return "unsupported channel binding type"
            if not isinstance(self.sock, ssl.SSLSocket):
                return "channel binding without TLS"
            return None
        if cbflag not in ("n", "y"):
            return "malformed gs2 header"
        if self.plus:
            return "-PLUS without channel binding"
        if cbflag == "y" and self.plus_offered and isinstance(self.sock, ssl.SSLSocket):
            return "downgrade: client supports channel binding and the server offered -PLUS"
        return None

    def expected_cbind(self):
        """The c= value the client must send (base64), per mode."""
        data = self.gs2.encode()
        if self.cbflag.startswith("p="):
            cb = channel_binding(self.sock, self.cbflag[2:], self.exporter)
            if self.mode == "cb_mismatch":  # as a man in the middle would see
                cb = bytes([cb[0] ^ 1]) + cb[1:]
            data += cb
        return base64.b64encode(data).decode()

    def final(self, data):
        """The client-final-message (bytes); the reply and whether it ends."""
        try:
            text = data.decode("utf-8")
            without_proof, _, proof_part = text.rpartition(",p=")
            attrs = attributes(without_proof)
            proof = base64.b64decode(proof_part, validate=True)
        except (UnicodeDecodeError, ValueError):
            return self.fail("malformed client-final-message")
        if len(attrs) < 2 or attrs[0][0] != "c" or attrs[1][0] != "r":
            return self.fail("client-final-message without c= and r=")
        if attrs[1][1] != self.nonce:
            return self.fail("nonce mismatch")
        ok_cb = hmac.compare_digest(attrs[0][1], self.expected_cbind())
        self.record["binding"] = "ok" if ok_cb else "mismatch"
        salted = hashlib.pbkdf2_hmac(self.hash, self.conf.get("password", "").encode("utf-8"),
                                     self.salt, self.iterations)
        auth_message = ",".join((self.client_first_bare, self.server_first, without_proof))
        client_key = hmac.digest(salted, b"Client Key", self.hash)
        stored = hashlib.new(self.hash, client_key).digest()
        signature = hmac.digest(stored, auth_message.encode("utf-8"), self.hash)
        got_key = bytes(x ^ y for x, y in zip(proof, signature))
        ok_proof = len(proof) == len(signature) and \
            hmac.compare_digest(hashlib.new(self.hash, got_key).digest(), stored)
        self.record["proof"] = "ok" if ok_proof else "bad"
        if not ok_cb:
            return self.fail("channel-bindings-dont-match")
        if not ok_proof:
            return self.fail("invalid-proof")
        return self.server_final(salted, auth_message)

    def server_final(self, salted, auth_message):
        if self.mode == "no_final":
            self.record["result"] = "235 without server-final"
            return "235 2.7.0 Authentication successful", True
        server_key = hmac.digest(salted, b"Server Key", self.hash)
        sig = hmac.digest(server_key, auth_message.encode("utf-8"), self.hash)
        if self.mode == "bad_signature":
            sig = bytes([sig[0] ^ 0x80]) + sig[1:]
        self.record["result"] = "server-final sent" + (" (wrong signature)"
                                                       if self.mode == "bad_signature" else "")
        msg = "v=" + base64.b64encode(sig).decode()
        return "334 " + base64.b64encode(msg.encode()).decode(), False

    def last(self, line):
        """The client's line after the server-final: empty means it accepts
        the signature, "*" that it aborts."""
        if line == "*":
            self.record["result"] += "; client aborted"
            return "501 5.7.0 Authentication aborted", True
        if line not in ("", "="):
            self.record["result"] += "; unexpected %r" % line[:40]
            return FAIL % "unexpected data after server-final", True
        self.record["result"] += "; client accepted it"
        return "235 2.7.0 Authentication successful", True
