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

# --------------------------------------------------- msmtp's TLS settings
# tls_fingerprint, tls_cert_file/tls_key_file, tls_priorities,
# tls_host_override, tls_crl_file and -S, with msmtp 1.8's meaning; where
# Debian's msmtp is installed it reads the same settings beside postern.
TS_TLS=$SMARTHOST_DIR/tls
# ts_fpr ALGO FILE - a certificate's fingerprint as msmtp writes it
ts_fpr() {
	openssl x509 -in "$2" -noout -fingerprint "-$1" | sed 's/^[^=]*=//'
}
TS_SHA256=$(ts_fpr sha256 "$TS_TLS/server.pem")
TS_SHA1=$(ts_fpr sha1 "$TS_TLS/server.pem")
TS_MD5=$(ts_fpr md5 "$TS_TLS/server.pem")
# ts_wrong FPR - the same fingerprint with its first byte changed
ts_wrong() {
	if [ "${1:0:2}" = 00 ]; then printf '01%s' "${1:2}"; else printf '00%s' "${1:2}"; fi
}
# ts_rc NAME LINES - an rc file with one account "t" on the submission
# port, auth on; no tls_trust_file unless LINES gives one
ts_rc() {
	local f="$WORK/ts-$1.rc"
	printf 'account t\nhost %s\nport %s\ntls on\ntls_starttls on\nfrom alice@postern.test\nauth on\nuser %s\npassword "%s"\n%s\n' \
		"$SMARTHOST_HOST" "$PORT_SUBMISSION" "$SASL_USER" "$SASL_PASS" "$2" >"$f"
	chmod 600 "$f"
	echo "$f"
}
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: tls settings\n\nbody\n' >"$WORK/ts.msg"

for form in SHA256 SHA1 MD5; do
	eval "fpr=\$TS_$form"
	rc=$(ts_rc "fpr-$form" "tls_fingerprint $fpr")
	fresh
	run_postern "$WORK/ts.msg" -C "$rc" -a t -v bob@postern.test
	expect_rc 0 "tls_fingerprint ($form, no trust file: the system store lacks the test CA): accepted"
	check "tls_fingerprint ($form): AUTH follows the handshake" has '^--> AUTH' "$WORK/err"
	rc=$(ts_rc "fpr-$form-wrong" "tls_fingerprint $(ts_wrong "$fpr")")
	run_postern "$WORK/ts.msg" -C "$rc" -a t -v bob@postern.test
	expect_rc 69 "tls_fingerprint ($form), another certificate's: refused"
	expect_err "does not match tls_fingerprint: expected [A-Z0-9-]+ $(ts_wrong "$fpr"), the server presented SHA-256 $TS_SHA256\$" \
		"tls_fingerprint ($form), wrong: the message names the expected and the presented SHA-256 fingerprints"
	check "tls_fingerprint ($form), wrong: no AUTH was sent" lacks '^--> AUTH' "$WORK/err"
	if command -v msmtp >/dev/null; then
		rc=$(ts_rc "fpr-$form-msmtp" "tls_fingerprint $fpr")
		set +e
		timeout 60 msmtp -C "$rc" -a t -S >"$WORK/msmtp.out" 2>&1
		ms=$?
		set -e
		check "msmtp accepts the same $form fingerprint (exit $ms)" test "$ms" = 0
	fi
done
rc=$(ts_rc fpr-bad "tls_fingerprint 12:34")
run_postern "$WORK/ts.msg" -C "$rc" -a t bob@postern.test
expect_rc 78 "tls_fingerprint of 2 bytes: a configuration error"
expect_err ":10: tls_fingerprint: invalid fingerprint '12:34'" "... naming the line and the value"

# tls_priorities: TLS 1.3 taken out, the server speaks TLS 1.2
rc=$(ts_rc prio "tls_trust_file $SMARTHOST_CA
tls_priorities NORMAL:-VERS-TLS1.3")
fresh
run_postern "$WORK/ts.msg" -C "$rc" -a t -v bob@postern.test
expect_rc 0 "tls_priorities NORMAL:-VERS-TLS1.3: sent"
check "tls_priorities: the session is TLS 1.2" has '^--- TLS established: \(TLS1\.2\)' "$WORK/err"
f=$(wait_mail bob)
check "tls_priorities: Postfix received it over TLSv1.2" grep -q 'using TLSv1\.2 ' "$f"
rc=$(ts_rc prio-default "tls_trust_file $SMARTHOST_CA")
run_postern "$WORK/ts.msg" -C "$rc" -a t -v bob@postern.test
check "without tls_priorities the same server speaks TLS 1.3 (exit $RC)" has '^--- TLS established: \(TLS1\.3\)' "$WORK/err"
rc=$(ts_rc prio-bad "tls_trust_file $SMARTHOST_CA
tls_priorities NORMAL:+NO-SUCH-THING")
run_postern "$WORK/ts.msg" -C "$rc" -a t -v bob@postern.test
expect_rc 78 "tls_priorities with an unknown keyword: a configuration error"
expect_err "tls_priorities: invalid priority string at position 8 \('\+NO-SUCH-THING'\)" "... naming the position"
check "... before anything is sent" lacks '^--> ' "$WORK/err"

# tls_host_override: connected by address or by another name, verified
# against the certificate's name
rc=$(ts_rc override "tls_trust_file $SMARTHOST_CA

account by-address : t
host 127.0.0.1
tls_host_override $SMARTHOST_HOST

account by-address-plain : t
host 127.0.0.1

account other-name : t
host $SMARTHOST_OTHER_HOST
tls_host_override $SMARTHOST_HOST

account wrong-override : t
tls_host_override $SMARTHOST_OTHER_HOST")
fresh
run_postern "$WORK/ts.msg" -C "$rc" -a by-address -v bob@postern.test
expect_rc 0 "tls_host_override: host 127.0.0.1 verified as $SMARTHOST_HOST"
check "tls_host_override: the message arrives" test -n "$(wait_mail bob)"
run_postern "$WORK/ts.msg" -C "$rc" -a by-address-plain -v bob@postern.test
expect_rc 69 "without tls_host_override, host 127.0.0.1 does not match the certificate"
run_postern "$WORK/ts.msg" -C "$rc" -a other-name -v bob@postern.test
expect_rc 0 "tls_host_override: host $SMARTHOST_OTHER_HOST (not in the certificate) verified as $SMARTHOST_HOST"
run_postern "$WORK/ts.msg" -C "$rc" -a wrong-override -v bob@postern.test
expect_rc 69 "tls_host_override naming another name than the certificate's: refused"
expect_err "certificate verification failed: .*name .*does not match" "... because of the name"
check "... before AUTH" lacks '^--> AUTH' "$WORK/err"

# tls_crl_file: a CRL of the test CA revoking the server's certificate
printf 'crl_next_update = 30\ncrl_number = 2\n' >"$WORK/crl.tmpl"
certtool --generate-crl --load-ca-privkey "$TS_TLS/ca-key.pem" --load-ca-certificate "$TS_TLS/ca.pem" \
	--load-certificate "$TS_TLS/server.pem" --template "$WORK/crl.tmpl" --outfile "$WORK/revoked.crl" >/dev/null 2>&1
certtool --generate-crl --load-ca-privkey "$TS_TLS/ca-key.pem" --load-ca-certificate "$TS_TLS/ca.pem" \
	--template "$WORK/crl.tmpl" --outfile "$WORK/empty.crl" >/dev/null 2>&1
rc=$(ts_rc crl "tls_trust_file $SMARTHOST_CA
tls_crl_file $WORK/revoked.crl

account empty : t
tls_crl_file $WORK/empty.crl

account missing : t
tls_crl_file $WORK/no-such.crl")
run_postern "$WORK/ts.msg" -C "$rc" -a t -v bob@postern.test
expect_rc 69 "tls_crl_file revoking the server's certificate: refused"
expect_err "certificate verification failed: .*revoked" "... and the message says it is revoked"
check "... before AUTH" lacks '^--> AUTH' "$WORK/err"
fresh
run_postern "$WORK/ts.msg" -C "$rc" -a empty -v bob@postern.test
expect_rc 0 "tls_crl_file of the same CA revoking nothing: sent"
run_postern "$WORK/ts.msg" -C "$rc" -a missing bob@postern.test
expect_rc 78 "tls_crl_file that does not exist: a configuration error"
expect_err "tls_crl_file: cannot load $WORK/no-such.crl" "... naming the file"
if command -v msmtp >/dev/null; then
	set +e
	timeout 60 msmtp -C "$rc" -a t -S >"$WORK/msmtp.out" 2>&1
	ms=$?
	set -e
	check "msmtp refuses the revoked certificate too (exit $ms)" grep -q 'revoked' "$WORK/msmtp.out"
fi

# a cached session stands for the check it was made under: with
# tls_fingerprint, that fingerprint; with tls_crl_file none is kept, since
# a resumed handshake would skip the revocation check
TS_TC=$WORK/ts-session
rm -f "$TS_TC"
rc=$(ts_rc cache "tls_fingerprint $TS_SHA256
tls_session_cache $TS_TC

account wrong : t
tls_fingerprint $(ts_wrong "$TS_SHA256")

account crl : t
tls_fingerprint
tls_trust_file $SMARTHOST_CA
tls_crl_file $WORK/empty.crl")
# ts_cached ACCOUNT - a -v send; TS_RESUMED yes when TLS was resumed
ts_cached() {
	run_postern "$WORK/ts.msg" -C "$rc" -a "$1" -v bob@postern.test
	if grep -q '^--- TLS established: .*(resumed)' "$WORK/err"; then TS_RESUMED=yes; else TS_RESUMED=no; fi
}
ts_cached t
ts_cached t
check "tls_fingerprint with tls_session_cache: the second send resumes (exit $RC)" test "$TS_RESUMED:$RC" = yes:0
ts_cached wrong
expect_rc 69 "a session made under one fingerprint does not serve another: full handshake, refused"
check "... not resumed" test "$TS_RESUMED" = no
ts_cached crl
ts_cached crl
check "tls_crl_file: the session cache is not used (exit $RC)" test "$TS_RESUMED:$RC" = no:0

# -S: what the server offers, nothing sent
rc=$(ts_rc serverinfo "tls_trust_file $SMARTHOST_CA")
run_postern /dev/null -C "$rc" -a t -S -v
expect_rc 0 "-S against the submission port"
for want in 'ESMTP postern test smarthost' 'protocol version: +TLS1\.3' 'subject: +.*CN=smtp\.postern\.test' \
	'issuer: +.*CN=postern test CA' 'valid from: +20[0-9-]+ ' 'valid until: +20[0-9-]+ ' \
	"SHA-256 fingerprint: +$TS_SHA256\$" "SHA-1 fingerprint: +$TS_SHA1\$" '^ +STARTTLS ' '^ +PIPELINING ' \
	'^ +SIZE [0-9]+ +maximum message size: [0-9]+ bytes' '^ +AUTH +authentication methods: .*PLAIN' \
	'^ +DSN ' '^ +8BITMIME ' '^ +SMTPUTF8 '; do
	check "-S shows /$want/" has "$want" "$WORK/out"
done
check "-S sends no AUTH, MAIL or message (the pattern is right: the transcript shows EHLO)" \
	eval "has '^--> EHLO' '$WORK/err' && lacks '^--> (AUTH|MAIL|RCPT|DATA)' '$WORK/err'"
check "-S ends with QUIT" has '^--> QUIT' "$WORK/err"
if command -v msmtp >/dev/null; then
	set +e
	timeout 60 msmtp -C "$rc" -a t -S >"$WORK/msmtp.out" 2>&1
	set -e
	check "msmtp -S shows the same SHA-256 fingerprint as postern -S" grep -qF "SHA256: $TS_SHA256" "$WORK/msmtp.out"
fi
rc=$(ts_rc serverinfo-untrusted "port $PORT_UNTRUSTED")
run_postern /dev/null -C "$rc" -a t -S
expect_rc 69 "-S against a certificate that does not verify: the send's status"
check "... and nothing is printed on stdout" test -z "$OUT"

# tls_cert_file / tls_key_file: a scripted implicit-TLS server that asks
# for a client certificate and writes the SHA-256 fingerprint of the one
# it got (or "none") for each connection
certtool --generate-privkey --key-type=ecdsa --outfile "$WORK/client-key.pem" >/dev/null 2>&1
printf 'cn = "postern test client"\nexpiration_days = 2\nsigning_key\ntls_www_client\n' >"$WORK/client.tmpl"
certtool --generate-self-signed --load-privkey "$WORK/client-key.pem" --template "$WORK/client.tmpl" \
	--outfile "$WORK/client.pem" >/dev/null 2>&1
chmod 600 "$WORK/client-key.pem"
cat >"$WORK/ccert.py" <<'PY'
import hashlib, os, socket, ssl, sys
port_file, log, cert, key, client_ca, n = sys.argv[1:7]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.verify_mode = ssl.CERT_OPTIONAL
ctx.load_verify_locations(client_ca)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
srv.settimeout(60)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
for _ in range(int(n)):
    c, _ = srv.accept()
    c.settimeout(30)
    try:
        t = ctx.wrap_socket(c, server_side=True)
    except (ssl.SSLError, OSError) as e:
        with open(log, "a") as f:
            f.write("handshake failed\n")
        c.close()
        continue
    der = t.getpeercert(binary_form=True)
    fp = ":".join("%02X" % b for b in hashlib.sha256(der).digest()) if der else "none"
    with open(log, "a") as f:
        f.write(fp + "\n")
    r = t.makefile("rb")
    t.sendall(b"220 ccert.test ESMTP\r\n")
    r.readline()
    t.sendall(b"250-ccert.test\r\n250 SIZE 1000\r\n")
    r.readline()
    t.sendall(b"221 bye\r\n")
    t.close()
PY
rm -f "$WORK/ccert.port" "$WORK/ccert.log"
timeout 300 python3 "$WORK/ccert.py" "$WORK/ccert.port" "$WORK/ccert.log" "$TS_TLS/server.pem" \
	"$TS_TLS/server-key.pem" "$WORK/client.pem" 2 >"$WORK/ccert.err" 2>&1 &
TS_CCERT_PID=$!
if wait_until "$WAIT_S" test -s "$WORK/ccert.port"; then
	TS_CCERT_PORT=$(cat "$WORK/ccert.port")
	rc=$(ts_rc ccert "tls_trust_file $SMARTHOST_CA
port $TS_CCERT_PORT
tls_starttls off
tls_cert_file $WORK/client.pem
tls_key_file $WORK/client-key.pem

account nocert : t
tls_cert_file
tls_key_file")
	TS_CLIENT_FPR=$(ts_fpr sha256 "$WORK/client.pem")
	run_postern /dev/null -C "$rc" -a t -S
	expect_rc 0 "tls_cert_file: -S against a server asking for a client certificate"
	run_postern /dev/null -C "$rc" -a nocert -S
	expect_rc 0 "... and without one"
	wait_until "$WAIT_S" test "$(wc -l <"$WORK/ccert.log" 2>/dev/null || echo 0)" -ge 2 || true
	check "tls_cert_file: the server got the client certificate (its SHA-256 fingerprint)" \
		test "$(sed -n 1p "$WORK/ccert.log")" = "$TS_CLIENT_FPR"
	check "... and none without tls_cert_file" test "$(sed -n 2p "$WORK/ccert.log")" = none
else
	not_ok "tls_cert_file: the scripted TLS server did not start" "$(cat "$WORK/ccert.err")"
fi
kill "$TS_CCERT_PID" 2>/dev/null || true
wait "$TS_CCERT_PID" 2>/dev/null || true
rc=$(ts_rc ccert-alone "tls_trust_file $SMARTHOST_CA
tls_cert_file $WORK/client.pem")
run_postern "$WORK/ts.msg" -C "$rc" -a t bob@postern.test
expect_rc 78 "tls_cert_file without tls_key_file: a configuration error"
expect_err "tls_cert_file requires tls_key_file" "... saying what is missing"
chmod 644 "$WORK/client-key.pem"
rc=$(ts_rc ccert-open "tls_trust_file $SMARTHOST_CA
tls_cert_file $WORK/client.pem
tls_key_file $WORK/client-key.pem")
run_postern "$WORK/ts.msg" -C "$rc" -a t bob@postern.test
expect_rc 78 "a tls_key_file others can read is refused"
expect_err "other users have access to it; fix it with: chmod 600 $WORK/client-key.pem" "... saying how to fix it"
chmod 600 "$WORK/client-key.pem"
