# 59-import.sh - --import postfix and --import ssmtp: configurations like
# the ones postern replaces (Amazon SES on 587 with encrypt and sasl_passwd,
# a provider's relay with SASL, sender-dependent relays, wrapper mode, an
# ssmtp.conf with revaliases), pointed at the test smarthost; the rc file
# printed must carry them over, say what it could not, and send.

printf 'To: bob@postern.test\nSubject: imported\n\nsent with an imported configuration\n' >"$WORK/imp-msg"

# im_import KIND PATH NAME - run --import; the output saved as $WORK/NAME.rc (600)
im_import() {
	run_postern /dev/null --import "$1" "$2"
	(umask 077 && cp "$WORK/out" "$WORK/$3.rc")
}

# im_has TEXT DESC - the last output holds TEXT (a fixed string, lines and all)
im_has() {
	if grep -qF -- "$1" "$WORK/out"; then ok "$2"; else not_ok "$2" "not in the output: $1" "output: $OUT"; fi
}

# sends NAME DESC [ARGS...] - a message through $WORK/NAME.rc reaches bob
sends() {
	local name=$1 desc=$2
	shift 2
	fresh
	run_postern "$WORK/imp-msg" -C "$WORK/$name.rc" -t "$@"
	expect_rc 0 "$desc: sent through the imported file"
	check "$desc: the message arrives" test -n "$(wait_mail bob)"
}

# 1. Amazon SES as most relayhosts have it: [host]:587, encrypt, a hash
# table of passwords (its .db next to it is never read)
d="$WORK/pf-ses"
mkdir -p "$d"
cat >"$d/main.cf" <<CF
# See /usr/share/postfix/main.cf.dist for a commented, more complete version
smtpd_banner = \$myhostname ESMTP \$mail_name (Debian/GNU)
biff = no
relayhost = [$SMARTHOST_HOST]:$PORT_SUBMISSION
smtp_sasl_auth_enable = yes
smtp_sasl_security_options = noanonymous
smtp_sasl_password_maps = hash:$d/sasl_passwd
smtp_use_tls = yes
smtp_tls_security_level = encrypt
smtp_tls_note_starttls_offer = yes
smtp_tls_CAfile = $SMARTHOST_CA
CF
printf '[%s]:%s %s:%s\n' "$SMARTHOST_HOST" "$PORT_SUBMISSION" "$SASL_USER" "$SASL_PASS" >"$d/sasl_passwd"
printf 'not a text file\0\1\2' >"$d/sasl_passwd.db"
im_import postfix "$d" ses
expect_rc 0 "--import postfix: SES-style relayhost"
im_has "host $SMARTHOST_HOST" "SES: host without the brackets"
im_has "port $PORT_SUBMISSION" "SES: port"
im_has "user $SASL_USER" "SES: user from sasl_passwd"
im_has "password $SASL_PASS" "SES: password from sasl_passwd (the text file, not the .db)"
im_has "tls_trust_file $SMARTHOST_CA" "SES: smtp_tls_CAfile"
im_has "# smtp_tls_security_level = encrypt: Postfix did not check the certificate" \
	"SES: what postern does differently is a comment"
expect_err "holds a password.*mode 600" "SES: a warning on stderr that the output holds a password"
if grep -q "Secret\|correct" "$WORK/err"; then not_ok "SES: the password is not on stderr"; else ok "SES: the password is not on stderr"; fi
sends ses "SES"

# 2. a hosting provider's SMTP-AUTH relay: $name expansion, continuation
# lines, a texthash table, opportunistic TLS, an aliases file
d="$WORK/pf-provider"
mkdir -p "$d"
cat >"$d/main.cf" <<CF
provider = $SMARTHOST_HOST
relayhost =
    [\${provider}]:$PORT_SUBMISSION
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = texthash:$d/smtp_auth
smtp_tls_security_level = may
smtp_tls_CAfile = $SMARTHOST_CA
alias_maps = hash:$d/aliases
transport_maps = hash:/etc/postfix/transport
CF
printf '# provider account\n[%s]:%s\n\t%s:%s\n' "$SMARTHOST_HOST" "$PORT_SUBMISSION" "$SASL_USER" "$SASL_PASS" >"$d/smtp_auth"
printf 'webmaster: bob@postern.test\n' >"$d/aliases"
im_import postfix "$d" provider
expect_rc 0 "--import postfix: a provider's relay"
im_has "aliases $d/aliases" "provider: alias_maps becomes the aliases file"
im_has "# transport_maps = hash:/etc/postfix/transport: not carried over" "provider: transport_maps is a comment"
im_has "sent without TLS when it was not offered" "provider: may's opportunism is a comment"
fresh
printf 'To: webmaster\nSubject: alias\n\nvia the imported aliases\n' >"$WORK/imp-alias"
run_postern "$WORK/imp-alias" -C "$WORK/provider.rc" -t
expect_rc 0 "provider: sent to a local alias through the imported file"
check "provider: the alias's message arrives" test -n "$(wait_mail bob)"

# 3. sender_dependent_relayhost_maps: the relayhost is a server that
# would refuse (untrusted certificate), the sender's relay works
d="$WORK/pf-sender"
mkdir -p "$d"
cat >"$d/main.cf" <<CF
relayhost = [$SMARTHOST_HOST]:$PORT_UNTRUSTED
smtp_sasl_auth_enable = yes
smtp_sender_dependent_authentication = yes
smtp_sasl_password_maps = hash:$d/sasl_passwd
sender_dependent_relayhost_maps = hash:$d/sender_relay
smtp_tls_security_level = verify
smtp_tls_CAfile = $SMARTHOST_CA
CF
printf '@postern.test %s:%s\n[%s]:%s nobody:wrong\n' "$SASL_USER" "$SASL_PASS" "$SMARTHOST_HOST" "$PORT_UNTRUSTED" >"$d/sasl_passwd"
printf '@postern.test [%s]:%s\n' "$SMARTHOST_HOST" "$PORT_SUBMISSION" >"$d/sender_relay"
im_import postfix "$d" sender
expect_rc 0 "--import postfix: sender-dependent relays"
im_has "account postern.test" "sender: an account for the sender's domain"
im_has "from *@postern.test" "sender: chosen by its from"
sends sender "sender-dependent relay" -f alice@postern.test

# 4. wrapper mode (smtps, port 465)
d="$WORK/pf-smtps"
mkdir -p "$d"
cat >"$d/main.cf" <<CF
relayhost = [$SMARTHOST_HOST]:$PORT_SMTPS
smtp_tls_wrappermode = yes
smtp_tls_security_level = encrypt
smtp_tls_CAfile = $SMARTHOST_CA
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = lmdb:$d/sasl_passwd
CF
printf '[%s]:%s %s:%s\n' "$SMARTHOST_HOST" "$PORT_SMTPS" "$SASL_USER" "$SASL_PASS" >"$d/sasl_passwd"
im_import postfix "$d" smtps
expect_rc 0 "--import postfix: wrapper mode"
im_has "tls_starttls off" "smtps: implicit TLS"
im_has "the source file of the lmdb table" "smtps: an lmdb table is read from its source, and said so"
sends smtps "smtps wrapper mode"

# 5. ssmtp.conf with revaliases: root's mail leaves as alice
d="$WORK/ssmtp"
mkdir -p "$d"
cat >"$d/ssmtp.conf" <<CF
# Config file for sSMTP sendmail
root=postmaster
mailhub=$SMARTHOST_HOST:$PORT_SUBMISSION
AuthUser=$SASL_USER
AuthPass=$SASL_PASS
UseSTARTTLS=YES
TLS_CA_File=$SMARTHOST_CA
rewriteDomain=postern.test
hostname=web1.postern.test
FromLineOverride=YES
CF
printf '# sSMTP aliases\n%s:alice@postern.test\n' "$(id -un)" >"$d/revaliases"
im_import ssmtp "$d/ssmtp.conf" ssmtp
expect_rc 0 "--import ssmtp"
im_has "default_for $(id -un)" "ssmtp: revaliases gives the user an account"
im_has "# root=postmaster: mail for root" "ssmtp: root= is a comment"
sends ssmtp "ssmtp"
f=$(wait_mail bob)
check "ssmtp: the revaliases address is the sender" grep -q '^Return-Path: <alice@postern.test>' "$f"

# 6. what cannot be imported
run_postern /dev/null --import postfix "$WORK/no-such-dir"
expect_rc 66 "--import postfix: no main.cf"
expect_err "cannot read $WORK/no-such-dir/main.cf" "--import: the missing file is named"
mkdir -p "$WORK/pf-direct"
printf 'myhostname = mx.postern.test\n' >"$WORK/pf-direct/main.cf"
run_postern /dev/null --import postfix "$WORK/pf-direct"
expect_rc 78 "--import postfix: no relayhost"
expect_err "names no relayhost" "--import: no relayhost is explained"
check "--import: nothing on stdout when nothing is usable" test ! -s "$WORK/out"
run_postern /dev/null --import exim
expect_rc 64 "--import: an unknown kind is a usage error"
# a main.cf the caller may not read (as a user other than its owner)
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	chmod 600 "$WORK/pf-ses/main.cf"
	set +e
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups timeout 60 "$POSTERN" --import postfix "$WORK/pf-ses" \
		>"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
	expect_rc 77 "--import postfix: a main.cf that cannot be read"
	expect_err "Permission denied|cannot read" "--import: the unreadable file is named"
else
	ok "# SKIP --import of an unreadable main.cf: no setpriv or no user nobody"
fi
