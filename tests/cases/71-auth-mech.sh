# 71-auth-mech.sh - authentication methods through a whole run: what the
# account check and the secret sources do for them (the dialogues are
# scripted in tests/smtp/3xx; real servers in 36-auth.sh).  A scripted
# implicit-TLS server (tests/faultsmtp.py) offers AUTH EXTERNAL.

AM="$WORK/auth-mech"
mkdir -p "$AM"
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: external\n\nhello\n' >"$AM/msg"
certtool --generate-privkey --key-type=ecdsa --outfile "$AM/client-key.pem" >/dev/null 2>&1
printf 'cn = "postern external client"\nexpiration_days = 2\nsigning_key\ntls_www_client\n' >"$AM/client.tmpl"
certtool --generate-self-signed --load-privkey "$AM/client-key.pem" --template "$AM/client.tmpl" \
	--outfile "$AM/client.pem" >/dev/null 2>&1
chmod 600 "$AM/client-key.pem"

# am_serve SCENARIO - a server on a fresh port; sets AM_PID, AM_PORT
am_serve() {
	rm -f "$AM/port" "$AM/log" "$AM/summary"
	python3 -S "$top_srcdir/tests/faultsmtp.py" --port-file "$AM/port" --log "$AM/log" --max-seconds 120 \
		--tls-cert "$SMARTHOST_DIR/tls/server.pem" --tls-key "$SMARTHOST_DIR/tls/server-key.pem" \
		--summary-file "$AM/summary" "$1" >"$AM/server.out" 2>"$AM/server.err" &
	AM_PID=$!
	wait_until "$WAIT_S" test -s "$AM/port" || true
	AM_PORT=$(cat "$AM/port" 2>/dev/null || echo 9)
}

# am_stop - end the server, bounded
am_stop() {
	kill -TERM "$AM_PID" 2>/dev/null || true
	wait "$AM_PID" 2>/dev/null || true
}

# am_rc LINES - an account on the running server with a client certificate
am_rc() {
	printf 'account default\nhost %s\nport %s\ntls on\ntls_starttls off\ntls_trust_file %s\nfrom alice@postern.test\ntls_cert_file %s\ntls_key_file %s\n%s\n' \
		"$SMARTHOST_HOST" "$AM_PORT" "$SMARTHOST_CA" "$AM/client.pem" "$AM/client-key.pem" "$1" >"$AM/rc"
	chmod 600 "$AM/rc"
	echo "$AM/rc"
}

# EXTERNAL: the certificate is the credential; no password is looked for
# (none in the file, no keyring, no ~/.netrc, no terminal: a password
# search would fail with 78 before connecting)
am_serve '{"implicit_tls": true, "caps_tls": ["PIPELINING", "AUTH PLAIN EXTERNAL"], "auth": "235 2.7.0 ok"}'
HOME=$AM run_postern "$AM/msg" -C "$(am_rc 'auth external')" bob@postern.test
expect_rc 0 "auth external without a user or password: delivered"
am_stop
check "auth external: the empty initial response, AUTH EXTERNAL =" grep -q '^command 1 .* AUTH EXTERNAL =$' "$AM/summary"

am_serve '{"implicit_tls": true, "caps_tls": ["PIPELINING", "AUTH PLAIN EXTERNAL"], "auth": "235 2.7.0 ok"}'
HOME=$AM run_postern "$AM/msg" -C "$(am_rc 'auth on')" bob@postern.test
expect_rc 0 "auth on with a client certificate and no user: EXTERNAL, no password asked for"
am_stop
check "auth on with a certificate and no user: AUTH EXTERNAL =" grep -q '^command 1 .* AUTH EXTERNAL =$' "$AM/summary"

am_serve '{"implicit_tls": true, "caps_tls": ["PIPELINING", "AUTH PLAIN EXTERNAL"], "auth": "235 2.7.0 ok"}'
HOME=$AM run_postern "$AM/msg" -C "$(am_rc 'auth external
user alice@postern.test')" bob@postern.test
expect_rc 0 "auth external with a user: delivered"
am_stop
check "auth external with a user: it is the authorization identity" \
	grep -q '^command 1 .* AUTH EXTERNAL YWxpY2VAcG9zdGVybi50ZXN0$' "$AM/summary"

am_serve '{"implicit_tls": true}'
run_postern "$AM/msg" -C "$(am_rc 'auth external
tls_cert_file
tls_key_file')" bob@postern.test
expect_rc 78 "auth external without a client certificate: a configuration error"
expect_err "auth external needs a client certificate" "... saying what it needs"
am_stop

# --check-config --connect reads every AUTH line of the EHLO reply, as a
# send does (a server may say "AUTH PLAIN LOGIN" and "AUTH=LOGIN")
am_serve '{"implicit_tls": true, "caps_tls": ["PIPELINING", "AUTH PLAIN LOGIN", "AUTH=LOGIN"]}'
run_postern /dev/null --check-config --connect -C "$(am_rc 'auth plain
user alice
password secret')"
am_stop
expect_rc 0 "--check-config --connect: PLAIN fits, offered on the first of two AUTH lines"
