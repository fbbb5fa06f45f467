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

# msmtp's command line: every rc command is an option; --host reads no
# file at all (the same words go to Debian's msmtp beside postern)
fresh
PW_FILE="$WORK/cli-pw"
printf '%s\n' "$SASL_PASS" >"$PW_FILE"
chmod 600 "$PW_FILE"
CLI_ARGS=(--host="$SMARTHOST_HOST" --port "$PORT_SUBMISSION" --tls --tls-starttls --tls-trust-file="$SMARTHOST_CA"
	--auth=plain --user="$SASL_USER" --passwordeval="cat $PW_FILE" --from alice@postern.test)
run_postern "$WORK/c" "${CLI_ARGS[@]}" -t
expect_rc 0 "--host and settings as options send without any file"
check "the message sent by options alone arrives" test -n "$(wait_mail bob)"
if command -v msmtp >/dev/null; then
	fresh
	set +e
	timeout 60 msmtp "${CLI_ARGS[@]}" -t <"$WORK/c" >"$WORK/out" 2>"$WORK/err"
	MS_RC=$?
	set -e
	check "Debian's msmtp sends with the same words (exit $MS_RC)" test "$MS_RC" = 0
	check "... and its message arrives too" test -n "$(wait_mail bob)"
else
	ok "# SKIP msmtp with the same command line: msmtp is not installed"
fi

fresh
run_postern "$WORK/c" -C "$(config over)" --port=1 -t
expect_rc 75 "--port=1 overrides the file's port (nothing listens there)"
run_postern "$WORK/c" -C "$(config over)" --port=x -t
expect_rc 64 "a bad option value is a usage error"
expect_err "port: invalid number 'x'" "... naming the setting and the value"
run_postern "$WORK/c" --host=h.example -a sub -t
expect_rc 64 "--host with --account is refused, as in msmtp"
run_postern "$WORK/c" --password=x -t
expect_rc 64 "there is no --password option"

# -P prints what a send would use, secrets as "*", and reads no message
run_postern /dev/null -C "$(config pretend)" --port=2525 --tls-certcheck=off -P bob@postern.test
expect_rc 0 "-P exits 0"
for want in 'using account default from ' "host = $SMARTHOST_HOST" 'port = 2525' 'password = \*' \
	'tls_certcheck = off' "user = $SASL_USER"; do
	check "-P shows: $want" grep -q -- "^$want" "$WORK/out"
done
check "-P never shows the password" lacks "$SASL_PASS" "$WORK/out"
check "-P sent nothing" no_mail bob
if command -v msmtp >/dev/null; then
	set +e
	msmtp -C "$(config pretend)" --port=2525 --tls-certcheck=off -P bob@postern.test </dev/null >"$WORK/pretend" 2>&1
	set -e
	for want in 'port = 2525' 'password = *' 'tls_certcheck = off' "user = $SASL_USER"; do
		check "msmtp -P shows the same: $want" grep -qF -- "$want" "$WORK/pretend"
	done
fi

# eval: the line is what the command prints (msmtp 1.8)
fresh
EV_RC="$WORK/eval.rc"
printf 'account ev\neval echo host %s\neval printf "port %s\\n"\ntls_trust_file %s\nuser %s\neval cat %s | sed "s/^/password /"\nfrom alice@postern.test\n' \
	"$SMARTHOST_HOST" "$PORT_SUBMISSION" "$SMARTHOST_CA" "$SASL_USER" "$PW_FILE" >"$EV_RC"
chmod 600 "$EV_RC"
run_postern "$WORK/c" -C "$EV_RC" -a ev -t
expect_rc 0 "host, port and password from eval lines"
check "the message sent with eval settings arrives" test -n "$(wait_mail bob)"
if command -v msmtp >/dev/null; then
	set +e
	msmtp -C "$EV_RC" -a ev -P </dev/null >"$WORK/pretend" 2>&1
	set -e
	check "msmtp -P reads the eval lines alike" grep -qF "port = $PORT_SUBMISSION" "$WORK/pretend"
fi
printf 'account ev\neval exit 4\n' >"$EV_RC"
run_postern "$WORK/c" -C "$EV_RC" -a ev -t
expect_rc 78 "an eval command that fails is a configuration error"
expect_err "eval.rc:2: eval: the command failed \(exit status 4\)" "... naming file, line and exit status"

# "~" in the caller's own file is $HOME, as msmtp and the shell have it
fresh
mkdir -p "$WORK/tilde-home"
TILDE_RC=$(config tilde "logfile ~/tilde.log")
set +e
HOME="$WORK/tilde-home" timeout 60 "$POSTERN" -C "$TILDE_RC" -t <"$WORK/c" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
expect_rc 0 "a send with logfile ~/tilde.log"
check "~ was \$HOME: the log line is in \$HOME/tilde.log" test -s "$WORK/tilde-home/tilde.log"

# --configure ADDRESS: an account from the domain's SRV records (RFC 6186,
# RFC 8314), asked of a DNS server of the test's own on 127.0.5.3, which a
# private mount namespace's resolv.conf names
cf_configure() { # ADDRESS: postern --configure in the namespace
	set +e
	timeout 60 unshare -m --propagation private sh -c \
		'mount --bind "$1" /etc/resolv.conf && exec "$2" --configure "$3"' sh \
		"$WORK/resolv.conf" "$POSTERN" "$1" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
}
if ! command -v unshare >/dev/null || ! unshare -m --propagation private true 2>/dev/null; then
	ok "# SKIP --configure: no private mount namespace (unshare -m)"
else
	printf 'nameserver 127.0.5.3\noptions timeout:2 attempts:2\n' >"$WORK/resolv.conf"
	rm -f "$WORK/dns.ready"
	python3 "$top_srcdir/tests/dnssrv.py" 127.0.5.3 "$WORK/dns.ready" \
		"_submissions._tcp.tls.example=10,0,465,mail.tls.example" \
		"_submissions._tcp.tls.example=5,0,4650,first.tls.example" \
		"_submission._tcp.start.example=0,0,587,smtp.provider.example" \
		"_submissions._tcp.none.example=0,0,0,." \
		2>"$WORK/dns.err" &
	DNS_PID=$!
	if wait_until "$WAIT_S" test -s "$WORK/dns.ready"; then
		cf_configure alice@tls.example
		expect_rc 0 "--configure with a _submissions record"
		for want in '^account alice@tls.example$' '^host first.tls.example$' '^port 4650$' '^tls on$' \
			'^tls_starttls off$' '^auth on$' '^user alice$' '^from alice@tls.example$'; do
			check "--configure printed: $want (the lowest priority wins)" grep -q -- "$want" "$WORK/out"
		done
		check "... and no warning: the host is in the domain" lacks 'Warning' "$WORK/out"
		grep -v '^#' "$WORK/out" | sed 's/^host .*/host 127.0.0.1/' >"$WORK/configured.rc"
		chmod 600 "$WORK/configured.rc"
		run_postern /dev/null -C "$WORK/configured.rc" -a alice@tls.example -P
		expect_rc 0 "what --configure prints is a file postern reads"
		cf_configure bob@start.example
		expect_rc 0 "--configure with a _submission record only"
		check "... STARTTLS on port 587" grep -qz 'port 587.tls on.tls_starttls on' "$WORK/out"
		check "... a warning: the host is not in the mail domain" grep -q '^# Warning' "$WORK/out"
		cf_configure carol@none.example
		expect_rc 68 "--configure: a '.' target means no such service"
		cf_configure dave@nothing.example
		expect_rc 68 "--configure for a domain without records"
		expect_err "nothing.example publishes no SRV record" "... saying so"
		cf_configure 'not an address'
		expect_rc 65 "--configure with no address"
	else
		not_ok "the test DNS server started" "$(cat "$WORK/dns.err")"
	fi
	kill "$DNS_PID" 2>/dev/null || true
	wait "$DNS_PID" 2>/dev/null || true
fi

# one table: every setting -P prints is documented in postern.conf(5) and
# is an option of --help (but the four the command line has otherwise),
# and every option --help lists from the table is documented
run_postern /dev/null -C "$(config table)" -P
awk -F' = ' 'NR > 1 {print $1}' "$WORK/out" | sort >"$WORK/rows"
"$POSTERN" --help | sed -n 's/^  --\([a-z0-9-]*\)[=[].*/\1/p; s/^  --\([a-z0-9-]*\)$/\1/p' | tr - _ | sort -u >"$WORK/helpopts"
awk '/^\.SH COMMANDS/{on=1} /^\.SH SECRETS/{on=0} on && (prev == ".TP" || prev == ".TQ") {print $2} {prev=$1}' \
	"$top_srcdir/doc/postern.conf.5" | sort -u >"$WORK/documented"
check "-P lists at least 35 settings" test "$(wc -l <"$WORK/rows")" -ge 35
undocumented=$(comm -23 "$WORK/rows" "$WORK/documented" | tr '\n' ' ')
check "every setting is documented in postern.conf(5) (missing: $undocumented)" test -z "$undocumented"
no_option=$(comm -23 "$WORK/rows" "$WORK/helpopts" | grep -vxE 'password|oauth2_client_secret|default_for|logfile|from' | tr '\n' ' ' || true)
check "every setting is a long option in --help (missing: $no_option)" test -z "$no_option"
not_row=$(comm -13 "$WORK/rows" "$WORK/helpopts" |
	grep -vxE 'read_recipients|file|account|from|logfile|resend|verbose|debug|pretend|host|configure|help|version|serverinfo|rmqs|read_envelope_from' |
	tr '\n' ' ' || true)
check "every table option of --help is a setting (extra: $not_row)" test -z "$not_row"
