# 30-errors.sh - failures: the right exit code, one clear line, nothing sent.

RC_FILE=$(config errors)
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: errors\n\nbody\n' >"$WORK/e"

fresh
RC_BAD=$(config badpass 'account wrong : sub
password "not the password"')
run_postern "$WORK/e" -C "$RC_BAD" -a wrong bob@postern.test
expect_rc 77 "wrong password"
expect_err "^postern: $SMARTHOST_HOST:$PORT_SUBMISSION: authentication failed: 535" "wrong password: host, what failed and the 535 reply"
expect_one_line "wrong password: one line on stderr"
check "wrong password: nothing delivered" no_mail bob

port_down=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RC_DOWN=$(config down "account down : sub
port $port_down")
run_postern "$WORK/e" -C "$RC_DOWN" -a down bob@postern.test
expect_rc 75 "server down (connection refused)"
expect_err "cannot connect to $SMARTHOST_HOST:$port_down" "server down: says where it could not connect"

RC_UNTRUSTED=$(config untrusted "account untrusted : sub
port $PORT_UNTRUSTED")
run_postern "$WORK/e" -C "$RC_UNTRUSTED" -a untrusted -v bob@postern.test
expect_rc 69 "certificate from an untrusted CA"
expect_err "certificate verification failed" "untrusted CA: says the verification failed"
check "untrusted CA: no AUTH was attempted" lacks '^--> AUTH' "$WORK/err"

RC_OTHER=$(config mismatch "account mismatch : sub
host $SMARTHOST_OTHER_HOST")
run_postern "$WORK/e" -C "$RC_OTHER" -a mismatch bob@postern.test
expect_rc 69 "certificate for another host name"
expect_err "certificate verification failed.*(hostname|name)" "host name mismatch is named"

if [ -n "${PORT_EXPIRED:-}" ]; then
	RC_EXP=$(config expired "account expired : sub
port $PORT_EXPIRED")
	run_postern "$WORK/e" -C "$RC_EXP" -a expired bob@postern.test
	expect_rc 69 "expired certificate"
	expect_err "expired" "expired certificate is named"
fi

RC_PLAIN=$(config plain "account plainauth : sub
port $PORT_PLAIN
tls off")
run_postern "$WORK/e" -C "$RC_PLAIN" -a plainauth bob@postern.test
expect_rc 78 "tls off with auth on is refused before connecting"
expect_err "never sends credentials without TLS" "plaintext refusal says why"

RC_NOSTARTTLS=$(config nostarttls "account nostarttls : sub
port $PORT_PLAIN")
run_postern "$WORK/e" -C "$RC_NOSTARTTLS" -a nostarttls -v bob@postern.test
expect_rc 69 "server without STARTTLS"
expect_err "does not offer STARTTLS" "missing STARTTLS is named"
check "no credentials sent in clear" lacks '^--> AUTH' "$WORK/err"

fresh
RC_CLEAR=$(config clear "account clear
host $SMARTHOST_HOST
port $PORT_PLAIN
tls off
auth off
from alice@postern.test")
run_postern "$WORK/e" -C "$RC_CLEAR" -a clear bob@postern.test
expect_rc 0 "tls off and auth off to a plain port (explicit choice)"
check "plain delivery arrives" test -n "$(wait_mail bob)"

fresh
run_postern "$WORK/e" -C "$RC_FILE" nobody-here@postern.test
expect_rc 67 "unknown recipient (550 5.1.1)"
expect_err "nobody-here@postern.test" "unknown recipient is named"

fresh
run_postern "$WORK/e" -C "$RC_FILE" bob@postern.test nobody-here@postern.test ghost@postern.test
expect_rc 67 "one good and two unknown recipients"
expect_err "nobody-here@postern.test.*ghost@postern.test" "every refused recipient is named"
check "all or nothing: the good recipient gets nothing" no_mail bob

run_postern "$WORK/e" -C "$WORK/does-not-exist.rc" bob@postern.test
expect_rc 78 "missing config file"
expect_err "does-not-exist.rc" "missing config names the file"

cp "$RC_FILE" "$WORK/unsafe.rc"
chmod 644 "$WORK/unsafe.rc"
run_postern "$WORK/e" -C "$WORK/unsafe.rc" bob@postern.test
expect_rc 78 "config with a password readable by others"
expect_err "unsafe.rc.*chmod 600" "unsafe config: names the file and the fix"

printf 'account default\nhost %s\nfrobnicate yes\n' "$SMARTHOST_HOST" >"$WORK/unknown.rc"
run_postern "$WORK/e" -C "$WORK/unknown.rc" bob@postern.test
expect_rc 78 "unknown config command"
expect_err "unknown.rc:3: unknown command 'frobnicate'" "unknown command names file and line"

run_postern "$WORK/e" -C "$RC_FILE" -a nosuch bob@postern.test
expect_rc 78 "unknown account"

run_postern "$WORK/e" -C "$RC_FILE"
expect_rc 64 "no recipients"

run_postern "$WORK/e" -C "$RC_FILE" --no-such-option bob@postern.test
expect_rc 64 "unknown option"

printf 'account default\nhost %s\nport 1\npasswordeval "exit 3"\nuser x\nauth on\n' "$SMARTHOST_HOST" >"$WORK/evalfail.rc"
chmod 600 "$WORK/evalfail.rc"
run_postern "$WORK/e" -C "$WORK/evalfail.rc" bob@postern.test
expect_rc 78 "passwordeval that fails"
expect_err "account default: passwordeval failed" "failing passwordeval names the account"

# the failure log names the refusal, not the 354 that followed it
RC_LOGR=$(config logr "logfile $WORK/refused.log")
run_postern "$WORK/e" -C "$RC_LOGR" bob@postern.test ghost@postern.test
expect_rc 67 "refused recipient with a logfile"
check "the log shows the 550 refusal" has "smtpstatus=550 smtpmsg='550 5.1.1 " "$WORK/refused.log"
