# 51-as-msmtp.sh - postern invoked as msmtp (a link named msmtp, as a
# distribution puts it in msmtp's place) answers where msmtp's callers
# look: "msmtp: " on stderr and the syslog ident msmtp; and the log line of
# a delivered message carries the smarthost's acceptance (smtpstatus=250
# smtpmsg='250 ... queued as ID'), as msmtp's does.  Debian's msmtp runs
# beside it on the same rc file where it is installed.  Syslog is caught on
# a test socket at /dev/log inside a private mount namespace (unshare -m):
# the machine's /dev is never changed.

AM="$WORK/as-msmtp"
mkdir -p "$AM/bin"
ln -sf "$POSTERN" "$AM/bin/msmtp"
printf 'To: bob@postern.test\nSubject: as msmtp\n\nbody\n' >"$AM/msg"

# am_run OUTPREFIX PROGRAM ARGS... - run PROGRAM, stdin the message; RC, ERR
am_run() {
	local out=$1
	shift
	set +e
	timeout 60 "$@" <"$AM/msg" >"$out.out" 2>"$out.err"
	RC=$?
	set -e
	ERR=$(cat "$out.err")
}

# keys FILE - the keys of the last log line of FILE, in their order
keys() {
	tail -n 1 "$1" | grep -Eo "(^| )[a-z]+=" | tr -d ' ' | tr '\n' ' '
}

# stderr: the name in front of a message
am_run "$AM/unknown" "$AM/bin/msmtp" -C "$(config as-msmtp)" nobody-here@postern.test
expect_rc 67 "as msmtp: an unknown recipient is refused"
expect_err "^msmtp: [^ ]" "as msmtp: the message begins with 'msmtp: '"
check "as msmtp: no 'postern: ' in it" lacks "postern:" "$AM/unknown.err"
am_run "$AM/usage" "$AM/bin/msmtp" --no-such-option
expect_rc 64 "as msmtp: an unknown option"
expect_err "^msmtp: .*no-such-option" "as msmtp: the usage error begins with 'msmtp: '"
am_run "$AM/plain" "$POSTERN" -C "$(config as-msmtp)" nobody-here@postern.test
expect_err "^postern: [^ ]" "as postern: the message still begins with 'postern: '"
if command -v msmtp >/dev/null; then
	am_run "$AM/real" msmtp -C "$(config as-msmtp)" nobody-here@postern.test
	check "Debian's msmtp says 'msmtp: ' on the same refusal too" has "^msmtp: " "$AM/real.err"
else
	ok "# SKIP msmtp's own message beside postern's: msmtp is not installed"
fi

# the log line of a delivered message: the smarthost's acceptance, with the
# queue id that the delivered copy's Received field names
fresh
am_run "$AM/sent" "$AM/bin/msmtp" -C "$(config as-msmtp-log "logfile $AM/postern.log")" bob@postern.test
expect_rc 0 "as msmtp: a send with a logfile"
check "the log line ends with the smarthost's acceptance, as msmtp's" \
	has " mailsize=[0-9]+ smtpstatus=250 smtpmsg='250 2\\.0\\.0 Ok: ([0-9]+ bytes )?queued as [0-9A-Z]+' exitcode=EX_OK\$" \
	"$AM/postern.log"
am_qid=$(grep -Eo "queued as [0-9A-Z]+'" "$AM/postern.log" | tr -d "'" | cut -d' ' -f3)
am_mail=$(wait_mail bob)
check "smtpmsg names the queue id of the delivered copy ($am_qid)" \
	has "^[[:space:]]+by .* id ${am_qid:-NONE}\$" "$am_mail"
if command -v msmtp >/dev/null; then
	fresh
	am_run "$AM/real-sent" msmtp -C "$(config as-msmtp-log2 "logfile $AM/msmtp.log
tls on")" bob@postern.test
	check "Debian's msmtp sends with the same rc file" test "$RC" = 0
	check "the keys of the two lines are msmtp's, in msmtp's order ($(keys "$AM/postern.log"))" \
		test "$(keys "$AM/postern.log")" = "$(keys "$AM/msmtp.log")"
	check "smtpmsg is quoted as msmtp quotes it" has " smtpmsg='250 2\\.0\\.0 Ok: queued as [0-9A-Z]+' " "$AM/msmtp.log"
else
	for i in 1 2 3; do ok "# SKIP the log line beside msmtp's: msmtp is not installed"; done
fi

# syslog: a test socket at /dev/log in a private mount namespace, over a
# /dev made of links to the machine's (mounted on realdev)
cat >"$AM/listen.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(float(sys.argv[3]))
try:
    data = s.recv(65536)
except socket.timeout:
    data = b""
open(sys.argv[2], "wb").write(data + b"\n")
PY
cat >"$AM/ns.sh" <<'NS'
#!/bin/bash
# ns.sh DIR OUT WAIT CMD... - CMD with a test syslog socket at /dev/log,
# its first datagram into OUT; run by "unshare -m"
set -eu
dir=$1 out=$2 wait=$3
shift 3
mkdir -p "$dir/realdev" "$dir/dev"
mount --bind /dev "$dir/realdev"
for n in /dev/*; do ln -sfn "$dir/realdev/${n#/dev/}" "$dir/dev/${n#/dev/}"; done
rm -f "$dir/dev/log"
mount --bind "$dir/dev" /dev
python3 "$dir/../listen.py" /dev/log "$out" "$wait" &
end=$((SECONDS + wait))
until [ -S /dev/log ]; do [ "$SECONDS" -le "$end" ] || exit 99; sleep 0.05; done
set +e
"$@"
rc=$?
wait
exit "$rc"
NS
chmod 755 "$AM/ns.sh"

# am_syslog NAME CMD... - CMD in the namespace; its first syslog datagram
# in $AM/NAME.syslog
am_syslog() {
	local name=$1
	shift
	rm -f "$AM/$name.syslog"
	am_run "$AM/$name" timeout 120 unshare -m --propagation private "$AM/ns.sh" "$AM/ns-$name" \
		"$AM/$name.syslog" "$WAIT_S" "$@"
}

# (tls on: msmtp's default is off)
RC_SYS=$(config as-msmtp-syslog "syslog LOG_MAIL
tls on")
if ! command -v unshare >/dev/null || ! unshare -m --propagation private true 2>/dev/null; then
	for i in 1 2 3 4 5 6; do
		if [ "${CI:-}" = true ]; then not_ok "syslog as msmtp: no private mount namespace"; else
			ok "# SKIP syslog as msmtp: no private mount namespace (unshare -m)"; fi
	done
else
	fresh
	am_syslog as-msmtp "$AM/bin/msmtp" -C "$RC_SYS" bob@postern.test
	expect_rc 0 "as msmtp: a send logged to syslog"
	check "the syslog ident is msmtp, without a pid, as msmtp's" \
		has "^<22>[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} msmtp: host=.* smtpstatus=250 smtpmsg='250 [^']*' exitcode=EX_OK\$" \
		"$AM/as-msmtp.syslog"
	am_syslog as-postern "$POSTERN" -C "$RC_SYS" bob@postern.test
	check "as postern: the ident is postern, with its pid" has "^<22>.{15} postern\\[[0-9]+\\]: host=" \
		"$AM/as-postern.syslog"
	am_syslog as-label "$AM/bin/msmtp" -C "$RC_SYS" -L mylabel bob@postern.test
	check "as msmtp, -L names the ident" has "^<22>.{15} mylabel\\[[0-9]+\\]: host=" "$AM/as-label.syslog"
	if command -v msmtp >/dev/null; then
		am_syslog real msmtp -C "$RC_SYS" bob@postern.test
		check "Debian's msmtp logs to the same socket (exit $RC)" test "$RC" = 0
		check "Debian's msmtp: the same ident and form" has "^<22>.{15} msmtp: host=.* smtpstatus=250 " \
			"$AM/real.syslog"
	else
		for i in 1 2; do ok "# SKIP syslog beside msmtp's: msmtp is not installed"; done
	fi
fi
