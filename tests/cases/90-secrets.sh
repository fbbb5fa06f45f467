# 90-secrets.sh - password sources: the keyring (a real gnome-keyring-daemon
# in dbus-run-session), ~/.netrc, the terminal prompt, passwordeval bounds.

printf 'To: bob@postern.test\nSubject: secrets\n\nbody\n' >"$WORK/sec"
KEYRING_RC=$(config keyring "account kr : sub
password
passwordeval")
sed -i '/^password "/d' "$KEYRING_RC"

if ! command -v gnome-keyring-daemon >/dev/null || ! command -v secret-tool >/dev/null ||
	! command -v dbus-run-session >/dev/null; then
	if [ "${CI:-}" = true ]; then not_ok "keyring tests: gnome-keyring, libsecret-tools or dbus missing"; else
		ok "# SKIP keyring tests: gnome-keyring, libsecret-tools or dbus not installed"; fi
else
	fresh
	KH="$WORK/keyring-home"
	mkdir -p "$KH"
	chmod 700 "$KH"
	cat >"$WORK/keyring.sh" <<KS
printf 'keyring password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
printf '%s' "\$2" | secret-tool store --label='postern test' host "\$1" service smtp user "\$3" || exit 90
shift 3
LD_DEBUG=libs "\$@" <"$WORK/sec" 2>"$WORK/kr.err" >"$WORK/kr.out"
echo \$? >"$WORK/kr.rc"
KS
	set +e
	timeout 60 env -i PATH=/usr/bin:/bin HOME="$KH" XDG_DATA_HOME="$KH/data" XDG_RUNTIME_DIR="$KH" \
		dbus-run-session -- sh "$WORK/keyring.sh" "$SMARTHOST_HOST" "$SASL_PASS" "$SASL_USER" \
		"$POSTERN" -C "$KEYRING_RC" -a kr -t >/dev/null 2>&1
	set -e
	RC=$(cat "$WORK/kr.rc" 2>/dev/null || echo none)
	ERR=$(grep -v '^ *[0-9]*:' "$WORK/kr.err" 2>/dev/null || true)
	expect_rc 0 "password from the keyring (entry stored with secret-tool as for msmtp)"
	check "the keyring-authenticated message arrives" test -n "$(wait_mail bob)"
	check "libsecret was loaded for the keyring account" grep -q 'libsecret-1.so' "$WORK/kr.err"
fi

# a send whose password is in the rc file never loads libsecret or GLib
fresh
RC_PW=$(config pw)
set +e
LD_DEBUG=libs "$POSTERN" -C "$RC_PW" -t <"$WORK/sec" >/dev/null 2>"$WORK/ld.err"
RC=$?
set -e
expect_rc 0 "send with the password in the rc file"
check "libsecret is not loaded when the rc file has the password" lacks 'libsecret|libglib' "$WORK/ld.err"
check "the loader trace saw postern's own libraries (the check can fail)" grep -q 'libgnutls' "$WORK/ld.err"

# no D-Bus session (cron) and no terminal: a clear error, at once
set +e
start=$(date +%s)
env -i PATH=/usr/bin:/bin timeout 30 setsid -w "$POSTERN" -C "$KEYRING_RC" -a kr -t <"$WORK/sec" >/dev/null 2>"$WORK/err"
RC=$?
set -e
ERR=$(cat "$WORK/err")
expect_rc 78 "keyring account without a D-Bus session and no terminal"
expect_err "account kr: no password .*no D-Bus session bus" "the error names the account and why"
check "it answers at once (no hang)" test $(($(date +%s) - start)) -lt 25

# passwordeval that hangs is bounded by the timeout
printf 'account default\nhost %s\nport %s\ntls_trust_file %s\nuser %s\ntimeout 2\npasswordeval "sleep 30"\n' \
	"$SMARTHOST_HOST" "$PORT_SUBMISSION" "$SMARTHOST_CA" "$SASL_USER" >"$WORK/hang.rc"
chmod 600 "$WORK/hang.rc"
start=$(date +%s)
run_postern "$WORK/sec" -C "$WORK/hang.rc" -t
expect_rc 78 "passwordeval that hangs"
expect_err "account default: passwordeval did not finish within 2 s" "a hanging passwordeval names the account"
check "the hang is cut off at the timeout" test $(($(date +%s) - start)) -lt 20

# passwordeval's command is not on the command line of the shell that
# runs it (ps shows "sh -c . /dev/fd/3"): the command tells the test its
# shell's PID and waits on a FIFO until the test has read that cmdline
fresh
mkfifo "$WORK/pe.ready" "$WORK/pe.go"
printf '%s\n' "$SASL_PASS" >"$WORK/pe.pw"
printf 'account default\nhost %s\nport %s\ntls_trust_file %s\nuser %s\ntimeout 30\n' \
	"$SMARTHOST_HOST" "$PORT_SUBMISSION" "$SMARTHOST_CA" "$SASL_USER" >"$WORK/pe.rc"
printf 'passwordeval "echo $$ >%s; read go <%s; cat %s # pe-marker-5187"\n' \
	"$WORK/pe.ready" "$WORK/pe.go" "$WORK/pe.pw" >>"$WORK/pe.rc"
chmod 600 "$WORK/pe.rc"
set +e
timeout 60 "$POSTERN" -C "$WORK/pe.rc" -t <"$WORK/sec" >"$WORK/out" 2>"$WORK/err" &
pe_bg=$!
pe_pid=$(timeout 20 cat "$WORK/pe.ready")
pe_cmdline=$(tr '\0' ' ' <"/proc/${pe_pid:-0}/cmdline" 2>/dev/null)
timeout 20 sh -c 'echo go >"$1"' sh "$WORK/pe.go"
wait "$pe_bg"
RC=$?
set -e
ERR=$(cat "$WORK/err")
check "the passwordeval shell was seen while it ran (cmdline: $pe_cmdline)" test -n "$pe_cmdline"
check "its command line does not hold the command" test -n "$pe_cmdline" -a "${pe_cmdline#*pe-marker}" = "$pe_cmdline"
expect_rc 0 "the send with that passwordeval"
check "the message arrives" test -n "$(wait_mail bob)"

# the terminal prompt (never stdin): a pseudo-terminal answers it
fresh
set +e
env -i PATH=/usr/bin:/bin python3 "$top_srcdir/tests/helpers/tty-prompt.py" "$SASL_PASS" "$WORK/sec" \
	"$POSTERN" -C "$KEYRING_RC" -a kr -t 2>"$WORK/err"
RC=$?
set -e
ERR=$(cat "$WORK/err")
expect_rc 0 "password typed at the terminal prompt"
expect_err "password for $SASL_USER at $SMARTHOST_HOST" "the prompt names the user and host"
check "the typed password is not echoed" lacks "$SASL_PASS" "$WORK/err"
check "the message sent with the prompted password arrives" test -n "$(wait_mail bob)"

# ~/.netrc of the calling user (a user made for the test, home in $WORK)
if id pn-netrc >/dev/null 2>&1 || useradd --system --home-dir "$WORK/nhome" --create-home --shell /bin/sh pn-netrc 2>/dev/null; then
	NH=$(getent passwd pn-netrc | cut -d: -f6)
	mkdir -p "$NH"
	printf 'machine other.example login x password y\nmachine %s\n  login %s\n  password "%s"\n' \
		"$SMARTHOST_HOST" "$SASL_USER" "$SASL_PASS" >"$NH/.netrc"
	cp "$KEYRING_RC" "$NH/rc"
	chown -R pn-netrc "$NH"
	chmod 600 "$NH/.netrc" "$NH/rc"
	fresh
	set +e
	setpriv --reuid=pn-netrc --regid="$(id -g pn-netrc)" --clear-groups env -i PATH=/usr/bin:/bin \
		setsid -w "$POSTERN" -C "$NH/rc" -a kr -t <"$WORK/sec" >/dev/null 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
	expect_rc 0 "password from ~/.netrc (home from getpwuid, no HOME set)"
	check "the netrc-authenticated message arrives" test -n "$(wait_mail bob)"
	chmod 644 "$NH/.netrc"
	set +e
	setpriv --reuid=pn-netrc --regid="$(id -g pn-netrc)" --clear-groups env -i PATH=/usr/bin:/bin \
		setsid -w "$POSTERN" -C "$NH/rc" -a kr -t <"$WORK/sec" >/dev/null 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
	expect_rc 78 "a ~/.netrc readable by others is refused"
	expect_err "\.netrc can be read by other users; fix it with: chmod 600" "the unsafe netrc is named with the fix"
	userdel pn-netrc 2>/dev/null || true
else
	not_ok "could not create the test user pn-netrc"
fi
