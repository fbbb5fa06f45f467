# 38-oauth.sh - OAuth 2.0 tokens that postern obtains itself, against the
# local authorization server (tests/oauthserver.py) and a scripted SMTP
# server (tests/faultsmtp.py) that checks every token it is given with the
# authorization server's introspection endpoint: the client credentials
# grant, the cache (no request, no libcurl), refresh with rotation saved
# before use, concurrent sends, expiry, the store's permissions, and the
# token endpoint down, slow, garbled or refusing.

OA="$WORK/oauth"
OA_PY="$top_srcdir/tests/oauthserver.py"
FS_PY="$top_srcdir/tests/faultsmtp.py"
mkdir -p "$OA/srv" "$OA/store" "$OA/smtp" "$OA/dead"
chmod 700 "$OA/store"
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: oauth\n\nbody\n' >"$OA/msg"

# oa_listening DIR PID - the server wrote its port file, or has died
oa_listening() {
	[ -s "$1/port" ] || ! kill -0 "$2" 2>/dev/null
}

python3 "$OA_PY" --port-file "$OA/srv/port" --cert "$SMARTHOST_DIR/tls/server.pem" \
	--key "$SMARTHOST_DIR/tls/server-key.pem" --dir "$OA/srv" --client app:appsecret --client pub \
	--refresh-token pub:rt-seed --refresh-token pub:rt-seed2 --max-seconds 900 \
	>"$OA/srv/out" 2>"$OA/srv/err" &
OA_PID=$!
wait_until "$WAIT_S" oa_listening "$OA/srv" "$OA_PID" || true
OA_PORT=$(cat "$OA/srv/port" 2>/dev/null || echo 9)
OA_URL="https://$SMARTHOST_HOST:$OA_PORT"

python3 "$FS_PY" --port-file "$OA/smtp/port" --log "$OA/smtp/log" --max-seconds 900 \
	--tls-cert "$SMARTHOST_DIR/tls/server.pem" --tls-key "$SMARTHOST_DIR/tls/server-key.pem" \
	"{\"oauth_introspect\": \"$OA_URL/introspect\", \"oauth_ca\": \"$SMARTHOST_CA\"}" \
	>"$OA/smtp/out" 2>"$OA/smtp/err" &
FS_PID=$!
wait_until "$WAIT_S" oa_listening "$OA/smtp" "$FS_PID" || true
FS_PORT=$(cat "$OA/smtp/port" 2>/dev/null || echo 9)
check "the authorization server and the SMTP server listen" test "$OA_PORT" != 9 -a "$FS_PORT" != 9

# oa_faults JSON - what the token endpoint does from now on
oa_faults() {
	printf '%s\n' "$1" >"$OA/srv/faults.tmp"
	mv "$OA/srv/faults.tmp" "$OA/srv/faults.json"
}

# oa_requests [GRANT] - token requests so far (of GRANT)
oa_requests() {
	if [ -n "${1:-}" ]; then
		grep -c "\"grant_type\": \"$1\"" "$OA/srv/requests.log" 2>/dev/null || true
	else
		grep -c '"path": "/token"' "$OA/srv/requests.log" 2>/dev/null || true
	fi
}

# oa_active N - the SMTP server's introspections that found an active token
oa_active() {
	grep -o '"active": true' "$OA/smtp/log" 2>/dev/null | wc -l
}

# oa_expire STORE - the cached access token expires now
oa_expire() {
	sed -i 's/^expires [0-9]*$/expires 1/' "$1"
}

OA_RC="$OA/rc"
cat >"$OA_RC" <<RC
defaults
host $SMARTHOST_HOST
port $FS_PORT
tls on
tls_trust_file $SMARTHOST_CA
timeout 10
from alice@postern.test
user alice@postern.test
auth xoauth2
oauth2_provider generic
oauth2_token_url $OA_URL/token
oauth2_trust_file $SMARTHOST_CA

account cc
oauth2_client_id app
oauth2_client_secret appsecret
oauth2_grant client_credentials
oauth2_scope smtp
oauth2_token_store $OA/store/cc

account wrongsecret : cc
oauth2_client_secret not-the-secret
oauth2_token_store $OA/store/wrongsecret

account rt
oauth2_client_id pub
oauth2_scope smtp offline
oauth2_token_store $OA/store/rt

account rt2 : rt
oauth2_token_store $OA/store/rt2

account nort : rt
oauth2_token_store $OA/store/nort

account bearer : cc
auth oauthbearer
oauth2_token_store $OA/store/bearer

account asplain : cc
auth plain
oauth2_token_store $OA/store/asplain

account kr : cc
oauth2_token_store keyring

account fault : cc
oauth2_token_store $OA/store/fault
dead_letter $OA/dead

account slow : fault
timeout 3

account busy : fault
timeout 1
RC
chmod 600 "$OA_RC"

# --- client credentials: fetched once, then from the cache
run_postern "$OA/msg" -C "$OA_RC" -a cc bob@postern.test
expect_rc 0 "client credentials: the token is fetched and the message sent"
check "one client_credentials request was made" test "$(oa_requests client_credentials)" = 1
check "the SMTP server found the token active" test "$(oa_active)" = 1
check "the store is the user's alone (0600)" test "$(stat -c %a "$OA/store/cc")" = 600
check "the store keeps the access token and its expiry" grep -q '^expires [0-9]*$' "$OA/store/cc"
check "the store names the configuration" grep -q "^token_url $OA_URL/token\$" "$OA/store/cc"

# the libraries a run loads: the dynamic loader's log of postern alone
cat >"$OA/ldwrap" <<EOF
#!/bin/sh
rm -f "$OA"/ld.*
LD_DEBUG=libs LD_DEBUG_OUTPUT="$OA/ld" exec "$POSTERN" "\$@"
EOF
chmod 755 "$OA/ldwrap"
oa_curl() {
	cat "$OA"/ld.* 2>/dev/null | grep -q 'libcurl'
}

oa_expire "$OA/store/cc"
POSTERN="$OA/ldwrap" run_postern "$OA/msg" -C "$OA_RC" -a cc bob@postern.test
expect_rc 0 "an expired token: fetched again"
check "a second request was made" test "$(oa_requests client_credentials)" = 2
check "the run that fetched loaded libcurl (so the next check can fail)" oa_curl

POSTERN="$OA/ldwrap" run_postern "$OA/msg" -C "$OA_RC" -a cc bob@postern.test
expect_rc 0 "a send with the cached token"
check "it made no HTTP request" test "$(oa_requests)" = 2
check "the loader's log is there" test -n "$(cat "$OA"/ld.* 2>/dev/null)"
check "it did not load libcurl" sh -c "! cat '$OA'/ld.* | grep -q libcurl"
check "its token was accepted" test "$(oa_active)" = 3
check "every token went as XOAUTH2" test "$(grep -o '"mech": "XOAUTH2"' "$OA/smtp/log" | wc -l)" = 3

run_postern "$OA/msg" -C "$OA_RC" -a bearer bob@postern.test
expect_rc 0 "auth oauthbearer with a fetched token"
check "the token went as OAUTHBEARER and was active" grep -q '"active": true, "mech": "OAUTHBEARER"' "$OA/smtp/log"
run_postern "$OA/msg" -C "$OA_RC" -a asplain bob@postern.test
expect_rc 0 "auth plain with the token as the password (a server's own choice)"

# a token for another configuration is not used: another scope
sed 's/^oauth2_scope smtp$/oauth2_scope smtp other/' "$OA_RC" >"$OA/rc-scope"
chmod 600 "$OA/rc-scope"
before=$(oa_requests client_credentials)
run_postern "$OA/msg" -C "$OA/rc-scope" -a cc bob@postern.test
expect_rc 0 "another scope: a new token"
check "the cached token of the old scope was not used" test "$(oa_requests client_credentials)" = $((before + 1))

# --- refresh tokens: rotated, saved before use
printf 'client_id pub\ntoken_url %s/token\nrefresh_token rt-seed\n' "$OA_URL" >"$OA/store/rt"
chmod 600 "$OA/store/rt"
run_postern "$OA/msg" -C "$OA_RC" -a rt bob@postern.test
expect_rc 0 "refresh token grant: the message is sent"
check "one refresh_token request, with the stored token" grep -q '"old_refresh_token": "rt-seed"' "$OA/srv/requests.log"
new_rt=$(sed -n 's/.*"grant_type": "refresh_token".*"refresh_token": "\(rt-[^"]*\)".*/\1/p' "$OA/srv/requests.log" | tail -n 1)
check "the server rotated the refresh token" test -n "$new_rt"
check "the store holds the rotated refresh token" grep -q "^refresh_token $new_rt\$" "$OA/store/rt"
check "the old refresh token is gone from the store" sh -c "! grep -q rt-seed '$OA/store/rt'"
cp "$OA/store/rt" "$OA/rt.saved"
printf 'client_id pub\ntoken_url %s/token\nrefresh_token rt-seed\n' "$OA_URL" >"$OA/store/rt"
run_postern "$OA/msg" -C "$OA_RC" -a rt bob@postern.test
expect_rc 77 "the old refresh token is refused after rotation"
expect_err "run: postern --oauth2-login -a rt" "the message says to run --oauth2-login"
expect_one_line "one line on stderr"
cp "$OA/rt.saved" "$OA/store/rt"

# concurrent sends with an expired token: one refresh, all sent (without
# the lock, two would present the same refresh token and one would fail)
oa_expire "$OA/store/rt"
before=$(oa_requests refresh_token)
pids=()
for i in 1 2 3 4; do
	timeout 60 "$POSTERN" -C "$OA_RC" -a rt bob@postern.test <"$OA/msg" >"$OA/c$i.out" 2>"$OA/c$i.err" &
	pids+=($!)
done
crc=0
for p in "${pids[@]}"; do wait "$p" || crc=$?; done
check "four concurrent sends all succeed" test "$crc" = 0
check "they made exactly one refresh request" test "$(($(oa_requests refresh_token) - before))" = 1

# no refresh token yet
run_postern "$OA/msg" -C "$OA_RC" -a nort bob@postern.test
expect_rc 78 "no refresh token stored"
expect_err "account nort has no OAuth 2.0 refresh token yet; run: postern --oauth2-login -a nort" \
	"the message says how to get one"

# --- the store's permissions
chmod 644 "$OA/store/cc"
run_postern "$OA/msg" -C "$OA_RC" -a cc bob@postern.test
expect_rc 78 "a store others may read is refused"
expect_err "refusing the token store $OA/store/cc: others may access it" "the message says why"
chmod 640 "$OA/store/cc"
run_postern "$OA/msg" -C "$OA_RC" -a cc bob@postern.test
expect_rc 78 "a store its group may read is refused"
chmod 600 "$OA/store/cc"
printf 'client_id app\nbogus line\n' >"$OA/store/fault"
chmod 600 "$OA/store/fault"
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 78 "a store postern did not write is refused"
expect_err "line 2: an unknown key" "the message names the line"
rm -f "$OA/store/fault"

# --- a cached token the server refuses: no HTTP request, 77
printf 'client_id app\ntoken_url %s/token\nscope smtp\naccess_token at-forged\nexpires 99999999999\n' "$OA_URL" \
	>"$OA/store/fault"
chmod 600 "$OA/store/fault"
before=$(oa_requests)
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 77 "a cached token the server refuses"
check "no token request for it" test "$(oa_requests)" = "$before"
expect_err "status 401\); the token must carry the scope https://mail.google.com/" \
	"the JSON error challenge is explained: its status and the scope needed"
expect_one_line "one line on stderr"
rm -f "$OA/store/fault"

# --- the token endpoint fails
dl_count() { find "$OA/dead/new" -type f 2>/dev/null | wc -l; }
oa_faults '{"token": "down"}'
n=$(dl_count)
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 75 "the token endpoint is down: temporary"
expect_err "kept in $OA/dead/new/" "the message is kept as a dead letter"
check "one dead letter more" test "$(dl_count)" = $((n + 1))
expect_one_line "one line on stderr"

oa_faults '{"token": "slow", "slow_seconds": 6}'
start=$SECONDS
run_postern "$OA/msg" -C "$OA_RC" -a slow bob@postern.test
expect_rc 75 "the token endpoint is slow: temporary"
check "bounded by the account's timeout (3 s)" test $((SECONDS - start)) -lt 10
expect_err "did not answer within 3 seconds" "the message says it timed out"
expect_err "kept in $OA/dead/new/" "the message is kept"
# the slow answer comes to a closed connection; later counts of requests
# start after it
wait_until "$WAIT_S" grep -q '"client_gone": true' "$OA/srv/requests.log" || true

oa_faults '{"token": "http500"}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 75 "HTTP 500 from the token endpoint: temporary"

oa_faults '{"token": "http429"}'
n=$(dl_count)
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 75 "HTTP 429 (throttled) from the token endpoint: temporary"
expect_err "answered HTTP 429 \(too many requests\); try again later" "the message says so"
check "the message is kept as a dead letter" test "$(dl_count)" = $((n + 1))

oa_faults '{"token": "unavailable"}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 75 "temporarily_unavailable from the token endpoint: temporary"
expect_err "unavailable for now \(temporarily_unavailable: 'AADSTS50196" "the message names the provider's error"

oa_faults '{"token": "garbage"}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 76 "a reply that is not JSON"
expect_err "with no JSON object" "the message says what was wrong"
expect_err "Content-Type text/html" "it names what came instead"
expect_one_line "one line on stderr"

oa_faults '{"token": "form"}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 76 "a form-encoded token reply is no JSON"
check "the reply, which holds a token, is not quoted on stderr" sh -c "! grep -q at-form '$WORK/err'"

oa_faults '{"token": "huge"}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 76 "a reply past 64 KiB"
expect_err "is larger than 65536 bytes" "the message says so"

oa_faults '{"token": "redirect"}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 76 "a redirect is not followed"
expect_err "answered \(HTTP 302\) with no JSON object" "the message names the redirect's status"

oa_faults '{"token": "revoked"}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 77 "refresh token unused for 90 days (AADSTS700082)"
expect_err "not used for 90 days \(AADSTS700082\); run: postern --oauth2-login -a fault" "it names --oauth2-login"
expect_one_line "one line on stderr, Microsoft's trace ids left out"

oa_faults '{"token": "signin"}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 77 "AADSTS70043"
expect_err "sign-in frequency policy \(AADSTS70043\); run: postern --oauth2-login" "it names --oauth2-login"

oa_faults '{"token": "consent"}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 77 "missing consent (AADSTS65001)"
expect_err "administrator of the tenant must grant admin consent" "it says who must consent"

oa_faults '{"token": "google_invalid_grant"}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 77 "Google's invalid_grant"
expect_err "revoked or has expired; run: postern --oauth2-login -a fault" "it names --oauth2-login"

oa_faults '{}'
run_postern "$OA/msg" -C "$OA_RC" -a wrongsecret bob@postern.test
expect_rc 77 "a wrong client secret (AADSTS7000215)"
expect_err "client secret was refused \(AADSTS7000215" "it names the client secret"

# a store whose lock another process keeps: a bounded wait (twice the
# timeout and 10 s), then temporary with the message kept, not a hang
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(120)' "$OA/store/fault.lock" "$OA/locked" &
HOLD_PID=$!
wait_until "$WAIT_S" test -e "$OA/locked" || true
n=$(dl_count)
start=$SECONDS
run_postern "$OA/msg" -C "$OA_RC" -a busy bob@postern.test
expect_rc 75 "a token store locked by another process: temporary"
check "the wait was bounded (2 x 1 s + 10 s)" test $((SECONDS - start)) -lt 25
expect_err "stayed locked by another postern for 12 s" "the message says so"
check "the message is kept" test "$(dl_count)" = $((n + 1))
kill "$HOLD_PID" 2>/dev/null || true
wait "$HOLD_PID" 2>/dev/null || true

# an expires_in of 16 digits (within JSON's 2^53): the store it is cached in
# must read back (the reader takes 15 digits at most)
rm -f "$OA/store/fault"
oa_faults '{"expires_in": 1000000000000000}'
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 0 "a token said to live for 30 million years"
run_postern "$OA/msg" -C "$OA_RC" -a fault bob@postern.test
expect_rc 0 "the store it was cached in reads back"
oa_faults '{}'
rm -f "$OA/store/fault"

# --- the keyring as the store (a real gnome-keyring-daemon in
# dbus-run-session, as 90-secrets.sh has it)
if ! command -v gnome-keyring-daemon >/dev/null || ! command -v secret-tool >/dev/null ||
	! command -v dbus-run-session >/dev/null; then
	if [ "${CI:-}" = true ]; then not_ok "keyring token store: gnome-keyring, libsecret-tools or dbus missing"; else
		ok "# SKIP keyring token store: gnome-keyring, libsecret-tools or dbus not installed"; fi
else
	KH="$OA/keyring-home"
	mkdir -p "$KH"
	chmod 700 "$KH"
	cat >"$OA/keyring.sh" <<KS
printf 'keyring password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
for i in 1 2; do
	"$POSTERN" -C "$OA_RC" -a kr bob@postern.test <"$OA/msg" >"$OA/kr\$i.out" 2>"$OA/kr\$i.err"
	echo \$? >"$OA/kr\$i.rc"
done
secret-tool lookup service oauth2 account kr client_id app >"$OA/kr.lookup"
KS
	before=$(oa_requests)
	set +e
	timeout 60 env -i PATH=/usr/bin:/bin HOME="$KH" XDG_DATA_HOME="$KH/data" XDG_RUNTIME_DIR="$KH" \
		XDG_STATE_HOME="$KH/state" dbus-run-session -- sh "$OA/keyring.sh" >/dev/null 2>&1
	set -e
	check "keyring store: the first send succeeds" test "$(cat "$OA/kr1.rc" 2>/dev/null)" = 0
	check "keyring store: the second send succeeds" test "$(cat "$OA/kr2.rc" 2>/dev/null)" = 0
	check "keyring store: one token request for both" test "$(oa_requests)" = $((before + 1))
	check "the keyring item holds the cached access token" grep -q '^access_token at-' "$OA/kr.lookup"
	check "no token file was written, only the lock" \
		test ! -e "$KH/state/postern/oauth2/kr" -a -e "$KH/state/postern/oauth2/kr.lock"
	check "its directories were made 0700 (XDG_STATE_HOME honoured)" \
		test "$(stat -c %a "$KH/state/postern" "$KH/state/postern/oauth2" | sort -u)" = 700
fi

# --- configuration errors
cat >"$OA/rc-bad" <<RC
account gcc
host $SMARTHOST_HOST
user alice@postern.test
oauth2_provider google
oauth2_client_id x
oauth2_client_secret y
oauth2_grant client_credentials

account noid
host $SMARTHOST_HOST
user alice@postern.test
oauth2_provider microsoft

account plainurl
host $SMARTHOST_HOST
user alice@postern.test
oauth2_client_id x
oauth2_token_url http://$SMARTHOST_HOST/token
RC
chmod 600 "$OA/rc-bad"
run_postern "$OA/msg" -C "$OA/rc-bad" -a gcc bob@postern.test
expect_rc 78 "google with client_credentials"
expect_err "Google offers no client credentials grant" "it says why"
run_postern "$OA/msg" -C "$OA/rc-bad" -a noid bob@postern.test
expect_rc 78 "a provider without a client id"
expect_err "needs oauth2_client_id" "it says what is missing"
run_postern "$OA/msg" -C "$OA/rc-bad" -a plainurl bob@postern.test
expect_rc 78 "an http:// token URL"
expect_err "oauth2_token_url must be an https:// address" "it says why"

# --- hints after an AUTH refusal
python3 "$FS_PY" --port-file "$OA/smtp/port2" --log "$OA/smtp/log2" --max-seconds 120 \
	--tls-cert "$SMARTHOST_DIR/tls/server.pem" --tls-key "$SMARTHOST_DIR/tls/server-key.pem" \
	'{"connections": {"1": {"auth": "550 5.7.30 Basic authentication is not supported for Client Submission"}, "2": {"auth": "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."}}}' \
	>"$OA/smtp/out2" 2>"$OA/smtp/err2" &
FS2_PID=$!
wait_until "$WAIT_S" test -s "$OA/smtp/port2" || true
cat >"$OA/rc-basic" <<RC
account basic
host $SMARTHOST_HOST
port $(cat "$OA/smtp/port2" 2>/dev/null || echo 9)
tls on
tls_trust_file $SMARTHOST_CA
from alice@postern.test
user alice@postern.test
password secret
auth plain
RC
chmod 600 "$OA/rc-basic"
run_postern "$OA/msg" -C "$OA/rc-basic" -a basic bob@postern.test
expect_rc 77 "550 5.7.30"
expect_err "use auth xoauth2 with oauth2_provider microsoft" "the hint says what to use instead"
expect_one_line "one line on stderr"
run_postern "$OA/msg" -C "$OA/rc-basic" -a basic bob@postern.test
expect_rc 77 "535 5.7.139"
expect_err "Set-CASMailbox -Identity MAILBOX -SmtpClientAuthenticationDisabled .false" "the hint names the switch"

kill "$FS2_PID" "$FS_PID" "$OA_PID" 2>/dev/null || true
wait "$FS2_PID" "$FS_PID" "$OA_PID" 2>/dev/null || true
check "the authorization server said nothing on stderr" test ! -s "$OA/srv/err"
check "the SMTP server said nothing on stderr" test ! -s "$OA/smtp/err"
