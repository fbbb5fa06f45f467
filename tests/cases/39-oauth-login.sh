# 39-oauth-login.sh - postern --oauth2-login: the accounts it refuses
# before asking anything, the device flow (RFC 8628) and the code flow
# with PKCE (RFC 7636) against the local OAuth 2.0 server of the tests
# (tests/oauthserver.py, HTTPS on loopback with the test CA).  The refusal
# of a system account to anyone but root is in 80-system.sh, which has the
# set-group-ID set-up.

OL_DIR=$WORK/oauth-login
mkdir -p "$OL_DIR"
# a port where nothing listens: an account that reached the network would
# fail there, with another code than the one expected
OL_DOWN=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
OL_RC=$OL_DIR/login.rc
# ol_rc - (re)write the rc file of these tests: OAuth accounts have no
# password, so config()'s defaults (which hold one) are not used
ol_rc() {
	cat >"$OL_RC" <<RC
defaults
host $SMARTHOST_HOST
port $PORT_SUBMISSION
tls_trust_file $SMARTHOST_CA
timeout 30
from alice@postern.test
user $SASL_USER

account none
password "$SASL_PASS"

account cc
auth xoauth2
oauth2_client_id cc-client
oauth2_client_secret cc-secret
oauth2_grant client_credentials
oauth2_token_url https://127.0.0.1:$OL_DOWN/token

account noclient
auth xoauth2
oauth2_provider generic
oauth2_token_url https://127.0.0.1:$OL_DOWN/token
oauth2_device_url https://127.0.0.1:$OL_DOWN/devicecode
${1:-}
RC
	chmod 600 "$OL_RC"
}
ol_rc

# --- refused before anything is asked of a provider
run_postern /dev/null -C "$OL_RC" --oauth2-login -a none
expect_rc 78 "oauth2-login: an account without OAuth 2.0 settings"
expect_err "account none has no OAuth 2.0 settings" "... says there is nothing to sign in for"
expect_one_line "... in one line"
run_postern /dev/null -C "$OL_RC" --oauth2-login -a cc
expect_rc 64 "oauth2-login: a client_credentials account"
expect_err "account cc uses the client_credentials grant" "... says no person signs in for it"
run_postern /dev/null -C "$OL_RC" --oauth2-login -a noclient
expect_rc 78 "oauth2-login: an account without oauth2_client_id"
expect_err "oauth2_client_id" "... names the setting"
run_postern /dev/null -C "$OL_RC" --oauth2-login -a none bob@postern.test
expect_rc 64 "oauth2-login: a recipient is a usage error"
run_postern /dev/null --help
check "--help lists --oauth2-login" grep -q -- '--oauth2-login' "$WORK/out"

# --- the flows, against tests/oauthserver.py
OL_SRV_PID=
# ol_stop - the OAuth server of these tests, if it runs
ol_stop() {
	if [ -n "$OL_SRV_PID" ]; then
		kill "$OL_SRV_PID" 2>/dev/null || true
		wait "$OL_SRV_PID" 2>/dev/null || true
	fi
	OL_SRV_PID=
}
# ol_faults JSON - the server's behaviour from now on (written aside, then
# renamed over: the server reads it on every request)
ol_faults() {
	printf '%s\n' "$1" >"$OL_DIR/srv/faults.json.new"
	mv "$OL_DIR/srv/faults.json.new" "$OL_DIR/srv/faults.json"
}
# ol_polls - the device-code polls the server has logged
ol_polls() {
	grep -c '"grant_type": "urn:ietf:params:oauth:grant-type:device_code"' "$OL_DIR/srv/requests.log" || true
}
# ol_line FILE REGEX - FILE (a background postern's stdout) has the line yet
ol_line() {
	grep -Eq -- "$2" "$1" 2>/dev/null
}
# ol_bg OUT ACCOUNT - postern --oauth2-login in the background, its stdout
# in OUT, stderr in OUT.err; OL_PID
ol_bg() {
	: >"$1"
	timeout 120 "$POSTERN" -C "$OL_RC" --oauth2-login -a "$2" </dev/null >"$1" 2>"$1.err" &
	OL_PID=$!
}
# ol_wait_bg OUT - the background postern's end (bounded); RC, OUT, ERR
ol_wait_bg() {
	wait_until "$WAIT_S" sys_gone_ol "$OL_PID" || kill "$OL_PID" 2>/dev/null || true
	set +e
	wait "$OL_PID"
	RC=$?
	set -e
	OUT=$(cat "$1")
	ERR=$(cat "$1.err")
}
sys_gone_ol() {
	! kill -0 "$1" 2>/dev/null
}
# ol_store_has FILE - a token store holding a refresh token
ol_store_has() {
	[ -f "$1" ] && grep -q '^refresh_token ' "$1"
}
# ol_no_token_in FILES... - the refresh token of the store is in none of them
ol_no_token_in() {
	local rt
	rt=$(sed -n 's/^refresh_token //p' "$OL_DIR/dev.tokens")
	[ -n "$rt" ] && ! grep -qF -- "$rt" "$@"
}

OL_SRV=$top_srcdir/tests/oauthserver.py
if [ ! -f "$OL_SRV" ]; then
	if [ "${CI:-}" = true ]; then not_ok "oauth2-login flows: tests/oauthserver.py is missing"; else ok "# SKIP oauth2-login flows: tests/oauthserver.py is missing"; fi
else
	mkdir -p "$OL_DIR/srv"
	python3 "$OL_SRV" --port-file "$OL_DIR/srv/port" --cert "$SMARTHOST_DIR/tls/server.pem" \
		--key "$SMARTHOST_DIR/tls/server-key.pem" --dir "$OL_DIR/srv" --client login-client \
		--client secret-client:s3cret --max-seconds 600 2>"$OL_DIR/srv/stderr" &
	OL_SRV_PID=$!
	wait_until "$WAIT_S" test -s "$OL_DIR/srv/port" || not_ok "oauthserver.py wrote its port" "$(cat "$OL_DIR/srv/stderr")"
	OL_URL=https://$SMARTHOST_HOST:$(cat "$OL_DIR/srv/port")
	ol_ep="oauth2_trust_file $SMARTHOST_CA
oauth2_token_url $OL_URL/token"
	ol_rc "
account dev
auth xoauth2
oauth2_client_id login-client
oauth2_scope https://outlook.office365.com/SMTP.Send offline_access
oauth2_device_url $OL_URL/devicecode
oauth2_token_store $OL_DIR/dev.tokens
$ol_ep

account dev2 : dev
oauth2_token_store $OL_DIR/dev2.tokens

account devsecret : dev
oauth2_client_id secret-client
oauth2_client_secret wrong-secret
oauth2_token_store $OL_DIR/devsecret.tokens

account pkce
auth xoauth2
oauth2_provider google
oauth2_client_id login-client
oauth2_auth_url $OL_URL/authorize
oauth2_token_store $OL_DIR/pkce.tokens
$ol_ep

account pkce2 : pkce
oauth2_token_store $OL_DIR/pkce2.tokens"

	# device flow: two pendings, slow_down, then the token
	ol_faults '{"interval": 0, "device": ["authorization_pending", "authorization_pending", "slow_down", "ok"]}'
	run_postern /dev/null -C "$OL_RC" --oauth2-login -a dev
	expect_rc 0 "oauth2-login, device flow: signed in after two pendings and a slow_down"
	check "... stdout says where to go" grep -q "^    $OL_URL/device\$" "$WORK/out"
	check "... and the code to enter" grep -Eq '^    [0-9]{4}-[0-9]{4}$' "$WORK/out"
	check "... and where the token went" grep -qF "saved in $OL_DIR/dev.tokens" "$WORK/out"
	check "... the store holds the refresh token" ol_store_has "$OL_DIR/dev.tokens"
	check "... the store is the user's alone (0600)" test "$(stat -c %a "$OL_DIR/dev.tokens")" = 600
	check "... four polls" test "$(ol_polls)" = 4
	check "... none sooner than the interval (5 s after slow_down)" lacks '"too_fast": true' "$OL_DIR/srv/requests.log"
	check "... no token on stdout or stderr" ol_no_token_in "$WORK/out" "$WORK/err"
	check "... nothing on stderr" test ! -s "$WORK/err"

	# a following send uses it: the cached access token expired, the send
	# refreshes with the saved refresh token, and the scripted SMTP server
	# checks the XOAUTH2 token with the authorization server
	python3 "$top_srcdir/tests/faultsmtp.py" --port-file "$OL_DIR/smtp.port" --log "$OL_DIR/smtp.log" \
		--max-seconds 600 --tls-cert "$SMARTHOST_DIR/tls/server.pem" --tls-key "$SMARTHOST_DIR/tls/server-key.pem" \
		"{\"oauth_introspect\": \"$OL_URL/introspect\", \"oauth_ca\": \"$SMARTHOST_CA\"}" \
		>"$OL_DIR/smtp.out" 2>"$OL_DIR/smtp.err" &
	OL_FS_PID=$!
	wait_until "$WAIT_S" test -s "$OL_DIR/smtp.port" || true
	sed -i 's/^expires [0-9]*$/expires 1/' "$OL_DIR/dev.tokens"
	printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: after the sign-in\n\nbody\n' >"$OL_DIR/msg"
	run_postern "$OL_DIR/msg" -C "$OL_RC" -a dev --port="$(cat "$OL_DIR/smtp.port" 2>/dev/null || echo 9)" --tls=on \
		bob@postern.test
	expect_rc 0 "a send after the sign-in refreshes with the saved refresh token and authenticates (XOAUTH2)"
	check "... with a refresh_token grant (the saved token is the provider's)" grep -q '"grant_type": "refresh_token".*"status": 200' "$OL_DIR/srv/requests.log"
	check "... the SMTP server found its token active" grep -q '"active": true' "$OL_DIR/smtp.log"
	kill "$OL_FS_PID" 2>/dev/null || true
	wait "$OL_FS_PID" 2>/dev/null || true

	ol_faults '{"interval": 0, "device": ["authorization_pending", "expired_token"]}'
	run_postern /dev/null -C "$OL_RC" --oauth2-login -a dev2
	expect_rc 75 "oauth2-login, device flow: expired_token"
	expect_err "account dev2: the code expired before it was entered: run --oauth2-login again" "... says so and what to do"
	expect_one_line "... in one line"
	check "... nothing saved" test ! -e "$OL_DIR/dev2.tokens"

	ol_faults '{"interval": 0, "device": ["authorization_pending", "access_denied"]}'
	run_postern /dev/null -C "$OL_RC" --oauth2-login -a dev2
	expect_rc 77 "oauth2-login, device flow: access_denied"
	expect_err "account dev2: the sign-in was refused \(access_denied\)" "... says the person refused"
	check "... nothing saved" test ! -e "$OL_DIR/dev2.tokens"

	ol_faults '{"interval": 0, "device_expires_in": 1, "device": ["authorization_pending", "authorization_pending", "authorization_pending", "slow_down"]}'
	run_postern /dev/null -C "$OL_RC" --oauth2-login -a dev2
	expect_rc 75 "oauth2-login, device flow: expires_in passes while pending"
	expect_err "expired" "... says the code expired"

	ol_faults '{"interval": 0}'
	run_postern /dev/null -C "$OL_RC" --oauth2-login -a devsecret
	expect_rc 77 "oauth2-login, device flow: a wrong client secret (invalid_client)"
	expect_err "account devsecret: the client secret was refused" "... names the account and the cause"
	check "... the secret is not printed" lacks 'wrong-secret' "$WORK/out" <(printf '%s\n' "$ERR")

	# code flow with PKCE: the test plays the browser with the printed URL;
	# the server redirects to postern's listener, and checks S256 at the
	# exchange
	ol_bg "$OL_DIR/pkce.out" pkce
	wait_until "$WAIT_S" ol_line "$OL_DIR/pkce.out" '^Waiting for the browser' || true
	ol_auth=$(sed -n 's/^    \(https:.*\)$/\1/p' "$OL_DIR/pkce.out")
	check "oauth2-login, code flow: the URL has S256 PKCE, a state and the loopback redirect" \
		python3 - "$ol_auth" <<'PY'
import sys, urllib.parse
q = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(sys.argv[1]).query))
ok = (q.get("response_type") == "code" and q.get("code_challenge_method") == "S256"
      and len(q.get("code_challenge", "")) == 43 and len(q.get("state", "")) >= 16
      and q.get("redirect_uri", "").startswith("http://127.0.0.1:") and q.get("client_id") == "login-client")
sys.exit(0 if ok else 1)
PY
	check "... and, for google, access_type=offline and prompt=consent" \
		sh -c 'case "$1" in *access_type=offline*prompt=consent*) exit 0;; esac; exit 1' sh "$ol_auth"
	curl -sS -L --max-time 30 --cacert "$SMARTHOST_CA" -o "$OL_DIR/page" "$ol_auth" 2>"$OL_DIR/curl.err" || true
	ol_wait_bg "$OL_DIR/pkce.out"
	expect_rc 0 "oauth2-login, code flow: signed in through the browser's redirect"
	check "... the browser was told" grep -q 'signed in' "$OL_DIR/page"
	check "... nothing on stderr" test -z "$ERR"
	check "... the store holds the refresh token" ol_store_has "$OL_DIR/pkce.tokens"
	check "... the server checked the verifier against the challenge (the exchange succeeded)" \
		grep -q '"grant_type": "authorization_code".*"status": 200' "$OL_DIR/srv/requests.log"
	check "... no code or token printed" lacks 'ac-|refresh_token' "$OL_DIR/pkce.out" "$OL_DIR/page"

	# a redirect with another state: refused, nothing exchanged or saved
	ol_codes=$(grep -c '"grant_type": "authorization_code"' "$OL_DIR/srv/requests.log" || true)
	ol_bg "$OL_DIR/pkce2.out" pkce2
	wait_until "$WAIT_S" ol_line "$OL_DIR/pkce2.out" '^Waiting for the browser' || true
	ol_port=$(sed -n 's|^Waiting for the browser.s redirect to http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$OL_DIR/pkce2.out")
	ol_status=$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ol_port/favicon.ico" || true)
	check "oauth2-login, code flow: another path is answered 404 (and the wait goes on)" test "$ol_status" = 404
	ol_status=$(curl -s --max-time 30 -o "$OL_DIR/page2" -w '%{http_code}' \
		"http://127.0.0.1:$ol_port/?code=ac-forged&state=not-this-one" || true)
	ol_wait_bg "$OL_DIR/pkce2.out"
	expect_rc 76 "oauth2-login, code flow: a redirect with another state is refused"
	expect_err "state is not this sign-in's" "... saying why"
	check "... the browser had 400" test "$ol_status" = 400
	check "... no code was exchanged" test "$(grep -c '"grant_type": "authorization_code"' "$OL_DIR/srv/requests.log" || true)" = "$ol_codes"
	check "... nothing saved" test ! -e "$OL_DIR/pkce2.tokens"

	# the provider's error in the redirect
	ol_bg "$OL_DIR/pkce3.out" pkce2
	wait_until "$WAIT_S" ol_line "$OL_DIR/pkce3.out" '^Waiting for the browser' || true
	ol_port=$(sed -n 's|^Waiting for the browser.s redirect to http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$OL_DIR/pkce3.out")
	curl -s --max-time 30 -o /dev/null "http://127.0.0.1:$ol_port/?error=access_denied&error_description=The+user+said+no" || true
	ol_wait_bg "$OL_DIR/pkce3.out"
	expect_rc 77 "oauth2-login, code flow: access_denied in the redirect"
	expect_err "account pkce2: the sign-in failed: access_denied: 'The user said no'" "... with the provider's words, escaped"
	ol_stop
fi
