# 37-hints.sh - the local causes of src/hint.c with real sockets and real
# TLS: a failure line as before, then one "postern: hint:" line saying
# what to change.  The providers' refusals are replayed by the scripted
# server of tests/smtp/6[56]x-hint-*.case (test_smtp).
#   - STARTTLS against the implicit-TLS port: no greeting comes (the
#     server waits for a ClientHello);
#   - implicit TLS against the STARTTLS port: the handshake reads "220 ";
#   - each certificate check (issuer, expiry, name, tls_fingerprint), with
#     the certificate's SHA-256 fingerprint in tls_fingerprint's form,
#     which then works as tls_fingerprint;
#   - a connect timeout on port 25 (a firewall that drops it), made real on
#     127.0.0.2:25 by a listener whose accept queue is full; on another
#     port the same timeout gets no hint.

HN_TLS=$(dirname "$SMARTHOST_UNTRUSTED_CA")
# hn_fpr PEM - the certificate's SHA-256 as tls_fingerprint takes it
hn_fpr() {
	openssl x509 -noout -fingerprint -sha256 -in "$1" | sed 's/^[^=]*=//'
}
HN_UNTRUSTED_FPR=$(hn_fpr "$HN_TLS/untrusted-server.pem")
HN_EXPIRED_FPR=$(hn_fpr "$HN_TLS/expired-server.pem")
HN_SERVER_FPR=$(hn_fpr "$HN_TLS/server.pem")
HN_RC=$(config hints "account starttls-on-smtps : sub
port $PORT_SMTPS
timeout 3

account smtps-on-sub : sub
port $PORT_SUBMISSION
tls_starttls off

account untrusted : sub
port $PORT_UNTRUSTED

account expired : sub
port $PORT_EXPIRED

account othername : sub
host $SMARTHOST_OTHER_HOST

account pinned-wrong : sub
tls_fingerprint 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF

account pinned-untrusted : untrusted
tls_fingerprint $HN_UNTRUSTED_FPR")
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: hints\n\nexplained\n' >"$WORK/hints.msg"

# hn_run ACCOUNT - a send through ACCOUNT
hn_run() {
	run_postern "$WORK/hints.msg" -C "$HN_RC" -a "$1" bob@postern.test
}
# hn_hint REGEX DESC - the failure line first, then the hint line matching
hn_hint() {
	local second
	second=$(printf '%s\n' "$ERR" | sed -n 2p)
	if printf '%s\n' "$second" | grep -Eq -- "^postern: hint: .*$1"; then
		ok "hints: $2"
	else
		not_ok "hints: $2" "the second line does not match ^postern: hint: .*$1" "stderr: $ERR"
	fi
	expect_one_line "hints: $2: one failure line, one hint line"
}

hn_run starttls-on-smtps
expect_rc 75 "hints: STARTTLS against the implicit-TLS port times out waiting for the greeting"
expect_err "^postern: .*timed out after 3 s while waiting for the greeting" "hints: the failure line is as before"
hn_hint "set tls on and tls_starttls off" "a silent server: its port may want TLS at once"

hn_run smtps-on-sub
expect_rc 76 "hints: implicit TLS against the STARTTLS port"
expect_err "^postern: .*TLS handshake failed" "hints: the handshake's failure line is as before"
hn_hint "answered in plain text, not TLS: .*set tls_starttls on" "plain text where TLS was due"

hn_run untrusted
expect_rc 69 "hints: a certificate from an unknown issuer"
hn_hint "tls_trust_file.*tls_fingerprint $HN_UNTRUSTED_FPR\$" "the untrusted issuer, with the certificate's fingerprint"
hn_run pinned-untrusted
expect_rc 0 "hints: the fingerprint the hint gave works as tls_fingerprint"
check "hints: the pinned send arrived" test -n "$(wait_mail bob)"

hn_run expired
expect_rc 69 "hints: an expired certificate"
hn_hint "has expired.*$HN_EXPIRED_FPR" "the expiry, with the certificate's fingerprint"

hn_run othername
expect_rc 69 "hints: a certificate for another name"
hn_hint "not for the host name.*tls_fingerprint $HN_SERVER_FPR\$" "the name, with the certificate's fingerprint"

hn_run pinned-wrong
expect_rc 69 "hints: a certificate that is not the pinned one"
hn_hint "set tls_fingerprint $HN_SERVER_FPR\$" "the fingerprint the server presents"

# hn_blackhole IP PORT - a listener on IP:PORT (0: any) whose accept queue
# is full, so that a connect(2) to it times out as a dropped SYN does;
# its port in $WORK/blackhole.port, its pid in HN_BH_PID
hn_blackhole() {
	rm -f "$WORK/blackhole.port"
	python3 -c '
import socket, sys, os, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(0)
filler = socket.create_connection(s.getsockname(), timeout=5)
tmp = sys.argv[3] + ".tmp"
open(tmp, "w").write("%d\n" % s.getsockname()[1]); os.rename(tmp, sys.argv[3])
time.sleep(60)' "$1" "$2" "$WORK/blackhole.port" 2>"$WORK/blackhole.err" &
	HN_BH_PID=$!
	wait_until "$WAIT_S" test -s "$WORK/blackhole.port" || ! kill -0 "$HN_BH_PID" 2>/dev/null
}
hn_unhole() {
	kill "$HN_BH_PID" 2>/dev/null || true
	wait "$HN_BH_PID" 2>/dev/null || true
}

hn_blackhole 127.0.0.2 25
if [ -s "$WORK/blackhole.port" ]; then
	run_postern "$WORK/hints.msg" --host=127.0.0.2 --port=25 --timeout=2 -f alice@postern.test bob@postern.test
	expect_rc 75 "hints: a connect timeout on port 25"
	expect_err "^postern: cannot connect to 127.0.0.2:25: Connection timed out" "hints: the failure line is as before"
	hn_hint "block outgoing port 25; submit on port 587" "port 25 blocked: use 587 or 465"
elif [ "${CI:-}" = true ]; then
	not_ok "hints: 127.0.0.2:25 can be bound for the port-25 case" "$(cat "$WORK/blackhole.err")"
else
	ok "# SKIP hints: 127.0.0.2:25 cannot be bound here: $(tail -n 1 "$WORK/blackhole.err")"
fi
hn_unhole

hn_blackhole 127.0.0.2 0
hn_port=$(cat "$WORK/blackhole.port")
run_postern "$WORK/hints.msg" --host=127.0.0.2 --port="$hn_port" --timeout=2 -f alice@postern.test bob@postern.test
expect_rc 75 "hints: a connect timeout on another port"
check "hints: no hint for a connect timeout off port 25" lacks 'hint:' "$WORK/err"
hn_unhole
