# 35-trust.sh - the trust store is read as bytes and only the anchors the
# server's chain names are parsed (src/trust.c).  Verification must stay
# exactly as strict as with the whole store loaded: the untrusted, expired
# and wrong-name certificates fail the same way through a full bundle, and
# the system store (which does not hold this run's test CA) refuses the
# smarthost before any AUTH.

TR_BUNDLE=$WORK/trust-bundle.pem  # the system bundle, the test CA last
TR_FIRST=$WORK/trust-first.pem    # the test CA first, with a key block before it
cat /etc/ssl/certs/ca-certificates.crt "$SMARTHOST_CA" >"$TR_BUNDLE"
{
	printf -- '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'
	cat "$SMARTHOST_CA" /etc/ssl/certs/ca-certificates.crt
} >"$TR_FIRST"
printf 'not a certificate\n' >"$WORK/trust-none.pem"
TR_RC=$(config trust "account bundle : sub
tls_trust_file $TR_BUNDLE

account first : sub
tls_trust_file $TR_FIRST

account system : sub
tls_trust_file system

account none : sub
tls_trust_file $WORK/trust-none.pem

account b-untrusted : bundle
port $PORT_UNTRUSTED

account b-expired : bundle
port $PORT_EXPIRED

account b-other : bundle
host $SMARTHOST_OTHER_HOST")
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: trust\nDate: Wed, 02 Dec 2026 07:00:00 +0000\nMessage-ID: <trust@postern.test>\n\nverified lazily\n' >"$WORK/trust.msg"

for acc in bundle first; do
	fresh
	run_postern "$WORK/trust.msg" -C "$TR_RC" -a "$acc" -v bob@postern.test
	expect_rc 0 "trust: the test CA found in a $(wc -l <"$TR_BUNDLE")-line bundle ($acc)"
	check "trust: AUTH follows a verified handshake ($acc; the pattern below is right)" has '^--> AUTH' "$WORK/err"
	f=$(wait_mail bob)
	check "trust: the message arrives ($acc)" same_as_sent "$f" "$WORK/trust.msg"
done

# tr_refused ACCOUNT WHY-REGEX DESC - 69, the reason named, no AUTH sent
tr_refused() {
	run_postern "$WORK/trust.msg" -C "$TR_RC" -a "$1" -v bob@postern.test
	expect_rc 69 "trust: $3"
	expect_err "certificate verification failed: .*$2" "trust: $3: the reason is named"
	check "trust: $3: no AUTH was sent" lacks '^--> AUTH' "$WORK/err"
}
tr_refused b-untrusted "issuer is unknown" "a certificate from another CA, through the bundle"
tr_refused b-expired "expired" "an expired certificate, through the bundle"
tr_refused b-other "name .*does not match" "a certificate for another name, through the bundle"
tr_refused system "issuer is unknown" "the system store does not trust the test CA"

run_postern "$WORK/trust.msg" -C "$TR_RC" -a none bob@postern.test
expect_rc 78 "trust: a trust file without a certificate"
expect_err "cannot load trust file $WORK/trust-none.pem: no certificates found" "trust: the file is named"

# ------------------------------------------------------------ session cache
# tls_session_cache FILE: the second send resumes the first one's session;
# a file that is not safe, not ours, or for another host:port is not used.
TC=$WORK/tls-session
TC_RC=$(config tlscache "account cached : sub
tls_session_cache $TC

account cached-smtps : smtps
tls_session_cache $TC

account cached-untrusted : sub
port $PORT_UNTRUSTED
tls_session_cache $TC")
rm -f "$TC"
# tc_send ACCOUNT - a -v send; $TC_RESUMED is yes when TLS was resumed
tc_send() {
	run_postern "$WORK/trust.msg" -C "$TC_RC" -a "$1" -v bob@postern.test
	if grep -q '^--- TLS established: .*(resumed)' "$WORK/err"; then TC_RESUMED=yes; else TC_RESUMED=no; fi
}
fresh
tc_send cached
expect_rc 0 "session cache: the first send"
check "session cache: no session to resume the first time" test "$TC_RESUMED" = no
check "session cache: the file is written with mode 0600" test "$(stat -c %a "$TC" 2>/dev/null)" = 600
# tc_id FILE - a trust file's identity as postern names it: device, inode,
# size, modification and change times, in hex
tc_id() {
	local dev ino size m c
	read -r dev ino size m c < <(stat -c '%d %i %s %.9Y %.9Z' "$1")
	printf 'file:%x:%x:%x:%x.%x:%x.%x' "$dev" "$ino" "$size" "${m%.*}" "$((10#${m#*.}))" "${c%.*}" "$((10#${c#*.}))"
}
TC_ID=$(tc_id "$SMARTHOST_CA")
check "session cache: it names the host, port and trust (certcheck, the CA file as read) it is for" \
	grep -aqE "^postern-tls-session 2 $SMARTHOST_HOST $PORT_SUBMISSION on $TC_ID [0-9]+\$" "$TC"
tc_send cached
expect_rc 0 "session cache: the second send"
check "session cache: the second send resumes the session" test "$TC_RESUMED" = yes
check "session cache: AUTH still follows the resumed handshake" has '^--> AUTH' "$WORK/err"
check "session cache: both messages arrive" test "$(mailbox_count bob)" = 2

chmod 644 "$TC"
tc_send cached
check "session cache: a file others can read is not used (and the send works: exit $RC)" \
	test "$TC_RESUMED:$RC" = no:0
chmod 600 "$TC"

cp -p "$TC" "$TC.real" && ln -sf "$TC.real" "$TC.link"
TC_LINK_RC=$(config tlscachelink "account cached : sub
tls_session_cache $TC.link")
run_postern "$WORK/trust.msg" -C "$TC_LINK_RC" -a cached -v bob@postern.test
check "session cache: a symbolic link is not followed (exit $RC)" \
	test "$RC:$(grep -c '(resumed)' "$WORK/err")" = 0:0

tc_send cached-untrusted
expect_rc 69 "session cache: a session for another port does not skip verification"
check "session cache: ... the untrusted certificate is still refused before AUTH" lacks '^--> AUTH' "$WORK/err"

tc_send cached-smtps
check "session cache: another port gets a full handshake (exit $RC)" test "$TC_RESUMED:$RC" = no:0
check "session cache: ... and the file is then for that port" \
	grep -aqE "^postern-tls-session 2 $SMARTHOST_HOST $PORT_SMTPS on $TC_ID [0-9]+\$" "$TC"

printf 'postern-tls-session 2 %s %s on %s 29\ngarbage instead of a session\n' \
	"$SMARTHOST_HOST" "$PORT_SUBMISSION" "$TC_ID" >"$TC"
chmod 600 "$TC"
tc_send cached
check "session cache: a garbled file only costs a full handshake (exit $RC)" test "$TC_RESUMED:$RC" = no:0

# ------------------------------------------- session cache: trust binding
# A cached session is resumed only under the trust it was verified with
# (certcheck, the trust file's contents, host, port): a resumed handshake
# checks no certificate, so a session made without verification, or under a
# trust file that has since lost the CA, must cost a full (and refused)
# handshake, never AUTH.
TB=$WORK/tls-session-bind
TB_TRUST=$WORK/trust-swap.pem
cp "$SMARTHOST_CA" "$TB_TRUST"
TB_RC=$(config tlsbind "account loose : sub
port $PORT_UNTRUSTED
tls_certcheck off
tls_session_cache $TB

account strict : sub
port $PORT_UNTRUSTED
tls_session_cache $TB

account pinned : sub
tls_trust_file $TB_TRUST
tls_session_cache $TB")
rm -f "$TB"
# tb_send ACCOUNT - a -v send through $TB_RC; $TC_RESUMED as tc_send's
tb_send() {
	run_postern "$WORK/trust.msg" -C "$TB_RC" -a "$1" -v bob@postern.test
	if grep -q '^--- TLS established: .*(resumed)' "$WORK/err"; then TC_RESUMED=yes; else TC_RESUMED=no; fi
}
tb_send loose
tb_send loose
check "session cache: an account without certcheck resumes its own session (exit $RC)" \
	test "$TC_RESUMED:$RC" = yes:0
tb_send strict
expect_rc 69 "session cache: a strict account does not resume the session of one without certcheck"
expect_err "certificate verification failed: .*issuer is unknown" \
	"session cache: ... it makes a full handshake and refuses the certificate"
check "session cache: ... before AUTH" lacks '^--> AUTH' "$WORK/err"
check "session cache: ... nor did it resume (the pattern is right: loose did)" test "$TC_RESUMED" = no

tb_send pinned
tb_send pinned
check "session cache: the same trust file resumes (exit $RC)" test "$TC_RESUMED:$RC" = yes:0
check "session cache: ... and AUTH follows" has '^--> AUTH' "$WORK/err"
cp "$SMARTHOST_UNTRUSTED_CA" "$TB_TRUST"
tb_send pinned
expect_rc 69 "session cache: the trust file lost the CA: no resumption"
check "session cache: ... refused before AUTH" lacks '^--> AUTH' "$WORK/err"
check "session cache: ... the file is still the strict account's own (not resumed)" test "$TC_RESUMED" = no
cp "$SMARTHOST_CA" "$TB_TRUST"
tb_send pinned
check "session cache: the CA back in the trust file: sending works again (exit $RC)" test "$RC" = 0

# a session that would resume (the pinned account's, made under the CA
# now back in its file) is not used once cut short or with bytes added
tb_send pinned
cp -p "$TB" "$TB.good"
check "session cache: (the pinned account's session resumes as it is: exit $RC)" test "$TC_RESUMED:$RC" = yes:0
head -c -1 "$TB.good" >"$TB" && chmod 600 "$TB"
tb_send pinned
check "session cache: a session cut short only costs a full handshake (exit $RC)" test "$TC_RESUMED:$RC" = no:0
{ cat "$TB.good"; printf x; } >"$TB" && chmod 600 "$TB"
tb_send pinned
check "session cache: a session with a byte added only costs a full handshake (exit $RC)" test "$TC_RESUMED:$RC" = no:0
