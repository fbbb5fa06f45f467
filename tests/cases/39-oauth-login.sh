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
