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
