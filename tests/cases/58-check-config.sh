# 58-check-config.sh - postern --check-config [--connect]: every problem of
# every file read, each as FILE:LINE, all of them (not only the first);
# exit 0 only without any; --connect asks each account's server (EHLO,
# STARTTLS, EHLO, QUIT) and sends nothing else.

CK=$WORK/ck
mkdir -p "$CK"

# ck_has TEXT - a line of the last run's stdout starts with TEXT (fixed)
ck_has() {
	inspectable "$WORK/out" || return 1
	grep -Fq -- "$1" "$WORK/out" && awk -v t="$1" 'index($0, t) == 1 { f = 1 } END { exit !f }' "$WORK/out"
}
# ck_line TEXT DESC - the same, as a TAP check
ck_line() {
	if ck_has "$1"; then ok "$2"; else not_ok "$2" "no line starting: $1" "stdout: $OUT" "stderr: $ERR"; fi
}

# a system file of this machine would be checked too: its problems are
# not this test's
CK_SYSTEM=
if [ -e /etc/postern.conf ] || [ -e /etc/msmtprc ]; then
	CK_SYSTEM=yes
fi

# --- a clean file: nothing to say, exit 0
if [ -n "$CK_SYSTEM" ]; then
	ok "# SKIP a clean file: this machine has /etc/postern.conf or /etc/msmtprc"
else
	run_postern /dev/null --check-config -C "$(config ckclean)"
	expect_rc 0 "--check-config: a clean file"
	check "... says there is no problem" has '^no problems found$' "$WORK/out"
fi

# --- one file with a problem of each kind, every one reported with its line
printf 'not a certificate\n' >"$CK/empty.pem"
printf -- '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' >"$CK/key.pem"
chmod 644 "$CK/key.pem"
cat >"$CK/bad.rc" <<RC
defaults
host $SMARTHOST_HOST
tls_trust_file $SMARTHOST_CA
frobnicate yes
tls_min_dh_prime_bits 1024
timeout soon

account sub
port $PORT_SUBMISSION
from *@postern.test
user $SASL_USER
password "$SASL_PASS"

account shadowed
port $PORT_SUBMISSION
from bob@postern.test

account nouser
port $PORT_SUBMISSION
auth on

account tok
auth xoauth2
user x

account ext
auth external

account notrust
tls_trust_file $CK/missing.pem

account emptytrust
tls_trust_file $CK/empty.pem
tls_cert_file $CK/empty.pem
tls_key_file $CK/key.pem
tls_crl_file $CK/empty.pem

account nodomain
from [ab].postern.test
default_for nosuch-ck-user
ntlmdomain EXAMPLE

account starat : sub
from *example.com
RC
chmod 644 "$CK/bad.rc"
B=$CK/bad.rc
run_postern /dev/null --check-config -C "$B"
expect_rc 78 "--check-config: problems found"
ck_line "$B:4: unknown command 'frobnicate'" "an unknown command, with its line"
ck_line "$B:5: tls_min_dh_prime_bits is obsolete and has no effect" "an obsolete command (accepted by a send, no effect)"
ck_line "$B:41: ntlmdomain is obsolete and has no effect" "... another, further down: reading went on"
ck_line "$B:6: timeout: invalid number 'soon'" "a bad value"
ck_line "$B:12: a password in a file other users have access to; fix it with: chmod 600 $B" \
	"a password in a file others can read, at the password's line"
ck_line "$B:14: account shadowed: its from 'bob@postern.test' never chooses it: account sub ($B:8)" \
	"a from that an earlier account's pattern always takes first"
ck_line "$B:18: account nouser has auth on but no user" "an account that can never authenticate (pn_account_check)"
ck_line "$B:22: account tok: auth xoauth2 has no token source" "xoauth2 without any token source"
ck_line "$B:26: account ext: auth external needs a client certificate" "external without a certificate"
ck_line "$B:30: tls_trust_file: $CK/missing.pem: " "a trust file that does not exist"
ck_line "$B:33: tls_trust_file: cannot load trust file $CK/empty.pem: no certificates found" \
	"a trust file that holds no certificate"
ck_line "$B:34: tls_cert_file: cannot load trust file $CK/empty.pem: no certificates found" \
	"a client certificate file that holds none"
ck_line "$B:35: tls_key_file: other users can read the private key $CK/key.pem" "a private key others can read"
ck_line "$B:36: tls_crl_file: $CK/empty.pem holds no revocation list" "a CRL file without a CRL"
ck_line "$B:38: account nodomain: the from pattern '[ab].postern.test' has no '@'" "a from pattern that matches no address"
ck_line "$B:38: account nodomain: default_for names nosuch-ck-user, who is no user of this machine" \
	"a default_for naming no user"
check "a from pattern whose '*' stands for the '@' is no problem" sh -c '! grep -q "account starat" "$1"' sh "$WORK/out"
ck_line "problems found: 16" "all 16 problems are counted"
check "... and nothing on stderr" test -z "$ERR"
check "... the file's own problems first, as its lines come" test "$(head -n 1 "$WORK/out")" = "$B:4: unknown command 'frobnicate'"

# a send with the same file stops at the first problem, as before
run_postern /dev/null -C "$B" bob@postern.test
expect_rc 78 "a send with that file stops at its first problem"
expect_err "$B:4: unknown command 'frobnicate'" "... and names it"

# --- a file others may change; a file that cannot be read
printf 'account w\nhost %s\n' "$SMARTHOST_HOST" >"$CK/w.rc"
chmod 664 "$CK/w.rc"
run_postern /dev/null --check-config -C "$CK/w.rc"
expect_rc 78 "--check-config: a file others may change"
ck_line "$CK/w.rc: other users can change this file; fix it with: chmod go-w $CK/w.rc" "... is an unsafe permission"
run_postern /dev/null --check-config -C "$CK/none.rc"
expect_rc 78 "--check-config: a file that does not exist"
ck_line "cannot read configuration file $CK/none.rc" "... is named"

# --- usage
run_postern /dev/null --connect -C "$B"
expect_rc 64 "--connect without --check-config"
run_postern /dev/null --check-config -C "$B" bob@postern.test
expect_rc 64 "--check-config with a recipient"

# --- --connect: what each server offers, and whether the account fits
CK_LOGPOS=$(stat -c %s "$POSTFIX_LOG" 2>/dev/null || echo 0)
cat >"$CK/conn.rc" <<RC
defaults
host $SMARTHOST_HOST
tls_trust_file $SMARTHOST_CA
user $SASL_USER
password "$SASL_PASS"
timeout 30

account sub
port $PORT_SUBMISSION
auth on

account smtps
port $PORT_SMTPS
tls_starttls off

account cram
port $PORT_CRAM
auth plain

account scram
port $PORT_SCRAM
auth on

account expired
port $PORT_EXPIRED

account expiredoff
port $PORT_EXPIRED
tls_certcheck off
RC
chmod 600 "$CK/conn.rc"
C=$CK/conn.rc
run_postern /dev/null --check-config --connect -C "$C" -v
expect_rc 78 "--check-config --connect: problems found"
ck_line "account sub ($C:8): $SMARTHOST_HOST, port $PORT_SUBMISSION" "each account is named with its server"
check "the TLS version is shown" has '^  TLS: TLS1\.[23]$' "$WORK/out"
check "the certificate is shown" has '^  certificate: .*CN=smtp\.postern\.test' "$WORK/out"
check "its expiry is shown" has '^  expires: 20[0-9][0-9]-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC \(in [0-9]+ days\)$' "$WORK/out"
check "the mechanisms offered are shown" has '^  AUTH offered: .*PLAIN' "$WORK/out"
# ck_block NAME - the lines of the report on account NAME
ck_block() {
	sed -n "/^account $1 /,/^account /p" "$WORK/out"
}
check "auth on against the submission port: the strongest offered (SCRAM-SHA-256) fits" \
	test "$(ck_block sub | grep -c '^  fits: postern would authenticate with SCRAM-SHA-256$')" = 1
check "implicit TLS (smtps) is reached too" \
	test "$(ck_block smtps | grep -c '^  fits: ')" = 1
check "the CRAM port offers CRAM-MD5 alone" test "$(ck_block cram | grep -c '^  AUTH offered: CRAM-MD5$')" = 1
ck_line "$C:16: account cram: no authentication method fits: the server offers CRAM-MD5; this account allows PLAIN" \
	"auth plain against it: no fit"
check "auth on against the SCRAM port (SCRAM-SHA-1 and -256): SCRAM-SHA-256 fits" \
	test "$(ck_block scram | grep -c '^  fits: postern would authenticate with SCRAM-SHA-256$')" = 1
check "an expired certificate with verification: the failure, with the account's line" \
	has "^$C:24: account expired: .*expired" "$WORK/out"
check "an expired certificate without verification: its expiry is a problem" \
	has "^$C:27: account expiredoff: the server's certificate expired on 20" "$WORK/out"
ck_line "problems found: 3" "three problems, no more"
check "nothing but EHLO, STARTTLS and QUIT was sent (the -v transcript)" \
	eval "has '^--> EHLO' '$WORK/err' && has '^--> QUIT' '$WORK/err' && lacks '^--> (AUTH|MAIL|RCPT|DATA|RSET)' '$WORK/err'"
# ck_logged N - Postfix logged N more sessions' ends since the mark
ck_sessions() {
	tail -c +"$((CK_LOGPOS + 1))" "$POSTFIX_LOG" | grep -c ' disconnect from ' || true
}
ck_logged() {
	[ "$(ck_sessions)" -ge "$1" ]
}
# six accounts, six sessions (the expired one ends in the handshake)
wait_until "$WAIT_S" ck_logged 6 || echo "# only $(ck_sessions) sessions logged"
tail -c +"$((CK_LOGPOS + 1))" "$POSTFIX_LOG" | grep ' disconnect from ' >"$WORK/ck-sessions" || true
check "Postfix logged the sessions" test "$(wc -l <"$WORK/ck-sessions")" -ge 6
check "... and no AUTH, MAIL, RCPT or DATA in any of them" lacks ' (auth|mail|rcpt|data|bdat)=' "$WORK/ck-sessions"
check "... EHLO twice around STARTTLS on the submission port" has 'ehlo=2 starttls=1 quit=1 commands=4' "$WORK/ck-sessions"

# a clean --connect: exit 0
if [ -n "$CK_SYSTEM" ]; then
	ok "# SKIP a clean --connect: this machine has /etc/postern.conf or /etc/msmtprc"
else
	sed -n '1,14p' "$C" >"$CK/good.rc"
	chmod 600 "$CK/good.rc"
	run_postern /dev/null --check-config --connect -C "$CK/good.rc"
	expect_rc 0 "--check-config --connect: every account fits"
	check "... and says so" has '^no problems found$' "$WORK/out"
fi
