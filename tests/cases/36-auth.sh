# 36-auth.sh - part 9's authentication against real servers: Dovecot's
# SCRAM-SHA-1 and SCRAM-SHA-256 behind Postfix, Dovecot's own submission
# service for AUTH EXTERNAL with a client certificate, the scripted server
# (tests/faultsmtp.py with tests/scramsrv.py) checking the channel binding
# of the -PLUS forms on TLS 1.2 (tls-unique) and TLS 1.3 (tls-exporter) and
# playing the providers' OAuth refusals, and Dovecot's oauth2 passdb asking
# tests/oauthserver.py's introspection endpoint about postern's tokens.

AU=$WORK/auth
AU_PY="$top_srcdir/tests/faultsmtp.py"
AU_N=0
AU_PID=
mkdir -p "$AU"
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: auth\nDate: Mon, 07 Dec 2026 20:00:00 +0000\nMessage-ID: <auth@postern.test>\n\nauthenticated\n' >"$AU/msg"
# a client key that only its owner reads, as a person's would be
install -m 600 "$CLIENT_KEY" "$AU/client-key.pem"
install -m 600 "$UNTRUSTED_CLIENT_KEY" "$AU/untrusted-client-key.pem"
install -m 600 "$UNKNOWN_CLIENT_KEY" "$AU/unknown-client-key.pem"

AU_RC=$(config auth "account scram1 : sub
port $PORT_SCRAM
auth scram-sha-1

account scram256 : scram1
auth scram-sha-256

account scramwrong : scram256
password \"correct horse battery\"

account carol : scram256
user $SASL_USER3
password \"nbsp$(printf '\302\240')pa$(printf '\302\255')ss\"

account carolplain : carol
port $PORT_SUBMISSION
auth plain

account fs : sub

account ext : sub
port $PORT_EXTERNAL
auth external
tls_cert_file $CLIENT_CERT
tls_key_file $AU/client-key.pem

account exts : ext
port $PORT_EXTERNAL_SMTPS
tls_starttls off

account extnocert : sub
port $PORT_EXTERNAL
auth external

account extuntrusted : ext
tls_cert_file $UNTRUSTED_CLIENT_CERT
tls_key_file $AU/untrusted-client-key.pem

account extunknown : ext
tls_cert_file $UNKNOWN_CLIENT_CERT
tls_key_file $AU/unknown-client-key.pem

account extauto : ext
auth on
user")

# au_mark - remember where the Postfix log ends now
au_mark() {
	AU_LOGPOS=$(stat -c %s "$POSTFIX_LOG" 2>/dev/null || echo 0)
}

# au_logged REGEX - Postfix logs a matching line after au_mark (its log
# is written by postlogd a moment after the reply: bounded wait)
au_logged_now() {
	tail -c +"$((AU_LOGPOS + 1))" "$POSTFIX_LOG" | grep -Eq -- "$1"
}
au_logged() {
	wait_until "$WAIT_S" au_logged_now "$1"
}

# au_send ACCOUNT [ARGS...] - a -v send of the test message to bob
au_send() {
	local acc=$1
	shift
	au_mark
	run_postern "$AU/msg" -C "$AU_RC" -a "$acc" -v "$@" bob@postern.test
}

# ------------------------------------------------------------ Dovecot SCRAM

for m in 1 256; do
	fresh
	au_send "scram$m"
	expect_rc 0 "SCRAM-SHA-$m named, against Dovecot"
	check "SCRAM-SHA-$m: the transcript names it" has "^--> AUTH SCRAM-SHA-$m( |\$)" "$WORK/err"
	check "SCRAM-SHA-$m: Postfix logged that method" au_logged "sasl_method=SCRAM-SHA-$m, sasl_username=alice@postern.test"
	f=$(wait_mail bob)
	check "SCRAM-SHA-$m: the message arrives" same_as_sent "$f" "$AU/msg"
done

fresh
au_send sub
expect_rc 0 "auth on where the server offers PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256"
check "auth on: the server offers all five (the pattern is right)" \
	has '^<-- 250.AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256$' "$WORK/err"
check "auth on: SCRAM-SHA-256 is chosen" has '^--> AUTH SCRAM-SHA-256( |$)' "$WORK/err"
check "auth on: Postfix logged SCRAM-SHA-256" au_logged "sasl_method=SCRAM-SHA-256, sasl_username=alice@postern.test"
check "auth on: the message arrives" test -n "$(wait_mail bob)"

fresh
au_send scramwrong
expect_rc 77 "SCRAM-SHA-256 with a wrong password is refused"
check "a wrong SCRAM password: -v never shows the password" lacks "correct horse battery" "$WORK/err"
run_postern "$AU/msg" -C "$AU_RC" -a scramwrong bob@postern.test
expect_err "535 5\.7\.8" "a wrong SCRAM password: the server's reply is shown"
expect_one_line "a wrong SCRAM password: one line on stderr"
check "a wrong SCRAM password: nothing arrives" no_mail bob

# the password in the rc file has U+00A0 (a space to SASLprep) and U+00AD
# (mapped to nothing); Dovecot stores the prepared form "nbsp pass"
fresh
au_send carol
expect_rc 0 "SCRAM-SHA-256 with a password that needs SASLprep (U+00A0, U+00AD)"
check "SASLprep: Postfix logged carol's SCRAM-SHA-256" au_logged "sasl_method=SCRAM-SHA-256, sasl_username=carol@postern.test"
check "SASLprep: the message arrives" test -n "$(wait_mail bob)"
au_send carolplain
expect_rc 77 "... the same password as PLAIN (sent as written) is refused: the stored one differs"

# ------------------------------------------------------------ channel binding

# au_up - the scripted server wrote its port, or ended
au_up() {
	[ -s "$AU_D/port" ] || ! kill -0 "$AU_PID" 2>/dev/null
}

# au_server SCENARIO - start the scripted server (the smarthost's
# certificate, so smtp.postern.test verifies) playing SCENARIO; sets
# AU_PORT (1 when it did not start) and AU_D
au_server() {
	au_stop
	AU_N=$((AU_N + 1))
	AU_D=$AU/$AU_N
	mkdir -p "$AU_D"
	python3 -S "$AU_PY" --port-file "$AU_D/port" --log "$AU_D/log" --summary-file "$AU_D/summary" \
		--max-seconds 180 --tls-cert "$SMARTHOST_DIR/tls/server.pem" \
		--tls-key "$SMARTHOST_DIR/tls/server-key.pem" "$1" >"$AU_D/out" 2>"$AU_D/err" &
	AU_PID=$!
	AU_PORT=1
	if wait_until "$WAIT_S" au_up && [ -s "$AU_D/port" ]; then
		AU_PORT=$(cat "$AU_D/port")
	else
		echo "# the scripted server did not start: $(cat "$AU_D/err")"
	fi
}

# au_stop - end the scripted server (bounded: it ends on SIGTERM)
au_stop() {
	[ -n "$AU_PID" ] || return 0
	kill "$AU_PID" 2>/dev/null || true
	wait "$AU_PID" 2>/dev/null || true
	AU_PID=
}

# au_conn N - the summary of connection N, once the server logged it
au_conn_logged() {
	grep -q "^connection $1 " "$AU_D/summary" 2>/dev/null
}
au_conn() {
	wait_until "$WAIT_S" au_conn_logged "$1" || echo "# connection $1 was not logged"
	grep -E "^(connection|command|scram) $1 " "$AU_D/summary" >"$AU_D/conn$1" 2>/dev/null || true
	echo "$AU_D/conn$1"
}

# au_fs ACCOUNT-ARGS... - a -v send to the scripted server
au_fs() {
	run_postern "$AU/msg" -C "$AU_RC" -a fs --port="$AU_PORT" -v "$@" bob@postern.test
}

AU_SCRAM='"scram": {"user": "alice@postern.test", "password": "correct horse"'
AU_PLUS='"caps_tls": ["AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-1 PLAIN"]'
AU_ONLYPLUS='"caps_tls": ["AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS"]'

# TLS 1.2 binds with tls-unique, TLS 1.3 with tls-exporter (RFC 9266)
n=0
for v in 1.2 1.3; do
	cb=tls-exporter
	[ "$v" = 1.3 ] || cb=tls-unique
	au_server "{$AU_SCRAM}, $AU_PLUS, \"tls_version\": \"$v\"}"
	n=0
	for m in 256 1; do
		n=$((n + 1))
		au_fs --auth="scram-sha-$m-plus"
		expect_rc 0 "SCRAM-SHA-$m-PLUS over TLS $v"
		c=$(au_conn $n)
		check "SCRAM-SHA-$m-PLUS over TLS $v: the server checked a $cb binding and the proof" \
			has "^scram $n tls=TLSv$v mech=SCRAM-SHA-$m-PLUS cbind=p=$cb binding=ok proof=ok .*client accepted it" "$c"
		check "SCRAM-SHA-$m-PLUS over TLS $v: the message was accepted" \
			has "^connection $n tls=yes complete=yes accepted=yes" "$c"
	done
	n=$((n + 1))
	au_fs --auth=on
	expect_rc 0 "auth on over TLS $v where -PLUS is offered"
	c=$(au_conn $n)
	check "auth on over TLS $v: SCRAM-SHA-256-PLUS with $cb is chosen" \
		has "^scram $n tls=TLSv$v mech=SCRAM-SHA-256-PLUS cbind=p=$cb binding=ok proof=ok" "$c"
done

au_server "{$AU_SCRAM}, $AU_ONLYPLUS}"
au_fs --auth=on
expect_rc 0 "auth on where the server offers only the -PLUS forms"
c=$(au_conn 1)
check "only -PLUS: SCRAM-SHA-256-PLUS, bound and proven" \
	has '^scram 1 tls=TLSv1.3 mech=SCRAM-SHA-256-PLUS cbind=p=tls-exporter binding=ok proof=ok' "$c"

# the gs2 flag (RFC 5802 6): "y" (could bind, the server offers no -PLUS)
# where -PLUS is not offered; "n" where it is and a method without -PLUS is
# named (a server offering -PLUS refuses "y" as a downgrade)
au_server "{$AU_SCRAM}, \"caps_tls\": [\"AUTH SCRAM-SHA-256 SCRAM-SHA-1 PLAIN\"]}"
au_fs --auth=on
expect_rc 0 "auth on where SCRAM is offered without -PLUS, inside TLS"
check "without -PLUS offered: SCRAM-SHA-256 with the flag y (postern could bind)" \
	has '^scram 1 tls=TLSv1.3 mech=SCRAM-SHA-256 cbind=y binding=ok proof=ok' "$(au_conn 1)"
au_server "{$AU_SCRAM}, $AU_PLUS}"
au_fs --auth=scram-sha-256
expect_rc 0 "scram-sha-256 named where -PLUS is offered too"
check "-PLUS offered, scram-sha-256 named: the flag n, accepted" \
	has '^scram 1 tls=TLSv1.3 mech=SCRAM-SHA-256 cbind=n binding=ok proof=ok' "$(au_conn 1)"

# au_refused N DESC - the connection carried no message and no MAIL
au_refused() {
	local c
	c=$(au_conn "$1")
	check "$2: no MAIL and no message reached the server" \
		eval "has '^connection $1 tls=yes complete=no' '$c' && lacks '^command $1 .* MAIL FROM' '$c'"
}

for v in 1.2 1.3; do
	au_server "{$AU_SCRAM, \"mode\": \"cb_mismatch\"}, $AU_PLUS, \"tls_version\": \"$v\"}"
	au_fs --auth=scram-sha-256-plus
	expect_rc 77 "TLS $v: a channel binding that differs at the server (a man in the middle) is refused"
	expect_err "channel-bindings-dont-match" "TLS $v: the server's reason is shown"
	au_refused 1 "TLS $v: the binding refused"
done

au_server "{$AU_SCRAM, \"mode\": \"bad_signature\"}, $AU_PLUS}"
au_fs --auth=scram-sha-256-plus
expect_rc 76 "a server whose SCRAM signature is wrong gets no message"
expect_err "signature is wrong" "a wrong server signature: the error says so"
au_refused 1 "a wrong server signature"
check "a wrong server signature: postern cancelled the exchange" has '^scram 1 .*client aborted' "$(au_conn 1)"
au_fs --auth=scram-sha-256
expect_rc 76 "the same without -PLUS"
au_refused 2 "a wrong server signature (SCRAM-SHA-256)"
run_postern "$AU/msg" -C "$AU_RC" -a fs --port="$AU_PORT" bob@postern.test
expect_one_line "a wrong server signature: one line on stderr"

au_server "{$AU_SCRAM, \"mode\": \"no_final\"}, $AU_PLUS}"
au_fs --auth=scram-sha-256-plus
expect_rc 76 "235 without the server's signature: no message"
expect_err "without proving" "235 without the server's signature: the error says so"
au_refused 1 "235 without the server's signature"

# ------------------------------------------------------------ EXTERNAL

fresh
au_send ext
expect_rc 0 "EXTERNAL with a client certificate from the test CA (Dovecot submission, STARTTLS)"
check "EXTERNAL: the transcript names it" has '^--> AUTH EXTERNAL( |$)' "$WORK/err"
f=$(wait_mail bob)
check "EXTERNAL: the message arrives" same_as_sent "$f" "$AU/msg"
fresh
au_send exts
expect_rc 0 "EXTERNAL over implicit TLS"
check "EXTERNAL over implicit TLS: the message arrives" test -n "$(wait_mail bob)"

fresh
au_send extauto
expect_rc 0 "auth on with a client certificate and no user"
check "auth on with a certificate and no user: EXTERNAL is chosen" has '^--> AUTH EXTERNAL( |$)' "$WORK/err"
check "auth on with a certificate and no user: the message arrives" test -n "$(wait_mail bob)"

fresh
# (that the server refuses EXTERNAL without a certificate was checked with
# msmtp when tests/smarthost learnt it; postern does not even connect)
au_send extnocert
expect_rc 78 "auth external without a client certificate is a configuration error"
expect_err "auth external needs a client certificate" "auth external without a certificate: the error says so"
au_send extuntrusted
expect_rc 77 "EXTERNAL with a certificate from another CA is refused"
expect_err "Client didn't present valid SSL certificate" "EXTERNAL with an untrusted certificate: the server's reason"
au_send extunknown
expect_rc 77 "EXTERNAL with a certificate for a user the server does not know is refused"
expect_err "535 5\.7\.8" "EXTERNAL for an unknown user: the server's reply is shown"
check "EXTERNAL refused: nothing arrives" no_mail bob

# ------------------------------------------------------------ providers' refusals

AU_GMAIL='"auth": "334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==", "auth:1": "535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials"'
au_server "{\"caps_tls\": [\"AUTH XOAUTH2 OAUTHBEARER\"], $AU_GMAIL}"
n=0
for m in xoauth2 oauthbearer; do
	n=$((n + 1))
	au_fs --auth=$m
	expect_rc 77 "Gmail's error challenge ($m)"
	expect_err '401' "Gmail's error challenge ($m): the status is shown"
	expect_err 'https://mail\.google\.com/' "Gmail's error challenge ($m): the scope is shown"
	au_refused $n "Gmail's error challenge ($m)"
done

n=0
for reply in '535 5.7.3 Authentication unsuccessful' \
	'535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.' \
	'550 5.7.30 Basic authentication is not supported for Client Submission.'; do
	code=${reply%% *}
	esc=${reply#* }
	esc=${esc%% *}
	au_server "{\"caps_tls\": [\"AUTH LOGIN XOAUTH2\"], \"auth\": \"$reply\"}"
	au_fs --auth=xoauth2
	expect_rc 77 "Microsoft's $code $esc"
	expect_err "$code $esc" "Microsoft's $code $esc: the reply is shown"
	au_refused 1 "Microsoft's $code $esc"
done
au_stop

# ------------------------------------------------------------ OAuth 2.0 through Dovecot

# tests/oauthserver.py issues tokens; Dovecot's oauth2 passdb (behind
# PORT_OAUTH) asks its /introspect whether a token is active and whose it is
mkdir -p "$AU/oauth" "$AU/store"
chmod 700 "$AU/store"
python3 "$top_srcdir/tests/oauthserver.py" --port-file "$AU/oauth/port" \
	--cert "$SMARTHOST_DIR/tls/server.pem" --key "$SMARTHOST_DIR/tls/server-key.pem" \
	--dir "$AU/oauth" --client app:appsecret --username "$SASL_USER" --max-seconds 600 \
	>"$AU/oauth/out" 2>"$AU/oauth/err" &
AU_OA_PID=$!
# au_oa_up - the authorization server wrote its port, or ended
au_oa_up() {
	[ -s "$AU/oauth/port" ] || ! kill -0 "$AU_OA_PID" 2>/dev/null
}
wait_until "$WAIT_S" au_oa_up || true
AU_OA_URL="https://$SMARTHOST_HOST:$(cat "$AU/oauth/port" 2>/dev/null || echo 9)"
if "$top_srcdir/tests/smarthost" oauth2 "$SMARTHOST_DIR" "$AU_OA_URL/introspect" >"$AU/oauth/dovecot.out" 2>&1; then
	ok "Dovecot's oauth2 passdb starts, asking $AU_OA_URL/introspect"
else
	not_ok "Dovecot's oauth2 passdb starts" "$(cat "$AU/oauth/dovecot.out" "$AU/oauth/err")"
fi
AU_OA_RC=$(config authoauth "account cc : sub
port $PORT_OAUTH
auth xoauth2
password
oauth2_provider generic
oauth2_token_url $AU_OA_URL/token
oauth2_trust_file $SMARTHOST_CA
oauth2_client_id app
oauth2_client_secret appsecret
oauth2_grant client_credentials
oauth2_scope smtp
oauth2_token_store $AU/store/cc

account bearer : cc
auth oauthbearer
oauth2_token_store $AU/store/bearer

account badtoken : sub
port $PORT_OAUTH
auth xoauth2
password not-a-token-the-server-issued")

# au_introspected N - the authorization server answered N introspections
# that found an active token
au_introspected() {
	test "$(grep '"path": "/introspect"' "$AU/oauth/requests.log" 2>/dev/null | grep -c '"active": true')" = "$1"
}

n=0
for acc in cc bearer; do
	m=XOAUTH2
	[ "$acc" = cc ] || m=OAUTHBEARER
	n=$((n + 1))
	fresh
	au_mark
	run_postern "$AU/msg" -C "$AU_OA_RC" -a "$acc" bob@postern.test
	expect_rc 0 "$m end to end: postern fetches a token (client credentials) and Dovecot checks it"
	check "$m end to end: Postfix logged $m for $SASL_USER" au_logged "sasl_method=$m, sasl_username=$SASL_USER"
	check "$m end to end: Dovecot asked the authorization server ($n active)" wait_until "$WAIT_S" au_introspected $n
	f=$(wait_mail bob)
	check "$m end to end: the message arrives" same_as_sent "$f" "$AU/msg"
done

fresh
run_postern "$AU/msg" -C "$AU_OA_RC" -a badtoken bob@postern.test
expect_rc 77 "a token the authorization server did not issue is refused"
expect_err "535 5\.7\.8" "a refused token: the server's reply is shown"
check "a refused token: Dovecot asked, and the token was not active" \
	wait_until "$WAIT_S" grep -q '"active": false' "$AU/oauth/requests.log"
check "a refused token: nothing arrives" no_mail bob
kill "$AU_OA_PID" 2>/dev/null || true
wait "$AU_OA_PID" 2>/dev/null || true
