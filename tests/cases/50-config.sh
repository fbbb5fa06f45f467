# 50-config.sh - where postern finds its configuration, and the network.

printf 'To: bob@postern.test\nSubject: config files\n\nbody\n' >"$WORK/c"

# run_env XDG - postern without -C, with XDG_CONFIG_HOME set
run_env() {
	set +e
	env -i PATH=/usr/bin:/bin XDG_CONFIG_HOME="$1" timeout 60 "$POSTERN" -t <"$WORK/c" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
}

if [ -e /etc/postern.conf ] || [ -e /etc/msmtprc ] || [ -e "$HOME/.msmtprc" ]; then
	ok "# SKIP config file search: this machine has its own /etc/postern.conf, /etc/msmtprc or ~/.msmtprc"
else
	fresh
	mkdir -p "$WORK/xdg1/postern"
	cp "$(config xdg)" "$WORK/xdg1/postern/config"
	chmod 600 "$WORK/xdg1/postern/config"
	run_env "$WORK/xdg1"
	expect_rc 0 "no -C: \$XDG_CONFIG_HOME/postern/config is read"
	check "the message sent with the user file arrives" test -n "$(wait_mail bob)"

	fresh
	mkdir -p "$WORK/xdg2/msmtp"
	cp "$(config msmtp)" "$WORK/xdg2/msmtp/config"
	chmod 600 "$WORK/xdg2/msmtp/config"
	run_env "$WORK/xdg2"
	expect_rc 0 "no postern file: msmtp's \$XDG_CONFIG_HOME/msmtp/config is read"
	check "the message sent with msmtp's file arrives" test -n "$(wait_mail bob)"

	mkdir -p "$WORK/xdg3"
	run_env "$WORK/xdg3"
	expect_rc 78 "no configuration file at all"
	expect_err "no configuration file" "missing configuration is explained"
fi

fresh
run_postern "$WORK/c" --file="$(config longopt)" --read-recipients
expect_rc 0 "--file=FILE and --read-recipients"
check "the message sent with --file arrives" test -n "$(wait_mail bob)"

# localhost resolves to ::1 and 127.0.0.1; the server listens on IPv4 only,
# so the first address is refused and the next one is tried
fresh
RC_LH=$(config localhost "account lh
host localhost
port $PORT_PLAIN
tls off
auth off
from alice@postern.test")
run_postern "$WORK/c" -C "$RC_LH" -a lh -v -t
expect_rc 0 "every address of the host name is tried"
check "the message sent via localhost arrives" test -n "$(wait_mail bob)"

# An rc file as an msmtp 1.4 user has it: no account line (the account
# default, as in msmtp), old spellings, obsolete commands, msmtp's DSN
# values and quoting.  Debian's msmtp -P reads the same file beside postern.
fresh
MS_RC="$WORK/msmtp-old.rc"
cat >"$MS_RC" <<RC
host $SMARTHOST_HOST
port $PORT_SMTPS
tls on
tls_nostarttls
tls_nocertcheck
keepbcc
connect_timeout 30
tls_force_sslv3 on
tls_min_dh_prime_bits 1024
ntlmdomain EXAMPLE
dsn_notify success
dsn_return headers
logfile $WORK/msmtp-old.log
logfile_time_format none
user $SASL_USER
password "$SASL_PASS"
from alice@postern.test
domain "quo"ted.example"
RC
chmod 600 "$MS_RC"
printf 'To: bob@postern.test\nBcc: carol@postern.test\nSubject: msmtp rc\n\nbody\n' >"$WORK/ms"
run_postern "$WORK/ms" -C "$MS_RC" -v -t
expect_rc 0 "an msmtp file without account lines, with old spellings, sends"
check "the outer quotes of domain are removed, the inner one kept" has '^--> EHLO quo"ted\.example$' "$WORK/err"
check "dsn_return headers is RET=HDRS" has '^--> MAIL FROM:<alice@postern\.test> .*RET=HDRS' "$WORK/err"
check "dsn_notify is sent as msmtp sends it" has '^--> RCPT TO:<bob@postern\.test> NOTIFY=SUCCESS$' "$WORK/err"
check "keepbcc: the Bcc header is kept" has '^Bcc: carol@postern\.test' "$(wait_mail bob)"
check "logfile_time_format none: the log line begins with host=" has '^host=' "$WORK/msmtp-old.log"
if command -v msmtp >/dev/null; then
	set +e
	msmtp -C "$MS_RC" -P bob@postern.test </dev/null >"$WORK/pretend" 2>&1
	MS_RC_P=$?
	set -e
	check "msmtp -P reads the same file (exit 0)" test "$MS_RC_P" = 0
	for want in 'using account default' "domain = quo\"ted.example" 'tls_starttls = off' \
		'tls_certcheck = off' 'remove_bcc_headers = off' 'timeout = 30 seconds' 'dsn_return = HDRS' \
		'dsn_notify = SUCCESS'; do
		check "msmtp -P agrees: $want" grep -qF -- "$want" "$WORK/pretend"
	done
else
	ok "# SKIP msmtp -P beside postern: msmtp is not installed"
fi
