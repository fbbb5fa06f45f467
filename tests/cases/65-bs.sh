# 65-bs.sh - postern -bs: an SMTP session on standard input and output.
# Python's smtplib over pipes (tests/helpers/bs-client.py), Symfony Mailer's
# sendmail transport with -bs (php-symfony-mailer), raw pipelined sessions
# written with printf, and swaks against postern behind
# systemd-socket-activate --inetd (one postern per connection, as with the
# socket unit of sendmail-wrapper/) on a loopback port.  Each message goes
# to the real Postfix: its envelope, header and body are checked in the
# mailbox; refusals must come back with the smarthost's code (4xx from
# tests/faultsmtp.py, 5xx from Postfix); the limits (line length,
# recipients, size, idle and session time) with the documented replies.

BS="$WORK/bs"
BS_CLIENT="$top_srcdir/tests/helpers/bs-client.py"
BS_PIDS=
mkdir -p "$BS"
BS_RC=$(config bs)

# bs_missing WHY N - N tests cannot run here: SKIP, or a failure under CI=true
bs_missing() {
	local i
	if [ "${CI:-}" = true ]; then
		not_ok "$1 (CI=true)"
	else
		for i in $(seq "$2"); do ok "# SKIP $1"; done
	fi
}

# bs_rc NAME LINES - an rc file: the suite's accounts, then LINES
bs_rc() {
	config "bs-$1" "$2"
}

# bs_raw RC FILE [ARGS] - a session whose whole input is FILE (one write:
# everything is pipelined), sets RC, OUT (CR removed) and ERR
bs_raw() {
	local rc=$1 in=$2
	shift 2
	run_postern "$in" -C "$rc" -bs "$@"
	OUT=$(printf '%s' "$OUT" | tr -d '\r')
}

# bs_codes - the code of every reply of the last session (multi-line
# replies once), in order, on one line
bs_codes() {
	printf '%s\n' "$OUT" | grep -E '^[0-9]{3}( |$)' | cut -c1-3 | tr '\n' ' ' | sed 's/ $//'
}

# bs_expect_codes WANT DESC - the sequence of reply codes
bs_expect_codes() {
	local got
	got=$(bs_codes)
	if [ "$got" = "$1" ]; then ok "$2"; else not_ok "$2" "replies: $got" "want:    $1" "$OUT" "stderr: $ERR"; fi
}

# bs_out_has REGEX DESC - a reply line of the last session matches
bs_out_has() {
	if printf '%s\n' "$OUT" | grep -Eq -- "$1"; then ok "$2"; else not_ok "$2" "no reply matches: $1" "$OUT" "stderr: $ERR"; fi
}

# bs_field FILE NAME - the unfolded value of the first field NAME
bs_field() {
	delivered_body "$1" | awk -v n="$2" 'BEGIN { n = tolower(n) ":" }
		/^$/ { exit }
		/^[ \t]/ { if (on) { sub(/^[ \t]+/, " "); v = v $0 }; next }
		{ if (on) exit; if (tolower(substr($0, 1, length(n))) == n) { on = 1; v = substr($0, length(n) + 1); sub(/^[ \t]+/, "", v) } }
		END { if (on) print v }'
}

# bs_return_path FILE - the envelope sender Postfix recorded
bs_return_path() {
	sed -n '1s/^Return-Path: <\(.*\)>$/\1/p' "$1"
}

# bs_body FILE - the delivered body
bs_body() {
	sed '1,/^$/d' "$1"
}

# bs_msg FILE BODY... - a message file: fixed header fields, then the
# body lines given, CRLF line ends
bs_msg() {
	local f=$1 l
	shift
	{
		printf 'From: Alice <alice@postern.test>\r\nTo: Bob <bob@postern.test>\r\n'
		printf 'Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n'
		for l in "$@"; do printf '%s\r\n' "$l"; done
	} >"$f"
}

# bs_listening PORT - something listens on 127.0.0.1:PORT
bs_listening() {
	ss -ltn 2>/dev/null | grep -q "127.0.0.1:$1 "
}

# bs_port - a free loopback port
bs_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bs_listen RC [ARGS] - postern -C RC -bs ARGS behind systemd-socket-activate
# --inetd (a postern per connection, the socket on its fds 0 and 1) on a
# free port; sets BS_PORT; bounded wait until it listens
bs_listen() {
	local rc=$1
	shift
	BS_PORT=$(bs_port)
	systemd-socket-activate -l "127.0.0.1:$BS_PORT" -a --inetd "$POSTERN" -C "$rc" -bs "$@" \
		>"$BS/activate-$BS_PORT.out" 2>&1 &
	BS_PIDS="$BS_PIDS $!"
	wait_until "$WAIT_S" grep -qs "Listening on" "$BS/activate-$BS_PORT.out"
}

# bs_unlisten - stop the listeners started here (by their pids)
bs_unlisten() {
	local p
	for p in $BS_PIDS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	BS_PIDS=
}

# bs_swaks ARGS... - swaks against the listener, bounded; SW (output), SW_RC
bs_swaks() {
	set +e
	SW=$(timeout 60 swaks --server "127.0.0.1:$BS_PORT" --timeout 30 "$@" 2>&1)
	SW_RC=$?
	set -e
}

# bs_sw_has REGEX DESC - the swaks transcript matches
bs_sw_has() {
	if printf '%s\n' "$SW" | grep -Eq -- "$1"; then ok "$2"; else not_ok "$2" "swaks output does not match: $1" "$SW"; fi
}

###########################################################################
# the command line

printf 'QUIT\r\n' >"$BS/quit"
run_postern "$BS/quit" -C "$BS_RC" -bs bob@postern.test
expect_rc 64 "-bs with a recipient argument is a usage error"
run_postern "$BS/quit" -C "$BS_RC" -bs -t
expect_rc 64 "-bs with -t is a usage error"
run_postern "$BS/quit" -C "$WORK/no-such.rc" -bs
expect_rc 78 "-bs without a configuration"
OUT=$(printf '%s' "$OUT" | tr -d '\r')
bs_out_has '^421 4\.3\.5 postern: cannot read configuration file' "... is refused in the greeting: 421 4.3.5"
bs_raw "$BS_RC" "$BS/quit" -i
expect_rc 0 "-bs -i (Laravel) is accepted"
bs_expect_codes "220 221" "... greeting, then 221 to QUIT"

###########################################################################
# EHLO and the commands without a transaction

printf 'EHLO app.postern.test\r\nHELO app.postern.test\r\nNOOP\r\nVRFY bob\r\nHELP\r\nEXPN staff\r\nAUTH PLAIN AGFsaWNlAHg=\r\nSTARTTLS\r\nXYZZY\r\nRSET\r\nQUIT\r\n' >"$BS/cmds"
bs_raw "$BS_RC" "$BS/cmds"
expect_rc 0 "a session of commands without mail ends with QUIT"
bs_expect_codes "220 250 250 250 252 214 502 502 502 500 250 221" "each command gets its answer, in order"
ehlo=$(printf '%s\n' "$OUT" | sed -n '/^250-/,/^250 /p' | cut -c5- | tr '\n' ' ')
case $ehlo in
*PIPELINING*"SIZE 52428800"*8BITMIME*ENHANCEDSTATUSCODES*SMTPUTF8*) ok "EHLO offers PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, SMTPUTF8" ;;
*) not_ok "EHLO offers PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, SMTPUTF8" "EHLO: $ehlo" ;;
esac
case $ehlo in
*AUTH* | *STARTTLS* | *DSN*) not_ok "EHLO offers no AUTH, STARTTLS or DSN" "EHLO: $ehlo" ;;
*) ok "EHLO offers no AUTH, STARTTLS or DSN" ;;
esac

printf 'MAIL FROM:<alice@postern.test>\r\nEHLO x\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\nMAIL FROM:<alice@postern.test> RET=HDRS\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test> NOTIFY=NEVER\r\nDATA\r\nMAIL FROM:<alice@postern.test>\r\nQUIT\r\n' >"$BS/seq"
bs_raw "$BS_RC" "$BS/seq"
bs_expect_codes "220 503 250 503 503 555 250 555 554 503 221" \
	"out of sequence 503, unknown MAIL/RCPT parameters 555, DATA without recipients 554, nested MAIL 503"
bs_out_has '^503 5\.5\.1 send EHLO or HELO first' "MAIL before EHLO: 503 5.5.1"
bs_out_has '^555 5\.5\.4 ' "an unknown parameter: 555 5.5.4"

###########################################################################
# smtplib over pipes: several messages in one session, the real Postfix

fresh
cat >"$BS/spec1.json" <<'EOF'
[
 {"from": "alice@postern.test", "to": ["bob@postern.test", "carol@postern.test"],
  "data": "From: Alice <alice@postern.test>\nTo: Bob <bob@postern.test>\nCc: carol@postern.test\nBcc: dave@postern.test\nSubject: smtplib one\n\nfirst line\n.a dot line\n..two dots\n.\nlast line\n"},
 {"from": "alice+lists@postern.test", "to": ["dave@postern.test"],
  "data": "From: alice@postern.test\nTo: dave@postern.test\nSubject: smtplib two\n\nsecond message\n"},
 {"from": "alice@postern.test", "to": ["erin@postern.test"], "options": ["BODY=8BITMIME", "SIZE=200"],
  "data": "From: alice@postern.test\nTo: erin@postern.test\nSubject: smtplib three\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGr\u00fc\u00dfe aus K\u00f6ln\n"}
]
EOF
set +e
timeout 120 python3 "$BS_CLIENT" send "$BS/spec1.json" -- "$POSTERN" -C "$BS_RC" -X "$BS/log" -bs >"$BS/client1.out" 2>&1
set -e
if grep -q '^exit 0$' "$BS/client1.out"; then ok "smtplib: the session ends with exit 0"; else
	not_ok "smtplib: the session ends with exit 0" "$(cat "$BS/client1.out")"
fi
n=$(grep -cE '^message [0-9]: 250 2\.0\.0 smtp\.postern\.test said: 2\.0\.0 Ok' "$BS/client1.out" || true)
if [ "$n" = 3 ]; then ok "smtplib: three messages, each answered with the smarthost's 250 (\"smtp.postern.test said: ...\")"; else
	not_ok "smtplib: three messages, each answered with the smarthost's 250" "$(cat "$BS/client1.out")"
fi
bob=$(wait_mail bob)
carol=$(wait_mail carol)
dave=$(wait_mail dave)
erin=$(wait_mail erin)
if [ -n "$bob" ] && [ -n "$carol" ] && [ "$(bs_return_path "$bob")" = alice@postern.test ] &&
	[ "$(bs_field "$bob" Subject)" = "smtplib one" ] && [ "$(bs_field "$bob" To)" = "Bob <bob@postern.test>" ]; then
	ok "smtplib: message 1 reached bob and carol with envelope alice@postern.test and its header"
else
	not_ok "smtplib: message 1 reached bob and carol with envelope alice@postern.test and its header" "$(cat "$bob" 2>/dev/null)"
fi
printf 'first line\n.a dot line\n..two dots\n.\nlast line\n' >"$BS/body1"
if [ -n "$bob" ] && cmp -s <(bs_body "$bob") "$BS/body1"; then ok "smtplib: the body arrived byte for byte (dot lines included)"; else
	not_ok "smtplib: the body arrived byte for byte (dot lines included)" "$(diff <(bs_body "$bob" 2>/dev/null) "$BS/body1")"
fi
check "smtplib: the Bcc field was removed" lacks '^Bcc:' "$bob" "$carol"
if [ -n "$dave" ] && [ "$(mailbox_count dave)" = 1 ] && [ "$(bs_field "$dave" Subject)" = "smtplib two" ] &&
	[ "$(bs_return_path "$dave")" = alice+lists@postern.test ]; then
	ok "smtplib: the envelope is exactly MAIL FROM and RCPT TO: dave got message 2 only, not the Bcc copy of 1"
else
	not_ok "smtplib: the envelope is exactly MAIL FROM and RCPT TO: dave got message 2 only" "$(mailbox_count dave) messages"
fi
if [ -n "$erin" ] && body_has "$erin" 'Grüße aus Köln' && grep -q 'with ESMTPSA' "$erin"; then
	ok "smtplib: an 8-bit body with BODY=8BITMIME arrives intact"
else
	not_ok "smtplib: an 8-bit body with BODY=8BITMIME arrives intact" "$(cat "$erin" 2>/dev/null)"
fi
for h in Date Message-ID; do
	if [ -n "$dave" ] && [ -n "$(bs_field "$dave" "$h")" ]; then ok "smtplib: a missing $h was added (as for a normal send)"; else
		not_ok "smtplib: a missing $h was added (as for a normal send)" "$(cat "$dave" 2>/dev/null)"
	fi
done
n=$(grep -c 'exitcode=EX_OK' "$BS/log" 2>/dev/null || true)
if [ "$n" = 3 ]; then ok "smtplib: one log line per message (-X)"; else not_ok "smtplib: one log line per message (-X)" "$(cat "$BS/log" 2>/dev/null)"; fi

# refusals: Postfix's 5xx comes back as 5xx; the next message still goes
fresh
cat >"$BS/spec2.json" <<'EOF'
[
 {"from": "alice@postern.test", "to": ["someone@example.com"], "data": "Subject: relay\n\nnot for here\n"},
 {"from": "alice@postern.test", "to": ["bob@postern.test"], "data": "Subject: after a refusal\n\nstill works\n"}
]
EOF
set +e
timeout 120 python3 "$BS_CLIENT" send "$BS/spec2.json" -- "$POSTERN" -C "$BS_RC" -bs >"$BS/client2.out" 2>&1
set -e
if grep -qE '^message 1: rcpt someone@example\.com: 554 5\.7\.1 smtp\.postern\.test said: 5\.7\.1 <someone@example\.com>: Relay access denied' "$BS/client2.out"; then
	ok "smtplib: the smarthost's 554 5.7.1 is the answer to that recipient's RCPT"
else
	not_ok "smtplib: the smarthost's 554 5.7.1 is the answer to that recipient's RCPT" "$(cat "$BS/client2.out")"
fi
if grep -q '^message 2: 250 ' "$BS/client2.out" && [ -n "$(wait_mail bob)" ] && grep -q '^exit 0$' "$BS/client2.out"; then
	ok "smtplib: the next message of the session is delivered; exit 0"
else
	not_ok "smtplib: the next message of the session is delivered; exit 0" "$(cat "$BS/client2.out")"
fi

###########################################################################
# raw pipelined sessions

fresh
bs_msg "$BS/p1" "Subject: pipelined one" "" "one"
bs_msg "$BS/p2" "Subject: pipelined two" "" "two" ".leading dot"
{
	printf 'EHLO app.postern.test\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\n'
	cat "$BS/p1"
	printf '.\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nRCPT TO:<carol@postern.test>\r\nDATA\r\n'
	sed 's/^\./../' "$BS/p2"
	printf '.\r\nQUIT\r\n'
} >"$BS/pipe"
bs_raw "$BS_RC" "$BS/pipe"
expect_rc 0 "pipelined: two messages written at once"
bs_expect_codes "220 250 250 250 354 250 250 250 250 354 250 221" "pipelined: every command answered in order"
bob2=$(wait_mail bob 2)
if [ "$(mailbox_count bob)" = 2 ] && [ "$(mailbox_count carol)" = 1 ] && body_has "$bob2" '^\.leading dot$'; then
	ok "pipelined: both messages arrived (bob 2, carol 1), the stuffed dot removed once"
else
	not_ok "pipelined: both messages arrived" "bob: $(mailbox_count bob), carol: $(mailbox_count carol)" "$(cat "$bob2" 2>/dev/null)"
fi

# SMTP smuggling: only CRLF . CRLF ends the data; what follows a bare-LF
# "end" is message text, never commands to the smarthost
fresh
{
	printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\n'
	printf 'Subject: smuggle\r\n\r\nbefore\n.\nMAIL FROM:<mallory@postern.test>\r\nRCPT TO:<carol@postern.test>\r\nDATA\r\nsmuggled\r\n'
	printf 'x\r.\rRCPT TO:<dave@postern.test>\r\nafter\r\n.\r\nQUIT\r\n'
} >"$BS/smuggle"
bs_raw "$BS_RC" "$BS/smuggle"
bs_expect_codes "220 250 250 250 354 250 221" "smuggling: bare LF . LF and CR . CR do not end the data"
bob=$(wait_mail bob)
if no_mail carol && no_mail dave && [ -n "$bob" ] && body_has "$bob" '^MAIL FROM:<mallory@postern.test>' &&
	body_has "$bob" '^after$'; then
	ok "smuggling: the would-be commands stayed in bob's message; carol and dave got nothing"
else
	not_ok "smuggling: the would-be commands stayed in bob's message" "$(cat "$bob" 2>/dev/null)"
fi
if [ -n "$bob" ] && body_has "$bob" '^\.$' && ! LC_ALL=C grep -q "$(printf '\r')" <(bs_body "$bob"); then
	ok "smuggling: the bare line ends became CRLF (the lone dot line arrives as text)"
else
	not_ok "smuggling: the bare line ends became CRLF" "$(od -c "$bob" | tail -n 12)"
fi

# a body line far over 1000 octets is passed on intact
fresh
long=$(head -c 3000 /dev/zero | tr '\0' 'L')
bs_msg "$BS/long" "Subject: long line" "" "$long" "end"
{
	printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\n'
	cat "$BS/long"
	printf '.\r\nQUIT\r\n'
} >"$BS/longsess"
bs_raw "$BS_RC" "$BS/longsess"
bob=$(wait_mail bob)
if [ -n "$bob" ] && body_has "$bob" "^$long\$"; then ok "a 3000-octet body line is delivered intact"; else
	not_ok "a 3000-octet body line is delivered intact" "$OUT"
fi

# the null sender, and a local recipient qualified with maildomain
fresh
BS_RC_MD=$(bs_rc md "maildomain postern.test")
printf 'EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<bob>\r\nDATA\r\nSubject: bounce\r\n\r\nnull sender\r\n.\r\nQUIT\r\n' >"$BS/null"
bs_raw "$BS_RC_MD" "$BS/null"
bob=$(wait_mail bob)
if [ -n "$bob" ] && grep -q '^Return-Path: <>$' "$bob"; then ok "MAIL FROM:<> is sent as the null sender; RCPT TO:<bob> got @maildomain"; else
	not_ok "MAIL FROM:<> is sent as the null sender; RCPT TO:<bob> got @maildomain" "$OUT" "$(cat "$bob" 2>/dev/null)"
fi
fresh
printf 'EHLO x\r\nMAIL FROM:<j\303\266rg@postern.test> SMTPUTF8\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\nSubject: utf8\r\n\r\nx\r\n.\r\nQUIT\r\n' >"$BS/utf8"
bs_raw "$BS_RC" "$BS/utf8"
bob=$(wait_mail bob)
if [ -n "$bob" ] && grep -q "^Return-Path: <j$(printf '\303\266')rg@postern.test>\$" "$bob"; then
	ok "MAIL FROM with a UTF-8 local part and SMTPUTF8 goes through the smarthost's SMTPUTF8"
else
	not_ok "MAIL FROM with a UTF-8 local part and SMTPUTF8 goes through the smarthost's SMTPUTF8" "$OUT"
fi
printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob>\r\nRCPT TO:<bob@exa mple.com>\r\nRCPT TO:<j\303\266rg@postern.test>\r\nMAIL FROM:<j\303\266rg@postern.test>\r\nQUIT\r\n' >"$BS/local"
bs_raw "$BS_RC" "$BS/local"
bs_out_has '^554 5\.7\.1 smtp\.postern\.test said: 5\.7\.1 <bob>: ' "RCPT TO:<bob> without aliases or maildomain: sent as written (as msmtp does), answered by the smarthost"
bs_out_has '^501 5\.1\.3 bad recipient address syntax' "RCPT TO with a space in the domain: 501 5.1.3"
bs_out_has '^553 5\.6\.7 ' "a UTF-8 address without SMTPUTF8: 553 5.6.7"
printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\nQUIT\r\n' >"$BS/mailonly"
bs_raw "$BS_RC" "$BS/mailonly" -a nosuch
bs_out_has "^451 4\\.3\\.5 postern: no account named 'nosuch'" "-a with an unknown account: MAIL gets 451 4.3.5"

# the aliases file is read once a session, not once per RCPT (1,000 RCPTs
# against a large file cost seconds of CPU when it was read each time)
if command -v strace >/dev/null; then
	printf 'carol: carol@postern.test\nteam: carol, bob@postern.test\n' >"$BS/aliases"
	BS_RC_AL=$(bs_rc aliases "aliases $BS/aliases")
	{
		printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\n'
		for i in $(seq 20); do printf 'RCPT TO:<team>\r\n'; done
		printf 'RSET\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<carol>\r\nQUIT\r\n'
	} >"$BS/al-session"
	set +e
	strace -f -qq -e trace=open,openat -o "$BS/al-trace" "$POSTERN" -C "$BS_RC_AL" -bs -a default <"$BS/al-session" >"$BS/al-out" 2>"$BS/al-err"
	set -e
	n_ok=$(tr -d '\r' <"$BS/al-out" | grep -c '^250 2\.1\.5' || true)
	n_open=$(grep -c "\"$BS/aliases\"" "$BS/al-trace" || true)
	if [ "$n_ok" = 21 ] && [ "$n_open" = 1 ]; then
		ok "-bs: 21 RCPTs through aliases, the aliases file opened once in the session"
	else
		not_ok "-bs: 21 RCPTs through aliases, the aliases file opened once in the session" \
			"RCPTs accepted: $n_ok (want 21), opens: $n_open (want 1)" "$(cat "$BS/al-out" "$BS/al-err")"
	fi
else
	bs_missing "strace is not installed" 1
fi

###########################################################################
# limits

# an overlong command line, control bytes, too many recipients
BS_RC_LIM=$(bs_rc lim "bs_max_recipients 2
bs_max_size 4000")
fresh
{
	printf 'EHLO x\r\nNOOP %0600d\r\nMAIL FROM:<alice@postern.test>\r\n' 0
	printf 'RCPT TO:<bob@postern.test>\rDATA\r\nRCPT TO:<bob@postern.test>\000x\r\n'
	printf 'RCPT TO:<bob@postern.test>\r\nRCPT TO:<carol@postern.test>\r\nRCPT TO:<dave@postern.test>\r\nDATA\r\n'
	printf 'Subject: limits\r\n\r\nto two\r\n.\r\nQUIT\r\n'
} >"$BS/lim"
bs_raw "$BS_RC_LIM" "$BS/lim"
bs_expect_codes "220 250 500 250 500 500 250 250 452 354 250 221" \
	"overlong line 500, CR and NUL in a command 500, the third recipient 452"
bs_out_has '^500 5\.5\.2 line too long' "a 600-octet command line: 500 5.5.2 line too long"
bs_out_has '^500 5\.5\.2 invalid character' "a CR or NUL inside a command line: 500 5.5.2"
bs_out_has '^452 4\.5\.3 too many recipients' "bs_max_recipients 2: the third RCPT gets 452 4.5.3"
if [ -n "$(wait_mail carol)" ] && [ -n "$(wait_mail bob)" ] && no_mail dave; then
	ok "... and the message goes to the two accepted recipients only"
else
	not_ok "... and the message goes to the two accepted recipients only" "$OUT"
fi

# the size limit: SIZE= on MAIL, and a message that turns out too big
fresh
big=$(head -c 5000 /dev/zero | tr '\0' 'B')
{
	printf 'EHLO x\r\nMAIL FROM:<alice@postern.test> SIZE=5000\r\nMAIL FROM:<alice@postern.test> SIZE=100\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\n'
	printf 'Subject: too big\r\n\r\n%s\r\n.\r\n' "$big"
	printf 'MAIL FROM:<alice@postern.test>\r\nRCPT TO:<carol@postern.test>\r\nDATA\r\nSubject: small\r\n\r\nfits\r\n.\r\nQUIT\r\n'
} >"$BS/size"
bs_raw "$BS_RC_LIM" "$BS/size"
bs_expect_codes "220 250 552 250 250 354 552 250 250 354 250 221" "bs_max_size 4000: SIZE=5000 and a 5 kB message get 552"
bs_out_has '^552 5\.3\.4 message exceeds fixed maximum message size \(4000 octets\)' "... 552 5.3.4 after the dot, with the limit"
if [ -n "$(wait_mail carol)" ] && no_mail bob; then ok "... nothing of the big one was sent; the next message was"; else
	not_ok "... nothing of the big one was sent; the next message was" "$OUT"
fi

# time: an idle client, a session that goes on too long
BS_RC_IDLE=$(bs_rc idle "bs_idle_timeout 1")
set +e
timeout 120 python3 "$BS_CLIENT" idle 60 -- "$POSTERN" -C "$BS_RC_IDLE" -bs >"$BS/idle.out" 2>&1
set -e
after=$(sed -n 's/^after: //p' "$BS/idle.out")
if grep -q '^reply: 421 4\.4\.2 idle timeout' "$BS/idle.out" && grep -q '^exit 75$' "$BS/idle.out" &&
	awk -v a="${after:-99}" 'BEGIN { exit !(a >= 0.5 && a < 20) }'; then
	ok "bs_idle_timeout 1: an idle client gets 421 4.4.2 after about 1 s, exit 75"
else
	not_ok "bs_idle_timeout 1: an idle client gets 421 4.4.2 after about 1 s, exit 75" "$(cat "$BS/idle.out")"
fi
BS_RC_SESS=$(bs_rc sess "bs_session_timeout 2")
set +e
# the client would talk for 60 s; postern must end the session long before
# (its end also ends the client: the next write gets SIGPIPE)
{ for i in $(seq 120); do printf 'NOOP\r\n'; sleep 0.5; done; } |
	timeout 120 "$POSTERN" -C "$BS_RC_SESS" -bs >"$BS/sess.out" 2>"$BS/sess.err"
RC=${PIPESTATUS[1]}
set -e
if [ "$RC" = 75 ] && grep -q '^421 4\.4\.2 session time limit' "$BS/sess.out" &&
	[ "$(grep -c '^250 ' "$BS/sess.out")" -lt 40 ]; then
	ok "bs_session_timeout 2: a client that keeps talking is closed after 2 s with 421 4.4.2, exit 75"
else
	not_ok "bs_session_timeout 2: closed after 2 s with 421 4.4.2, exit 75" "exit $RC" "$(cat "$BS/sess.out")"
fi

# bs_trickle RC LINES SECONDS - a client that sends LINES, then one byte a
# second for SECONDS (stopping when postern is gone); sets RC, OUT (CR
# removed) and BS_TOOK, the seconds postern ran
bs_trickle() {
	local rc=$1 lines=$2 n=$3 start
	start=$(date +%s)
	set +e
	{
		printf '%b' "$lines"
		for i in $(seq "$n"); do printf 'x' || break; sleep 1; done
	} 2>/dev/null | {
		timeout 60 "$POSTERN" -C "$rc" -bs >"$BS/trickle.out" 2>"$BS/trickle.err"
		echo "$? $(date +%s)" >"$BS/trickle.end"
	}
	set -e
	read -r RC BS_TOOK <"$BS/trickle.end"
	BS_TOOK=$((BS_TOOK - start))
	OUT=$(tr -d '\r' <"$BS/trickle.out")
}
# a command line that never ends, one byte a second: each command must come
# whole within bs_idle_timeout (before, every byte started the wait again,
# and only the session timeout of an hour ended it)
BS_RC_TRICKLE=$(bs_rc trickle "bs_idle_timeout 2")
bs_trickle "$BS_RC_TRICKLE" 'EHLO app.postern.test\r\n' 30
if [ "$RC" = 75 ] && printf '%s\n' "$OUT" | grep -q '^421 4\.4\.2 idle timeout' && [ "$BS_TOOK" -lt 10 ]; then
	ok "bs_idle_timeout 2: a command trickled one byte a second is cut off as idle (421 4.4.2, exit 75, after $BS_TOOK s)"
else
	not_ok "bs_idle_timeout 2: a command trickled one byte a second is cut off as idle" "exit $RC after $BS_TOOK s" "$OUT"
fi
# ... or flooded as fast as the pipe goes: the same deadline
set +e
{ printf 'EHLO app.postern.test\r\n'; cat /dev/zero; } 2>/dev/null |
	{ timeout 60 "$POSTERN" -C "$BS_RC_TRICKLE" -bs 2>"$BS/flood.err" | tr -d '\r' >"$BS/flood.out"; echo "${PIPESTATUS[0]}" >"$BS/flood.rc"; }
set -e
RC=$(cat "$BS/flood.rc")
if [ "$RC" = 75 ] && grep -q '^421 4\.4\.2 idle timeout' "$BS/flood.out"; then
	ok "bs_idle_timeout 2: a command line flooded without end is cut off as idle (421 4.4.2, exit 75)"
else
	not_ok "bs_idle_timeout 2: a command line flooded without end is cut off as idle" "exit $RC" "$(cat "$BS/flood.out")"
fi
# message data trickled one byte a second, never pausing for the idle
# timeout: the session timeout ends it
BS_RC_TRICKLE2=$(bs_rc trickle2 "bs_idle_timeout 3
bs_session_timeout 4")
bs_trickle "$BS_RC_TRICKLE2" 'EHLO app.postern.test\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\n' 30
if [ "$RC" = 75 ] && printf '%s\n' "$OUT" | grep -q '^354 ' &&
	printf '%s\n' "$OUT" | grep -q '^421 4\.4\.2 session time limit' && [ "$BS_TOOK" -lt 12 ]; then
	ok "bs_session_timeout 4: message data trickled one byte a second ends with the session (421 4.4.2, exit 75, after $BS_TOOK s)"
else
	not_ok "bs_session_timeout 4: message data trickled one byte a second ends with the session" "exit $RC after $BS_TOOK s" "$OUT"
fi

# the end of the input: between commands it is normal, inside DATA not
fresh
printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\nSubject: cut\r\n\r\nno end' >"$BS/cut"
bs_raw "$BS_RC" "$BS/cut"
if [ "$RC" = 75 ] && no_mail bob; then ok "input ending inside DATA: nothing is sent, exit 75"; else
	not_ok "input ending inside DATA: nothing is sent, exit 75" "exit $RC" "$OUT"
fi
printf 'EHLO x\r\nNOOP\r\n' >"$BS/eof"
bs_raw "$BS_RC" "$BS/eof"
expect_rc 0 "input ending between commands (no QUIT)"

# a web page made to post to the SMTP port: dropped at the request line
fresh
printf 'POST / HTTP/1.1\r\nHost: localhost:25\r\nContent-Length: 99\r\n\r\nEHLO x\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\nSubject: csrf\r\n\r\nx\r\n.\r\n' >"$BS/http"
bs_raw "$BS_RC" "$BS/http"
if [ "$RC" = 76 ] && [ "$(bs_codes)" = "220 421" ] && no_mail bob; then
	ok "an HTTP request is answered 421 and the connection closed (exit 76); nothing is sent"
else
	not_ok "an HTTP request is answered 421 and the connection closed (exit 76)" "exit $RC" "$OUT"
fi

# a recipient the smarthost refuses is refused at its RCPT: the client
# knows before DATA, and no message is taken, so none is kept (a message
# refused after its data is kept: 66-bs-keep.sh)
BS_RC_DEAD=$(bs_rc dead "dead_letter $BS/dead")
printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<nobody@example.com>\r\nDATA\r\nSubject: dead\r\n\r\nkept\r\n.\r\nQUIT\r\n' >"$BS/deadsess"
bs_raw "$BS_RC_DEAD" "$BS/deadsess" -a default
kept=$(find "$BS/dead/new" -type f 2>/dev/null | head -n 1)
if [ -z "$kept" ] && printf '%s\n' "$OUT" | grep -q '^554 5\.7\.1 smtp\.postern\.test said: .*nobody@example\.com.*Relay access denied'; then
	ok "a recipient the smarthost refuses is answered with its 554 at RCPT; nothing was taken, nothing kept"
else
	not_ok "a recipient the smarthost refuses is answered with its 554 at RCPT; nothing was taken, nothing kept" "$OUT" "kept: $kept"
fi

###########################################################################
# set-group-ID: the system account's secret is taken with the group before
# the session starts, and the group is given up before the client is heard.
# nobody runs a root:postern 2755 copy in a private mount namespace whose
# /etc holds a postern.conf (root:postern 0640) with the password.

if ! command -v unshare >/dev/null || ! command -v setpriv >/dev/null ||
	! unshare -m --propagation private sh -c 'mount --bind / /mnt' 2>/dev/null; then
	bs_missing "no private mount namespace (unshare -m) or setpriv" 5
else
	bs_made_group=
	if ! getent group postern >/dev/null; then groupadd --system postern && bs_made_group=yes; fi
	bs_gid=$(getent group postern | cut -d: -f3)
	bs_ngid=$(id -g nobody)
	BS_SG="$BS/sgid"
	mkdir -p "$BS_SG/etc" "$BS_SG/realetc" "$BS_SG/bin"
	chmod 755 "$BS_SG" "$BS_SG/etc" "$BS_SG/bin"
	for f in /etc/* /etc/.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		n=${f#/etc/}
		if [ -L "$f" ]; then cp -P "$f" "$BS_SG/etc/$n"; else ln -s "$BS_SG/realetc/$n" "$BS_SG/etc/$n"; fi
	done
	rm -f "$BS_SG/etc/postern.conf" "$BS_SG/etc/msmtprc"
	sed -n '/^defaults/,$p' "$BS_RC" >"$BS_SG/etc/postern.conf"
	chown root:postern "$BS_SG/etc/postern.conf"
	chmod 640 "$BS_SG/etc/postern.conf"
	install -m 755 "$POSTERN" "$BS_SG/bin/postern"
	chown root:postern "$BS_SG/bin/postern"
	chmod 2755 "$BS_SG/bin/postern"
	cat >"$BS_SG/ns.sh" <<NS
#!/bin/sh
# ns.sh CMD... - in the namespace: the test's /etc, then CMD as nobody
set -e
mount --bind /etc "$BS_SG/realetc"
mount --bind "$BS_SG/etc" /etc
exec setpriv --reuid=nobody --regid=$bs_ngid --clear-groups "\$@"
NS
	chmod 755 "$BS_SG/ns.sh"
	if timeout 60 unshare -m --propagation private "$BS_SG/ns.sh" cat /etc/postern.conf >/dev/null 2>&1; then
		not_ok "nobody cannot read the system file itself"
	else
		ok "nobody cannot read the system file itself"
	fi
	fresh
	rm -f "$BS_SG/in"
	mkfifo "$BS_SG/in"
	timeout 60 unshare -m --propagation private "$BS_SG/ns.sh" "$BS_SG/bin/postern" -bs \
		<"$BS_SG/in" >"$BS_SG/out" 2>"$BS_SG/err" &
	bs_sg_pid=$!
	exec 7>"$BS_SG/in"
	printf 'EHLO x\r\n' >&7
	wait_until "$WAIT_S" grep -qs '^250 SMTPUTF8' "$BS_SG/out" || true
	bs_sg_exe=$(pgrep -P "$bs_sg_pid" -x postern 2>/dev/null | head -n 1)
	bs_sg_exe=${bs_sg_exe:-$bs_sg_pid}
	if grep -q '^250 SMTPUTF8' "$BS_SG/out" 2>/dev/null &&
		grep -Eq "^Gid:[[:space:]]+${bs_ngid}[[:space:]]+${bs_ngid}[[:space:]]+${bs_ngid}[[:space:]]+${bs_ngid}\$" "/proc/$bs_sg_exe/status" &&
		! grep -E '^Groups:' "/proc/$bs_sg_exe/status" | grep -qw "$bs_gid"; then
		ok "setgid -bs: while the client talks, real, effective, saved and fs group are nobody's"
	else
		not_ok "setgid -bs: while the client talks, real, effective, saved and fs group are nobody's" \
			"$(cat "$BS_SG/out" "$BS_SG/err" 2>/dev/null)" "$(grep -E '^(Gid|Groups):' "/proc/$bs_sg_exe/status" 2>&1)"
	fi
	printf 'MAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\nSubject: setgid bs\r\n\r\nsystem account\r\n.\r\n' >&7
	printf 'MAIL FROM:<alice@postern.test>\r\nRCPT TO:<carol@postern.test>\r\nDATA\r\nSubject: setgid bs 2\r\n\r\nagain\r\n.\r\nQUIT\r\n' >&7
	exec 7>&-
	set +e
	wait "$bs_sg_pid"
	RC=$?
	set -e
	ERR=$(cat "$BS_SG/err")
	expect_rc 0 "setgid -bs: the session as nobody"
	if [ -n "$(wait_mail bob)" ] && [ -n "$(wait_mail carol)" ] && [ "$(grep -c '^250 2\.0\.0 smtp' "$BS_SG/out")" = 2 ]; then
		ok "setgid -bs: both messages went through the system account with its password"
	else
		not_ok "setgid -bs: both messages went through the system account with its password" "$(cat "$BS_SG/out")"
	fi
	if [ -s "$BS_SG/out" ] && [ -r "$BS_SG/err" ] && ! grep -qF "$SASL_PASS" "$BS_SG/out" "$BS_SG/err"; then ok "setgid -bs: the password appears in no reply"; else
		not_ok "setgid -bs: the password appears in no reply"
	fi
	[ -z "$bs_made_group" ] || groupdel postern >/dev/null 2>&1 || true
fi

###########################################################################
# Symfony Mailer's sendmail transport (-bs, and Laravel's -bs -i)

if ! php -r 'exit(is_file("/usr/share/php/Symfony/Component/Mailer/autoload.php") ? 0 : 1);' 2>/dev/null; then
	bs_missing "php-symfony-mailer is not installed" 4
else
	fresh
	cat >"$BS/symfony.php" <<'EOF'
<?php
// argv: command, then "to" addresses, one message each, in one transport
require_once '/usr/share/php/Symfony/Component/Mailer/autoload.php';
require_once '/usr/share/php/Symfony/Component/Mime/autoload.php';
use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport\SendmailTransport;
use Symfony\Component\Mime\Email;
$mailer = new Mailer(new SendmailTransport($argv[1]));
foreach (array_slice($argv, 2) as $i => $to) {
	$email = (new Email())->from('Alice <alice@postern.test>')->to($to)->bcc('frank@postern.test')
		->subject("symfony $i")->text("symfony body $i\n.a dot line\n");
	try {
		$mailer->send($email);
		echo "sent $i\n";
	} catch (\Throwable $e) {
		echo "failed $i: ", str_replace("\n", " ", $e->getMessage()), "\n";
	}
}
EOF
	set +e
	timeout 120 php "$BS/symfony.php" "$POSTERN -C $BS_RC -bs" bob@postern.test carol@postern.test >"$BS/sym.out" 2>&1
	timeout 120 php "$BS/symfony.php" "$POSTERN -C $BS_RC -bs -i" dave@postern.test someone@example.com >"$BS/sym2.out" 2>&1
	set -e
	bob=$(wait_mail bob)
	carol=$(wait_mail carol)
	dave=$(wait_mail dave)
	if grep -q '^sent 0$' "$BS/sym.out" && grep -q '^sent 1$' "$BS/sym.out" && [ -n "$bob" ] && [ -n "$carol" ] &&
		[ "$(bs_field "$bob" Subject)" = "symfony 0" ] && [ "$(bs_return_path "$bob")" = alice@postern.test ] &&
		body_has "$bob" '^\.a dot line$'; then
		ok "Symfony Mailer -bs: two messages in one transport reach bob and carol"
	else
		not_ok "Symfony Mailer -bs: two messages in one transport reach bob and carol" "$(cat "$BS/sym.out")" "$(cat "$bob" 2>/dev/null)"
	fi
	if [ "$(mailbox_count frank)" = 3 ] && lacks '^Bcc:' "$bob" "$carol"; then
		ok "Symfony Mailer: the Bcc recipient got every copy, no Bcc field was transmitted"
	else
		not_ok "Symfony Mailer: the Bcc recipient got every copy, no Bcc field was transmitted" "frank: $(mailbox_count frank)"
	fi
	if grep -q '^sent 0$' "$BS/sym2.out" && [ -n "$dave" ]; then ok "Symfony Mailer -bs -i (Laravel's command) works"; else
		not_ok "Symfony Mailer -bs -i (Laravel's command) works" "$(cat "$BS/sym2.out")"
	fi
	if grep -qE '^failed 1: .*554.*smtp\.postern\.test said: 5\.7\.1' "$BS/sym2.out"; then
		ok "Symfony Mailer: the smarthost's 554 5.7.1 becomes its exception"
	else
		not_ok "Symfony Mailer: the smarthost's 554 5.7.1 becomes its exception" "$(cat "$BS/sym2.out")"
	fi
fi

###########################################################################
# swaks against postern behind socket activation (inetd protocol)

if ! command -v swaks >/dev/null || ! command -v systemd-socket-activate >/dev/null; then
	bs_missing "swaks or systemd-socket-activate is not installed" 9
elif ! bs_listen "$BS_RC_LIM"; then
	not_ok "systemd-socket-activate listens" "$(cat "$BS/activate-$BS_PORT.out")"
	bs_unlisten
else
	fresh
	bs_swaks --from alice@postern.test --to bob@postern.test --header "Subject: swaks plain" --body "from swaks"
	bob=$(wait_mail bob)
	if [ "$SW_RC" = 0 ] && [ -n "$bob" ] && [ "$(bs_field "$bob" Subject)" = "swaks plain" ] && body_has "$bob" '^from swaks$'; then
		ok "swaks over TCP: the message arrives"
	else
		not_ok "swaks over TCP: the message arrives" "swaks exit $SW_RC" "$SW"
	fi
	bs_swaks --pipeline --from alice@postern.test --to carol@postern.test --header "Subject: swaks pipelined"
	if [ "$SW_RC" = 0 ] && [ -n "$(wait_mail carol)" ] && printf '%s\n' "$SW" | grep -q ' -> MAIL FROM' &&
		printf '%s\n' "$SW" | grep -A2 ' -> MAIL FROM' | grep -q ' -> DATA'; then
		ok "swaks --pipeline: MAIL, RCPT and DATA in one write, the message arrives"
	else
		not_ok "swaks --pipeline: MAIL, RCPT and DATA in one write, the message arrives" "$SW"
	fi
	bs_swaks --from alice@postern.test --to someone@example.com
	bs_sw_has '<\*\* +554 5\.7\.1 smtp\.postern\.test said: 5\.7\.1 <someone@example\.com>: Relay access denied' \
		"swaks: the smarthost's 5xx comes back as 554 5.7.1"
	bs_swaks --from alice@postern.test --to bob@postern.test,carol@postern.test,dave@postern.test
	bs_sw_has '<\*\* +452 4\.5\.3 too many recipients' "swaks: the third recipient gets 452 4.5.3 (bs_max_recipients 2)"
	bs_swaks --from alice@postern.test --to "$(head -c 600 /dev/zero | tr '\0' 'a')@postern.test"
	bs_sw_has '<\*\* +500 5\.5\.2 line too long' "swaks: an overlong RCPT line gets 500 5.5.2"
	bs_swaks --from alice@postern.test --to bob@postern.test --body "$(head -c 6000 /dev/zero | tr '\0' 'x')"
	bs_sw_has '<\*\* +552 5\.3\.4 ' "swaks: a message over bs_max_size gets 552 5.3.4"
	bs_unlisten
	if bs_listen "$BS_RC_IDLE"; then
		set +e
		timeout 120 python3 "$BS_CLIENT" tcp-idle "$BS_PORT" 60 >"$BS/tcpidle.out" 2>&1
		set -e
		if grep -q '^reply: 421 4\.4\.2 idle timeout' "$BS/tcpidle.out"; then ok "an idle TCP client gets 421 4.4.2 (bs_idle_timeout 1)"; else
			not_ok "an idle TCP client gets 421 4.4.2 (bs_idle_timeout 1)" "$(cat "$BS/tcpidle.out")"
		fi
	else
		not_ok "an idle TCP client gets 421 4.4.2 (bs_idle_timeout 1)" "no listener"
	fi
	bs_unlisten

	# bs_fault NAME SPEC - the scripted server with SPEC, and $BS/NAME/rc
	# for an account that uses it (plain, no AUTH); BS_FT_PID is its pid
	bs_fault() {
		BS_FT="$BS/$1"
		mkdir -p "$BS_FT"
		python3 "$top_srcdir/tests/faultsmtp.py" --port-file "$BS_FT/port" --log "$BS_FT/log" --max-seconds 180 \
			"$2" >"$BS_FT/out" 2>&1 &
		BS_FT_PID=$!
		wait_until "$WAIT_S" test -s "$BS_FT/port" || true
		printf 'account default\nhost 127.0.0.1\nport %s\ntls off\nauth off\nfrom alice@postern.test\ntimeout 30\n' \
			"$(cat "$BS_FT/port" 2>/dev/null || echo 9)" >"$BS_FT/rc"
		chmod 600 "$BS_FT/rc"
	}
	bs_fault_stop() {
		bs_unlisten
		kill "$BS_FT_PID" 2>/dev/null || true
		wait "$BS_FT_PID" 2>/dev/null || true
	}

	# a 4xx at the end of data, from the scripted server
	bs_fault fault '{"dot": "451 4.3.0 Queue file write error"}'
	if bs_listen "$BS_FT/rc"; then
		bs_swaks --from alice@postern.test --to bob@postern.test
		bs_sw_has '<\*\* +451 4\.3\.0 127\.0\.0\.1 said: 4\.3\.0 Queue file write error' \
			"swaks: the smarthost's 451 after the dot comes back as 451 4.3.0"
	else
		not_ok "swaks: the smarthost's 451 after the dot comes back as 451" "no listener"
	fi
	bs_fault_stop

	# MAIL refused 451 by a smarthost that offers PIPELINING: the RCPT and
	# DATA sent behind it are answered 503 for want of MAIL, and must not
	# replace the real, temporary refusal in the -bs verdict
	bs_fault mail451 '{"mail": "451 4.3.0 Try again later"}'
	if bs_listen "$BS_FT/rc"; then
		bs_swaks --from alice@postern.test --to bob@postern.test
		bs_sw_has '<\*\* +451 4\.3\.0 127\.0\.0\.1 said: 4\.3\.0 Try again later' \
			"swaks: a pipelined MAIL refused 451 comes back as 451 4.3.0, not the 503 that followed it"
	else
		not_ok "swaks: a pipelined MAIL refused 451 comes back as 451" "no listener"
	fi
	bs_fault_stop

	# over the smarthost's SIZE: postern refuses before DATA (MAIL and
	# RCPT went as the client sent them, to be answered by the smarthost),
	# with the 552 5.3.4 the smarthost itself would give
	bs_fault size-limit '{"caps": ["PIPELINING", "SIZE 1000", "8BITMIME", "ENHANCEDSTATUSCODES"]}'
	if bs_listen "$BS_FT/rc"; then
		bs_swaks --from alice@postern.test --to bob@postern.test --body "$(head -c 3000 /dev/zero | tr '\0' x)"
		bs_sw_has '<\*\* +552 5\.3\.4 postern: .*larger than the server accepts \(1000 bytes\)' \
			"swaks: a message over the smarthost's SIZE gets 552 5.3.4, saying the limit"
		# the server logs a connection once it has ended
		wait_until "$WAIT_S" grep -qs '"commands"' "$BS_FT/log" || true
		summary=$(python3 "$top_srcdir/tests/faultsmtp.py" --summary "$BS_FT/log" 2>&1)
		if printf '%s\n' "$summary" | grep -q '^command .*RCPT TO' && ! printf '%s\n' "$summary" | grep -q 'wait DATA'; then
			ok "... and the smarthost saw MAIL and RCPT but never DATA"
		else
			not_ok "... and the smarthost saw MAIL and RCPT but never DATA" "$summary"
		fi
	else
		not_ok "swaks: a message over the smarthost's SIZE gets 552 5.3.4" "no listener"
	fi
	bs_fault_stop
fi

###########################################################################
# inetd: standard error is the client's socket, and must stay silent

if ! command -v socat >/dev/null; then
	bs_missing "socat is not installed" 1
else
	BS_RC_NOLOG=$(bs_rc nolog "logfile $BS/no/such/dir/log")
	port=$(bs_port)
	timeout 120 socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" \
		"EXEC:$POSTERN -v -C $BS_RC_NOLOG -bs,stderr" >"$BS/socat.out" 2>&1 &
	BS_SOCAT=$!
	wait_until "$WAIT_S" bs_listening "$port" || true
	printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\nSubject: inetd\r\n\r\nx\r\n.\r\nQUIT\r\n' >"$BS/inetd.in"
	set +e
	python3 "$BS_CLIENT" tcp-raw "$port" "$BS/inetd.in" >"$BS/inetd.out" 2>&1
	set -e
	wait "$BS_SOCAT" 2>/dev/null || true
	if grep -q '^221 ' "$BS/inetd.out" && ! grep -qE 'postern:|-->|<--' "$BS/inetd.out"; then
		ok "stderr on the client's socket (inetd): no diagnostic or -v transcript reaches the client"
	else
		not_ok "stderr on the client's socket (inetd): no diagnostic reaches the client" "$(cat "$BS/inetd.out")"
	fi
fi

###########################################################################
# sendmail-wrapper: the socket units, staged into a DESTDIR

BS_DEST="$BS/dest"
mkdir -p "$BS_DEST$(dirname "$POSTERN")"
cp "$POSTERN" "$BS_DEST$POSTERN"
set +e
make -s -C "$top_srcdir/sendmail-wrapper" install-socket DESTDIR="$BS_DEST" POSTERN="$POSTERN" GROUP=postern \
	>"$BS/units.out" 2>&1
BS_MK=$?
set -e
BS_UNITS="$BS_DEST/etc/systemd/system"
if [ "$BS_MK" = 0 ] && [ -f "$BS_UNITS/postern-smtp.socket" ] && grep -qx "ExecStart=$POSTERN -bs" "$BS_UNITS/postern-smtp@.service" &&
	grep -qx 'ListenStream=127.0.0.1:25' "$BS_UNITS/postern-smtp.socket" && grep -qx 'ListenStream=\[::1\]:25' "$BS_UNITS/postern-smtp.socket" &&
	grep -qx 'Accept=yes' "$BS_UNITS/postern-smtp.socket"; then
	ok "make install-socket: postern-smtp.socket (127.0.0.1:25, [::1]:25, Accept=yes) and postern-smtp@.service"
else
	not_ok "make install-socket: postern-smtp.socket and postern-smtp@.service" "$(cat "$BS/units.out")"
fi
if command -v systemd-analyze >/dev/null; then
	cp "$BS_UNITS/postern-smtp@.service" "$BS/postern-smtp@1.service"
	cp "$BS_UNITS/postern-smtp.socket" "$BS/postern-smtp.socket"
	cp "$BS_UNITS/postern-smtp@.service" "$BS/postern-smtp@.service"
	set +e
	bs_verify=$(cd "$BS" && timeout 60 systemd-analyze verify --man=no ./postern-smtp.socket ./postern-smtp@1.service 2>&1)
	bs_vrc=$?
	set -e
	if [ "$bs_vrc" = 0 ] && [ -z "$bs_verify" ]; then ok "systemd-analyze verify accepts the units without a warning"; else
		not_ok "systemd-analyze verify accepts the units without a warning" "exit $bs_vrc" "$bs_verify"
	fi
else
	bs_missing "systemd-analyze is not installed" 1
fi
bs_line=$(make -s --no-print-directory -C "$top_srcdir/sendmail-wrapper" inetd-line POSTERN=/usr/bin/postern 2>&1 || true)
if [ "$bs_line" = "$(printf '127.0.0.1:smtp\tstream\ttcp\tnowait\tnobody\t/usr/bin/postern\tpostern -bs')" ] &&
	grep -q '^127\.0\.0\.1:smtp[[:space:]]' "$top_srcdir/sendmail-wrapper/inetd.conf"; then
	ok "the inetd.conf line (sendmail-wrapper/inetd.conf, make inetd-line)"
else
	not_ok "the inetd.conf line (sendmail-wrapper/inetd.conf, make inetd-line)" "make inetd-line printed: $bs_line"
fi
make -s -C "$top_srcdir/sendmail-wrapper" uninstall-socket DESTDIR="$BS_DEST" >/dev/null 2>&1 || true
check "make uninstall-socket removes the units" test ! -e "$BS_UNITS/postern-smtp.socket" -a ! -e "$BS_UNITS/postern-smtp@.service"
