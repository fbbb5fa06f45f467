#!/usr/bin/env python3
"""oauthserver.py - a local OAuth 2.0 authorization server for postern's tests.

Python standard library only.  HTTPS on 127.0.0.1, port 0 (a free port), with
a certificate the tests give (the smarthost's test CA signs it).

Usage
  oauthserver.py --port-file FILE --cert PEM --key PEM --dir DIR
                 [--client ID[:SECRET]]... [--refresh-token CLIENT:TOKEN]...
                 [--username NAME] [--max-seconds N]
      Bind 127.0.0.1:0, write the port to FILE (to FILE.tmp, then renamed, so
      a reader never sees half of it) once listening, and serve until
      --max-seconds (default 300) have passed or SIGTERM.
      --client: a registered client (a public one without :SECRET); any
      number.  --refresh-token: a valid refresh token of CLIENT to start
      with (what --oauth2-login would have obtained).  --username: the
      mailbox the tokens are for (default alice@postern.test), given back by
      /introspect.
      DIR/requests.log gets one JSON object per request (path, grant_type,
      client_id, status, error, fault), so that a test can count requests
      and assert that a send made none.  DIR/faults.json, when it exists,
      is read on every request (write it elsewhere and rename it over).

Endpoints
  POST /token         grant_type client_credentials, refresh_token (rotated:
                      a new refresh token is returned and the old one stops
                      working), authorization_code (PKCE S256 checked, the
                      code bound to client, redirect_uri and challenge), and
                      urn:ietf:params:oauth:grant-type:device_code.  The
                      client authenticates with client_secret in the form or
                      HTTP Basic; a wrong secret is invalid_client with
                      Microsoft's AADSTS7000215.
  POST /devicecode    device authorization (RFC 8628): device_code,
                      user_code, verification_uri, expires_in, interval
  GET  /authorize     approves at once: 302 to redirect_uri (which must be
                      http://127.0.0.1:PORT/...) with code and state
  POST /introspect    RFC 7662: token=... (or GET with ?token= or a Bearer
                      header): {"active": true, "username", "scope",
                      "client_id", "exp"} for a valid access token, else
                      {"active": false}

DIR/faults.json (all keys optional)
  "token": FAULT      what POST /token does instead of its work:
      "down"       the connection is closed before the TLS handshake
      "slow"       the answer comes after "slow_seconds" (default 20)
      "garbage"    200 with an HTML page instead of JSON
      "http500"    500 with an HTML page
      "revoked"    400 invalid_grant, AADSTS700082 (unused for 90 days)
      "signin"     400 invalid_grant, AADSTS70043 (sign-in frequency)
      "invalid_client"  401 invalid_client, AADSTS7000215
      "consent"    400 invalid_grant, AADSTS65001 (suberror consent_required)
      "google_invalid_grant"  400 invalid_grant, Google's "Token has been
                   expired or revoked."
      "huge"       200 with a JSON object of 100 KiB
      "redirect"   302 to http://127.0.0.1:9/token (never to be followed)
      "form"       200 with a form-encoded token (access_token=at-form-...),
                   not JSON: a client must refuse it without quoting it
      "http429"    429 with an HTML page (a throttling gateway)
      "unavailable"  400 temporarily_unavailable (Microsoft's, when busy)
  "expires_in": N     lifetime of new access tokens (default 3600)
  "rotate": false     refresh tokens are not rotated (default true)
  "device": [...]     the answers to the polls of a device code, in order:
                      "authorization_pending", "slow_down", "expired_token",
                      "access_denied", "ok"; after the list: "ok".  A poll
                      sooner than the interval is answered slow_down anyway
                      (RFC 8628 3.5), and logged with "too_fast": true
  "interval": N       the device flow's interval (default 1)
  "slow_down_step": N  seconds each slow_down adds to the interval that the
                      client must then keep (default 5, as RFC 8628 3.5)
  "device_expires_in": N  (default 600)
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
MAX_BODY = 1 << 16

MS_ERRORS = {
    "revoked": (400, "invalid_grant", 700082,
                "AADSTS700082: The refresh token has expired due to inactivity. The token was "
                "issued on 2026-09-01T00:00:00Z and was inactive for 90.00:00:00."),
    "signin": (400, "invalid_grant", 70043,
               "AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency "
               "checks by conditional access."),
    "invalid_client": (401, "invalid_client", 7000215,
                       "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent "
                       "in the request is the client secret value, not the client secret ID."),
    "consent": (400, "invalid_grant", 65001,
                "AADSTS65001: The user or administrator has not consented to use the application "
                "with ID 'postern-test'. Send an interactive authorization request for this user "
                "and resource."),
}


class State:
    """Everything the server knows; one lock around it."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.dir = args.dir
        self.username = args.username
        self.clients = {}
        for c in args.client or []:
            cid, _, secret = c.partition(":")
            self.clients[cid] = secret or None
        self.refresh = {}   # token -> {"client_id", "scope"}
        for r in args.refresh_token or []:
            cid, _, tok = r.partition(":")
            self.refresh[tok] = {"client_id": cid, "scope": ""}
        self.access = {}    # token -> {"client_id", "scope", "exp"}
        self.codes = {}     # code -> {"client_id", "redirect_uri", "challenge", "scope"}
        self.devices = {}   # device_code -> {"client_id", "scope", "polls", "last", "exp"}

    def faults(self):
        try:
            with open(os.path.join(self.dir, "faults.json"), encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def log(self, rec):
        with self.lock, open(os.path.join(self.dir, "requests.log"), "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, sort_keys=True) + "\n")


def ms_error(kind):
    status, err, code, text = MS_ERRORS[kind]
    trace = "Trace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: 2026-12-07 22:00:00Z" % (
        secrets.token_hex(8), secrets.token_hex(8))
    return status, {"error": err, "error_description": text + "\r\n" + trace, "error_codes": [code],
                    "timestamp": "2026-12-07 22:00:00Z", "trace_id": "t", "correlation_id": "c",
                    **({"suberror": "consent_required"} if kind == "consent" else {})}


class Handler(BaseHTTPRequestHandler):
    server_version = "oauthserver/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # the request log is ours
        pass

    # -- plumbing

    def form(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("body too large")
        body = self.rfile.read(n).decode("utf-8", "replace")
        return {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}

    def answer(self, status, obj=None, raw=None, ctype="application/json", headers=None):
        data = raw if raw is not None else json.dumps(obj).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (a "slow" answer after its timeout): logged, not a traceback
            self.rec["client_gone"] = True
            self.close_connection = True
        self.rec["status"] = status
        if obj and "error" in obj:
            self.rec["error"] = obj["error"]

    def error(self, status, err, desc=""):
        obj = {"error": err}
        if desc:
            obj["error_description"] = desc
        self.answer(status, obj)

    def client(self, f):
        """The client id, when it authenticated (or is public); None after
        an answer was sent."""
        cid, secret = f.get("client_id"), f.get("client_secret")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                u, _, p = base64.b64decode(auth[6:]).decode().partition(":")
                cid, secret = urllib.parse.unquote_plus(u), urllib.parse.unquote_plus(p)
            except ValueError:
                pass
        self.rec["client_id"] = cid
        st = self.server.state
        if cid not in st.clients:
            self.error(400, "unauthorized_client", "unknown client %s" % cid)
            return None
        want = st.clients[cid]
        if want is not None and secret != want:
            self.answer(*ms_error("invalid_client"))
            return None
        return cid

    # -- endpoints

    def do_POST(self):
        self.rec = {"path": self.path, "method": "POST", "t": time.time()}
        try:
            f = self.form()
        except ValueError:
            self.error(400, "invalid_request", "bad body")
            return self.server.state.log(self.rec)
        route = {"/token": self.token, "/devicecode": self.devicecode, "/introspect": self.introspect}
        fn = route.get(urllib.parse.urlsplit(self.path).path)
        if fn:
            fn(f)
        else:
            self.error(404, "not_found")
        self.server.state.log(self.rec)

    def do_GET(self):
        self.rec = {"path": self.path.split("?")[0], "method": "GET", "t": time.time()}
        u = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
        if u.path == "/authorize":
            self.authorize(q)
        elif u.path == "/introspect":
            self.introspect(q)
        else:
            self.error(404, "not_found")
        self.server.state.log(self.rec)

    def token(self, f):
        st = self.server.state
        faults = st.faults()
        fault = faults.get("token")
        self.rec["grant_type"] = f.get("grant_type")
        self.rec["fault"] = fault
        if fault == "slow":
            time.sleep(min(float(faults.get("slow_seconds", 20)), 60))
        if fault == "garbage":
            return self.answer(200, raw=b"<html><body>Service temporarily unavailable</body></html>",
                               ctype="text/html")
        if fault == "http500":
            return self.answer(500, raw=b"<html><body>Internal Server Error</body></html>", ctype="text/html")
        if fault in MS_ERRORS:
            return self.answer(*ms_error(fault))
        if fault == "huge":
            return self.answer(200, {"access_token": "x" * (100 << 10), "token_type": "Bearer"})
        if fault == "redirect":
            return self.answer(302, raw=b"", ctype="text/plain", headers={"Location": "http://127.0.0.1:9/token"})
        if fault == "form":
            return self.answer(200, raw=b"access_token=at-form-secret&token_type=bearer&expires_in=3600",
                               ctype="application/x-www-form-urlencoded")
        if fault == "http429":
            return self.answer(429, raw=b"<html><body>Too Many Requests</body></html>", ctype="text/html",
                               headers={"Retry-After": "5"})
        if fault == "unavailable":
            return self.error(400, "temporarily_unavailable", "AADSTS50196: The server is busy. Try again.")
        if fault == "google_invalid_grant":
            return self.error(400, "invalid_grant", "Token has been expired or revoked.")
        cid = self.client(f)
        if cid is None:
            return
        grant = f.get("grant_type")
        fn = {"client_credentials": self.g_client, "refresh_token": self.g_refresh,
              "authorization_code": self.g_code, DEVICE_GRANT: self.g_device}.get(grant)
        if not fn:
            return self.error(400, "unsupported_grant_type")
        fn(f, cid, faults)

    def issue(self, cid, scope, faults, refresh):
        st = self.server.state
        exp_in = int(faults.get("expires_in", 3600))
        at = "at-" + secrets.token_urlsafe(24)
        with st.lock:
            st.access[at] = {"client_id": cid, "scope": scope, "exp": time.time() + exp_in}
            obj = {"token_type": "Bearer", "access_token": at, "expires_in": exp_in, "scope": scope}
            if refresh:
                rt = "rt-" + secrets.token_urlsafe(24)
                st.refresh[rt] = {"client_id": cid, "scope": scope}
                obj["refresh_token"] = rt
        self.rec["access_token"] = at
        self.rec["refresh_token"] = obj.get("refresh_token")
        self.answer(200, obj)

    def g_client(self, f, cid, faults):
        if self.server.state.clients.get(cid) is None:
            return self.error(401, "invalid_client", "a public client has no client credentials")
        self.issue(cid, f.get("scope", ""), faults, refresh=False)

    def g_refresh(self, f, cid, faults):
        st = self.server.state
        rt = f.get("refresh_token", "")
        with st.lock:
            info = st.refresh.get(rt)
            ok = info is not None and info["client_id"] == cid
            rotate = faults.get("rotate", True)
            if ok and rotate:
                del st.refresh[rt]  # rotated: the old one is no longer valid
        self.rec["old_refresh_token"] = rt
        if not ok:
            return self.error(400, "invalid_grant", "unknown, used or revoked refresh token")
        self.issue(cid, f.get("scope", info["scope"]), faults, refresh=rotate)

    def g_code(self, f, cid, faults):
        st = self.server.state
        with st.lock:
            c = st.codes.pop(f.get("code", ""), None)
        if not c or c["client_id"] != cid or c["redirect_uri"] != f.get("redirect_uri"):
            return self.error(400, "invalid_grant", "unknown code, or another client or redirect_uri")
        verifier = f.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not 43 <= len(verifier) <= 128 or digest != c["challenge"]:
            return self.error(400, "invalid_grant", "PKCE verification failed")
        self.issue(cid, c["scope"], faults, refresh=True)

    def g_device(self, f, cid, faults):
        st = self.server.state
        now = time.time()
        with st.lock:
            d = st.devices.get(f.get("device_code", ""))
            if d and d["client_id"] == cid:
                script = faults.get("device", [])
                answer = script[d["polls"]] if d["polls"] < len(script) else "ok"
                too_fast = d["last"] is not None and now - d["last"] < d["interval"] - 0.05
                d["polls"] += 1
                d["last"] = now
                if too_fast:
                    answer = "slow_down"
                    self.rec["too_fast"] = True
                if answer == "slow_down":
                    d["interval"] += 5 if faults.get("slow_down_step") is None else faults["slow_down_step"]
                if now > d["exp"]:
                    answer = "expired_token"
                if answer in ("ok", "expired_token", "access_denied"):
                    st.devices.pop(f.get("device_code", ""), None)
        if not d or d["client_id"] != cid:
            return self.error(400, "invalid_grant", "unknown device_code")
        if answer != "ok":
            return self.error(400, answer)
        self.issue(cid, d["scope"], faults, refresh=True)

    def devicecode(self, f):
        st = self.server.state
        faults = st.faults()
        cid = f.get("client_id")
        self.rec["client_id"] = cid
        if cid not in st.clients:
            return self.error(400, "unauthorized_client")
        dc = "dc-" + secrets.token_urlsafe(24)
        uc = "%04d-%04d" % (secrets.randbelow(10000), secrets.randbelow(10000))
        interval = int(faults.get("interval", 1))
        exp_in = int(faults.get("device_expires_in", 600))
        with st.lock:
            st.devices[dc] = {"client_id": cid, "scope": f.get("scope", ""), "polls": 0, "last": None,
                              "interval": interval, "exp": time.time() + exp_in}
        uri = "https://%s:%d/device" % (self.headers.get("Host", "127.0.0.1").split(":")[0],
                                        self.server.server_address[1])
        self.answer(200, {"device_code": dc, "user_code": uc, "verification_uri": uri,
                          "expires_in": exp_in, "interval": interval,
                          "message": "To sign in, open %s and enter the code %s." % (uri, uc)})

    def authorize(self, q):
        st = self.server.state
        cid, ru = q.get("client_id"), q.get("redirect_uri", "")
        self.rec["client_id"] = cid
        if cid not in st.clients or not ru.startswith("http://127.0.0.1:"):
            return self.error(400, "invalid_request", "unknown client or redirect_uri not on loopback")
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" \
                or not q.get("code_challenge"):
            return self.error(400, "invalid_request", "response_type code with PKCE S256 required")
        code = "ac-" + secrets.token_urlsafe(24)
        with st.lock:
            st.codes[code] = {"client_id": cid, "redirect_uri": ru, "challenge": q["code_challenge"],
                              "scope": q.get("scope", "")}
        sep = "&" if "?" in ru else "?"
        loc = ru + sep + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
        self.answer(302, raw=b"", ctype="text/plain", headers={"Location": loc})

    def introspect(self, f):
        st = self.server.state
        tok = f.get("token")
        auth = self.headers.get("Authorization", "")
        if not tok and auth.lower().startswith("bearer "):
            tok = auth[7:].strip()
        with st.lock:
            info = st.access.get(tok or "")
        self.rec["token"] = tok
        if not info or info["exp"] < time.time():
            self.rec["active"] = False
            return self.answer(200, {"active": False})
        self.rec["active"] = True
        self.answer(200, {"active": True, "username": st.username, "scope": info["scope"],
                          "client_id": info["client_id"], "exp": int(info["exp"]), "token_type": "Bearer"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def finish_request(self, request, client_address):
        # in the request's thread: a "down" endpoint closes before TLS,
        # and a slow handshake never holds the other clients up
        if self.state.faults().get("token") == "down":
            self.state.log({"path": "?", "fault": "down", "t": time.time()})
            request.close()
            return
        request.settimeout(30)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            request.close()
            return
        self.RequestHandlerClass(tls, client_address, self)


def main():
    ap = argparse.ArgumentParser(description="a local OAuth 2.0 authorization server for tests")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--client", action="append")
    ap.add_argument("--refresh-token", action="append")
    ap.add_argument("--username", default="alice@postern.test")
    ap.add_argument("--max-seconds", type=float, default=300.0)
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.ctx = ctx
    srv.state = State(args)

    def stop(signum, frame):
        raise SystemExit(0)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
        signal.signal(s, stop)
    signal.alarm(max(1, int(args.max_seconds)))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    except SystemExit:
        pass
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
