# 70-faults.sh - a scripted server (tests/faultsmtp.py) refuses, garbles,
# stalls or hangs up at each step of the dialogue.  For each fault: postern's
# exit code (DESIGN.md), its one line on stderr (what failed, which host, the
# server's reply) and whether the server received a complete message.

FT="$WORK/faults"
FT_PY="$top_srcdir/tests/faultsmtp.py"
FT_N=0
FT_PID=
FT_SPARE_PID=
FT_SPARE_MODE=
FT_MODE=plain   # plain: tls off, auth off; tls: STARTTLS and AUTH PLAIN
FT_EXTRA=       # more rc lines for the next runs
FT_TIMEOUT=30  # the rc timeout where a test does not measure it (a busy machine is slow)
mkdir -p "$FT"

# the input: complete headers, so that what arrives is exactly what was read
printf 'From: alice@postern.test\nTo: bob@postern.test\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <fault@postern.test>\nSubject: fault\n\nfirst line\n.a line with a dot\nlast line\n' >"$FT/msg"
FT_INPUT="$FT/msg"
# a body too large for the socket buffers: a server that stops reading or
# hangs up is seen while the body is still being written
{
	printf 'From: alice@postern.test\nTo: bob@postern.test\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <big@postern.test>\nSubject: big\n\n'
	head -c 6000000 /dev/zero | tr '\0' 'x' | fold -w 76
	echo
} >"$FT/big"

# a certificate for 127.0.0.1 from the smarthost's test CA
ft_cert() {
	cat >"$FT/server.tmpl" <<-EOF
		cn = "127.0.0.1"
		organization = "postern tests"
		ip_address = "127.0.0.1"
		dns_name = "$SMARTHOST_HOST"
		tls_www_server
		signing_key
		encryption_key
		expiration_days = 2
	EOF
	certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$FT/server-key.pem" &&
		certtool --generate-certificate --load-privkey "$FT/server-key.pem" \
			--load-ca-certificate "$SMARTHOST_DIR/tls/ca.pem" \
			--load-ca-privkey "$SMARTHOST_DIR/tls/ca-key.pem" \
			--template "$FT/server.tmpl" --outfile "$FT/server.pem"
}
if ft_cert >"$FT/certtool.log" 2>&1; then
	ok "a server certificate for 127.0.0.1 signed by the test CA"
else
	not_ok "a server certificate for 127.0.0.1 signed by the test CA" "$(tail -n 5 "$FT/certtool.log")"
fi

# ft_running PID - the process exists and is not a zombie
ft_running() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# ft_spawn - start the server of the next test ahead of time, for FT_MODE
# (with the certificate in tls mode): it waits for its scenario file, so
# that Python starts while the current test runs
ft_spawn() {
	local tlsargs=()
	FT_N=$((FT_N + 1))
	FT_SPARE_DIR="$FT/$FT_N"
	FT_SPARE_MODE=$FT_MODE
	mkdir -p "$FT_SPARE_DIR"
	[ "$FT_MODE" != tls ] || tlsargs=(--tls-cert "$FT/server.pem" --tls-key "$FT/server-key.pem")
	python3 -S "$FT_PY" --port-file "$FT_SPARE_DIR/port" --log "$FT_SPARE_DIR/log" --max-seconds 180 \
		"${tlsargs[@]}" --summary-file "$FT_SPARE_DIR/summary" --message-dir "$FT_SPARE_DIR" \
		--wait-scenario "$FT_SPARE_DIR/scenario" >"$FT_SPARE_DIR/server.out" 2>"$FT_SPARE_DIR/server.err" &
	FT_SPARE_PID=$!
}

# ft_gone PID - the process has ended
ft_gone() {
	! ft_running "$1"
}

# ft_kill PID - end a server, bounded
ft_kill() {
	kill -TERM "$1" 2>/dev/null || true
	wait_until "$WAIT_S" ft_gone "$1" || true
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# ft_discard - end the server started ahead of time, if any
ft_discard() {
	[ -z "$FT_SPARE_PID" ] || ft_kill "$FT_SPARE_PID"
	FT_SPARE_PID=
}

# ft_listening - the server in FT_DIR wrote its port, or has died
ft_listening() {
	[ -s "$FT_DIR/port" ] || ! ft_running "$FT_PID"
}

# ft_serve SCENARIO - a server playing SCENARIO; sets FT_DIR, FT_LOG, FT_PORT
ft_serve() {
	[ "$FT_SPARE_MODE" = "$FT_MODE" ] || ft_discard
	[ -n "$FT_SPARE_PID" ] || ft_spawn
	FT_DIR=$FT_SPARE_DIR
	FT_PID=$FT_SPARE_PID
	FT_LOG="$FT_DIR/log"
	printf '%s\n' "$1" >"$FT_DIR/scenario.tmp"
	mv "$FT_DIR/scenario.tmp" "$FT_DIR/scenario"
	wait_until "$WAIT_S" ft_listening || true
	FT_PORT=$(cat "$FT_DIR/port" 2>/dev/null || echo 9)
	ft_spawn
}

# ft_stop - stop the server (its connection in progress is still logged);
# anything it says on stderr is a broken scenario or a bug in it
ft_stop() {
	[ -n "$FT_PID" ] || return 0
	ft_kill "$FT_PID"
	FT_PID=
	if [ -s "$FT_DIR/server.err" ] || grep -q '"end": "server error' "$FT_LOG" 2>/dev/null; then
		not_ok "faultsmtp ran scenario $FT_DIR without an error" "$(cat "$FT_DIR/server.err")" "$(cat "$FT_DIR/scenario")"
	fi
}

# ft_rc - the rc file for the running server, FT_MODE, FT_TIMEOUT, FT_EXTRA
ft_rc() {
	local f="$FT_DIR/rc"
	{
		echo "account default"
		echo "host 127.0.0.1"
		echo "port $FT_PORT"
		echo "from alice@postern.test"
		echo "domain client.postern.test"
		echo "timeout $FT_TIMEOUT"
		if [ "$FT_MODE" = tls ]; then
			echo "tls on"
			echo "tls_trust_file $SMARTHOST_CA"
			echo "auth on"
			echo "user $SASL_USER"
			echo "password \"$SASL_PASS\""
		else
			echo "tls off"
			echo "auth off"
		fi
		[ -z "$FT_EXTRA" ] || printf '%s\n' "$FT_EXTRA"
	} >"$f"
	chmod 600 "$f"
	echo "$f"
}

# ft_run SCENARIO ARGS... - one postern run against a fresh server
ft_run() {
	local scen=$1
	shift
	ft_serve "$scen"
	FT_START=$(date +%s)
	run_postern "$FT_INPUT" -C "$(ft_rc)" "$@"
	FT_TIME=$(($(date +%s) - FT_START))
	ft_stop
}

# ft_stat WHAT - from the summary: connections, complete (messages received
# whole), accepted (those answered 2xx), flushes (of the last connection);
# "missing" when the server wrote no summary: then nothing
# was checked, and no comparison with a number may pass
ft_stat() {
	if [ ! -s "$FT_DIR/summary" ]; then
		echo missing
		return 0 # not 1: an assignment from it must not end the suite (set -e)
	fi
	awk -v what="$1" '$1 == "connection" {
			n++
			if ($4 == "complete=yes") c++
			if ($5 == "accepted=yes") a++
			f = $7; sub(/^flushes=/, "", f)
		}
		END {
			if (what == "connections") print n + 0
			else if (what == "complete") print c + 0
			else if (what == "accepted") print a + 0
			else print f + 0
		}' "$FT_DIR/summary"
}

# ft_cmds N - the command lines of connection N, one per line, in order;
# nothing (and a note on stderr) when there is no summary
ft_cmds() {
	if [ ! -s "$FT_DIR/summary" ]; then
		echo "ft_cmds: no summary in $FT_DIR" >&2
		return 0
	fi
	sed -n "s/^command $1 read=[0-9]* flush=[0-9]* [a-z]* //p" "$FT_DIR/summary"
}

# ft_waits N - "wait" or "pipe" for each command of connection N; "missing"
# when connection N sent nothing or there is no summary, so that a check
# for "no pipe" cannot pass on nothing
ft_waits() {
	local w
	w=$(awk -v n="$1" '$1 == "command" && $2 == n { print $5 }' "$FT_DIR/summary" 2>/dev/null)
	if [ -n "$w" ]; then printf '%s\n' "$w"; else echo missing; fi
}

# ft_same N [INPUT] - connection N received the input exactly (CRLF lines)
ft_same() {
	cmp -s "$FT_DIR/$1.msg" <(sed 's/$/\r/' "${2:-$FT_INPUT}")
}

# ft_expect RC REGEX OUTCOME DESC - the last run: exit code; for a failure
# exactly one line "postern: 127.0.0.1:PORT: ..." matching REGEX; OUTCOME is
# delivered (one complete message, accepted, identical to the input), none
# (no complete message on any connection) or received (complete, not
# accepted: a failure after the dot)
ft_expect() {
	local want=$1 re=$2 outcome=$3 desc=$4 complete accepted
	expect_rc "$want" "$desc"
	if [ "$want" != 0 ]; then
		case $re in
		^*) expect_err "$re" "$desc: the message says: $re" ;;
		*) expect_err "^postern: 127\\.0\\.0\\.1:$FT_PORT: $re" "$desc: the message names the host and says: $re" ;;
		esac
		expect_one_line "$desc: one line on stderr"
	fi
	complete=$(ft_stat complete)
	accepted=$(ft_stat accepted)
	case $outcome in
	delivered)
		if [ "$complete/$accepted" = 1/1 ] && ft_same "$(ft_stat connections)"; then
			ok "$desc: the server received the message once, intact"
		else
			not_ok "$desc: the server received the message once, intact" "complete=$complete accepted=$accepted" "$(cat "$FT_DIR/summary")"
		fi ;;
	none)
		if [ "$complete" = 0 ] && [ "$(ft_stat connections)" -ge 1 ]; then
			ok "$desc: no complete message reached the server"
		else
			not_ok "$desc: no complete message reached the server" "$(cat "$FT_DIR/summary")"
		fi ;;
	received)
		if [ "$complete/$accepted" = 1/0 ]; then
			ok "$desc: the server had the whole message but did not accept it"
		else
			not_ok "$desc: the server had the whole message but did not accept it" "complete=$complete accepted=$accepted"
		fi ;;
	esac
}

# ft_case RC REGEX OUTCOME DESC SCENARIO [ARGS...] - run and check
ft_case() {
	local want=$1 re=$2 outcome=$3 desc=$4 scen=$5
	shift 5
	[ $# -gt 0 ] || set -- bob@postern.test
	ft_run "$scen" "$@"
	ft_expect "$want" "$re" "$outcome" "$desc"
}

# ---------------------------------------------------------------- the greeting

ft_case 0 '' delivered "a normal session" '{}'
ft_size=$(($(wc -c <"$FT_INPUT") + $(wc -l <"$FT_INPUT")))
check "a normal session: exactly the expected commands" \
	test "$(ft_cmds 1 | tr '\n' '|')" = "EHLO client.postern.test|MAIL FROM:<alice@postern.test> SIZE=$ft_size|RCPT TO:<bob@postern.test>|DATA|<message $ft_size bytes>|QUIT|"
check "faultsmtp.py --message LOG 1 gives the message" cmp -s <(python3 "$FT_PY" --message "$FT_LOG" 1) "$FT_DIR/1.msg"
# a bare name qualified with maildomain that names a recipient given as
# well: one RCPT for the two
FT_EXTRA="maildomain postern.test"
ft_case 0 '' delivered "bob and bob@postern.test with maildomain" '{}' bob bob@postern.test
FT_EXTRA=
check "... one RCPT TO:<bob@postern.test>" test "$(ft_cmds 1 | grep -c '^RCPT TO:')" = 1
check "faultsmtp.py --message LOG 2 fails: no such connection" test "$(python3 "$FT_PY" --message "$FT_LOG" 2; echo $?)" = 1
ft_case 75 'the server refused the connection: 421 4\.3\.2 Service shutting down$' none \
	"greeting 421" '{"greeting": "421 4.3.2 Service shutting down"}'
ft_case 69 'the server refused the connection: 554 5\.3\.2 No SMTP service here$' none \
	"greeting 554" '{"greeting": "554 5.3.2 No SMTP service here"}'
ft_case 0 '' delivered "a multi-line 220 greeting" \
	'{"greeting": ["220-smtp.postern.test ESMTP", "220-second line", "220 third line"]}'
ft_case 0 '' delivered "replies ending in a bare LF" \
	'{"greeting": {"raw": "220 smtp.postern.test ESMTP\n"}, "ehlo": {"raw": "250-smtp.postern.test\n250 PIPELINING\n"}}'
ft_case 75 'connection closed by the server while waiting for the greeting' none \
	"the server hangs up at connect" '{"greeting": {"drop": "close"}}'
ft_case 75 "^postern: (cannot connect to 127\\.0\\.0\\.1:[0-9]+|127\\.0\\.0\\.1:[0-9]+: connection lost while waiting for the greeting): Connection reset by peer\$" none \
	"the server resets the connection at connect" '{"greeting": {"drop": "rst"}}'
FT_TIMEOUT=2
ft_case 75 'timed out after 2 s while waiting for the greeting' none \
	"the greeting stalls past timeout" '{"greeting": {"stall": 20}}'
check "the stalled greeting gives up after about timeout ($FT_TIME s)" test "$FT_TIME" -ge 1 -a "$FT_TIME" -le 15
FT_TIMEOUT=30

# ---------------------------------------------------------------- EHLO, replies

ft_case 0 '' delivered "EHLO refused: HELO instead" '{"ehlo": "502 5.5.2 Error: command not recognized"}'
check "HELO follows the refused EHLO, then one command at a time" \
	test "$(ft_cmds 1 | head -n 3 | tr '\n' '|')" = "EHLO client.postern.test|HELO client.postern.test|MAIL FROM:<alice@postern.test>|"
ft_case 69 'HELO refused: 554 no thanks$' none \
	"EHLO and HELO refused" '{"ehlo": "500 5.5.1 no", "helo": "554 no thanks"}'
ft_case 77 'HELO refused: 550 5\.7\.1 Client host rejected$' none \
	"EHLO and HELO refused with 5.7.1" '{"ehlo": "500 5.5.1 no", "helo": "550 5.7.1 Client host rejected"}'
ft_case 75 'EHLO refused: 421 4\.7\.0 Try again later$' none "EHLO 421" '{"ehlo": "421 4.7.0 Try again later"}'
ft_case 76 "the server broke the protocol: malformed reply 'hello there'" none \
	"a greeting without a code" '{"greeting": "hello there"}'
ft_case 76 "the server broke the protocol: malformed reply '251 PIPELINING'" none \
	"a multi-line EHLO reply whose code changes" '{"ehlo": ["250-smtp.postern.test", "251 PIPELINING"]}'
long=$(head -c 600 /dev/zero | tr '\0' 'x')
ft_case 0 '' delivered "a 600-byte EHLO line (over RFC 5321's 512; real servers exceed it)" "{\"ehlo\": [\"250-$long\", \"250 PIPELINING\"]}"
long=$(head -c 3000 /dev/zero | tr '\0' 'x')
ft_case 76 'the server sent a line longer than [0-9]+ bytes while sending EHLO' none \
	"a 3000-byte reply line" "{\"ehlo\": \"250 $long\"}"
manylines=$(python3 -c 'import json; print(json.dumps({"ehlo": ["250-" + "y" * 400] * 300 + ["250 PIPELINING"]}))')
ft_case 76 "the server broke the protocol: malformed reply '250-yyyy" none "a 120 kB multi-line reply" "$manylines"
ft_case 76 "the server broke the protocol: malformed reply '" none \
	"garbage bytes instead of a reply" '{"greeting": {"raw": "\u00ff\u00fe\u0001garbage\r\n"}}'
check "the garbage is quoted, its control byte made a space" env LC_ALL=C grep -q "reply '..  *garbage'\$" "$WORK/err"
ft_case 76 'the server broke the protocol: malformed reply' none \
	"NUL bytes instead of a reply" '{"greeting": {"raw": "\u0000\u0000\u0000\r\n"}}'
ft_case 76 "the server broke the protocol: malformed reply '650 6\\.0\\.0 what'" none \
	"a reply code out of range" '{"mail": "650 6.0.0 what"}'
ft_case 76 'sender address refused: 354 go ahead$' none "354 where 250 was due" '{"mail": "354 go ahead"}'
ft_case 76 'the server refused the connection: 250 hello$' none "250 where 220 was due" '{"greeting": "250 hello"}'

# ---------------------------------------------------------------- STARTTLS

FT_MODE=tls
ft_case 0 '' delivered "STARTTLS and AUTH PLAIN" '{}'
check "the session was encrypted and authenticated" \
	test "$(ft_cmds 1 | sed -n '2p;3p;4s/AUTH PLAIN .*/AUTH PLAIN/p' | tr '\n' '|')" = "STARTTLS|EHLO client.postern.test|AUTH PLAIN|"
ft_case 75 'STARTTLS refused: 454 4\.7\.0 TLS not available due to local problem$' none \
	"STARTTLS 454" '{"starttls": "454 4.7.0 TLS not available due to local problem"}'
ft_case 69 'STARTTLS refused: 554 5\.5\.1 Error: no TLS for you$' none \
	"STARTTLS 554" '{"starttls": "554 5.5.1 Error: no TLS for you"}'
ft_case 75 'TLS handshake failed' none "the server hangs up instead of the handshake" '{"tls": {"drop": "close"}}'
FT_TIMEOUT=2
ft_case 75 'timed out after 2 s during the TLS handshake' none \
	"the handshake stalls past timeout" '{"tls": {"stall": 20}}'
check "the stalled handshake gives up after about timeout ($FT_TIME s)" test "$FT_TIME" -ge 1 -a "$FT_TIME" -le 15
FT_TIMEOUT=30
ft_case 76 'TLS handshake failed' none "clear-text bytes instead of the handshake" \
	'{"tls": {"stall": 0.3, "raw": "250 2.0.0 Ok, no TLS here\r\n"}}'
ft_case 76 'TLS handshake failed' none "binary garbage instead of the handshake" \
	"{\"tls\": {\"stall\": 0.3, \"raw_b64\": \"$(printf '\026\003\003\377\377garbage' | base64 -w 0)\"}}"
ft_case 76 'TLS handshake failed' none "zero bytes instead of the handshake" \
	"{\"tls\": {\"stall\": 0.3, \"raw_b64\": \"$(head -c 200 /dev/zero | base64 -w 0)\"}}"
ft_case 76 'the server sent data after its STARTTLS reply \(possible command injection\)$' none "a reply injected after STARTTLS 220" \
	'{"starttls": {"raw": "220 2.0.0 Ready\r\n250 2.0.0 injected\r\n"}}'
ft_case 69 'the server does not offer STARTTLS; postern will not continue without TLS$' none "tls on, STARTTLS not offered" \
	'{"caps": ["PIPELINING", "8BITMIME", "AUTH PLAIN"]}'
check "EHLO, then no AUTH and no MAIL in clear text" test "$(ft_cmds 1 | head -n 1)" = "EHLO client.postern.test" -a -z "$(ft_cmds 1 | grep -E '^(AUTH|MAIL)')"

# ---------------------------------------------------------------- AUTH

ft_case 77 'authentication failed: 535 5\.7\.8 Error: authentication failed: bad password$' none \
	"AUTH 535" '{"auth": "535 5.7.8 Error: authentication failed: bad password"}'
ft_case 75 'authentication failed: 454 4\.7\.0 Temporary authentication failure$' none \
	"AUTH 454" '{"auth": "454 4.7.0 Temporary authentication failure"}'
ft_case 77 'authentication failed: 504 5\.7\.4 Security features not supported$' none \
	"AUTH refused with 5.7.4" '{"auth": "504 5.7.4 Security features not supported"}'
ft_case 75 'connection closed by the server while authenticating' none \
	"the server hangs up during AUTH" '{"auth": {"drop": "close"}}'
ft_case 76 'unexpected authentication challenge for PLAIN$' none \
	"a 334 challenge after PLAIN with its initial response" '{"auth": "334 "}'
FT_EXTRA="auth login"
ft_case 77 'authentication failed: 535 5\.7\.8' none "AUTH LOGIN: password refused" \
	'{"auth:2": "535 5.7.8 Error: authentication failed"}'
FT_EXTRA=
FT_MODE=plain

# ---------------------------------------------------------------- MAIL, RCPT, DATA

ft_case 75 'sender address refused: 451 4\.3\.0 Try again later$' none "MAIL 451" '{"mail": "451 4.3.0 Try again later"}'
# the first refusal wins: RCPT and DATA pipelined behind the refused MAIL
# are answered 503 (no MAIL), and those replies never replace the 451
FT_EXTRA="logfile $FT/mail451.log"
ft_case 75 'sender address refused: 451 4\.3\.0 Try again later$' none "MAIL 451 with RCPT and DATA pipelined behind it" \
	'{"mail": "451 4.3.0 Try again later"}'
FT_EXTRA=
check "MAIL 451: RCPT and DATA went out with MAIL, in one write" \
	test "$(ft_cmds 1 | head -n 4 | tr '\n' '|')/$(ft_waits 1 | head -n 4 | tr '\n' ' ')" = \
	"EHLO client.postern.test|MAIL FROM:<alice@postern.test> SIZE=$ft_size|RCPT TO:<bob@postern.test>|DATA|/wait wait pipe pipe "
check "MAIL 451: the log line keeps the 451, not the 503 to the pipelined DATA" \
	has "smtpstatus=451 smtpmsg='451 4\.3\.0 Try again later' errormsg='.*' exitcode=EX_TEMPFAIL\$" "$FT/mail451.log"
ft_case 69 'sender address refused: 550 5\.1\.0 <alice@postern.test>: Sender address rejected$' none \
	"MAIL 550" '{"mail": "550 5.1.0 <alice@postern.test>: Sender address rejected"}'
ft_case 77 'sender address refused: 553 5\.7\.1 <alice@postern.test>: not owned by user$' none \
	"MAIL 553 5.7.1" '{"mail": "553 5.7.1 <alice@postern.test>: not owned by user"}'
ft_case 69 'sender address refused: 553 sorry$' none "MAIL 553 without an enhanced code" '{"mail": "553 sorry"}'

ft_case 75 'recipients refused, nothing was sent: bob@postern.test \(450 4\.2\.0 <bob@postern.test>: Greylisted\)$' none \
	"RCPT 450" '{"rcpt": "450 4.2.0 <bob@postern.test>: Greylisted"}'
ft_case 67 'recipients refused, nothing was sent: bob@postern.test \(550 5\.1\.1 <bob@postern.test>: User unknown\)$' none \
	"RCPT 550 5.1.1" '{"rcpt": "550 5.1.1 <bob@postern.test>: User unknown"}'
ft_case 65 'recipients refused, nothing was sent: bob@postern.test \(501 5\.1\.3 Bad recipient address syntax\)$' none \
	"RCPT 501 5.1.3" '{"rcpt": "501 5.1.3 Bad recipient address syntax"}'
ft_case 67 'recipients refused, nothing was sent: carol@postern.test \(550 5\.1\.1 no carol\), erin@postern.test \(550 5\.1\.1 no erin\)$' none \
	"two of four recipients refused" \
	'{"rcpt:carol@postern.test": "550 5.1.1 no carol", "rcpt:erin@postern.test": "550 5.1.1 no erin"}' \
	bob@postern.test carol@postern.test dave@postern.test erin@postern.test
check "after DATA's 354, the transaction is abandoned by hanging up, not with a dot" \
	test "$(ft_cmds 1 | tail -n 1)/$(python3 "$FT_PY" --summary "$FT_LOG" | sed -n 's/^connection 1 .* end=//p')" = "DATA/client closed"
ft_case 67 'recipients refused, nothing was sent: bob@postern.test \(550 5\.1\.1 no\), carol@postern.test \(550 5\.1\.1 no\)$' none \
	"every recipient refused" '{"rcpt": "550 5.1.1 no"}' bob@postern.test carol@postern.test
check "then RSET and QUIT, and no message" test "$(ft_cmds 1 | tail -n 3 | tr '\n' '|')" = "DATA|RSET|QUIT|"
ft_case 67 'recipients refused, nothing was sent: carol@postern.test \(550 5\.1\.1 no carol\)$' none \
	"one of three refused, without PIPELINING" \
	'{"caps": ["8BITMIME", "ENHANCEDSTATUSCODES"], "rcpt:carol@postern.test": "550 5.1.1 no carol"}' \
	bob@postern.test carol@postern.test dave@postern.test
check "without PIPELINING: RSET after the refusal, DATA never sent" \
	test "$(ft_cmds 1 | tail -n 2 | tr '\n' '|')/$(ft_cmds 1 | grep -c '^DATA')" = "RSET|QUIT|/0"
ft_case 0 '' delivered \
	"452 4.5.3 too many recipients: the deferred two go in a second transaction" '{"rcpt:4": "452 4.5.3 Error: too many recipients", "rcpt:5": "452 4.5.3 Error: too many recipients"}' \
	bob@postern.test carol@postern.test frank@postern.test dave@postern.test erin@postern.test
check "... on the same connection: MAIL, five RCPTs, the data, then MAIL, RCPT dave and erin, the data" \
	test "$(ft_cmds 1 | sed 's/ SIZE=.*//; s/^<message .*/<message>/' | tr '\n' '|')" = "EHLO client.postern.test|MAIL FROM:<alice@postern.test>|RCPT TO:<bob@postern.test>|RCPT TO:<carol@postern.test>|RCPT TO:<frank@postern.test>|RCPT TO:<dave@postern.test>|RCPT TO:<erin@postern.test>|DATA|<message>|MAIL FROM:<alice@postern.test>|RCPT TO:<dave@postern.test>|RCPT TO:<erin@postern.test>|DATA|<message>|QUIT|"
ft_case 67 'recipients refused, nothing was sent: bob@postern.test \(450 4\.1\.1 later\), carol@postern.test \(550 5\.1\.1 never\)$' none \
	"a permanent refusal decides over a temporary one" '{"rcpt:1": "450 4.1.1 later", "rcpt:2": "550 5.1.1 never"}' \
	bob@postern.test carol@postern.test

ft_case 75 'DATA refused: 451 4\.3\.0 Error: queue file write error$' none "DATA 451" '{"data": "451 4.3.0 Error: queue file write error"}'
ft_case 69 'DATA refused: 554 5\.0\.0 Transaction failed$' none "DATA 554" '{"data": "554 5.0.0 Transaction failed"}'
# a reply to the end of data that came before the message: the 354 and a
# 250 in one packet, then the server hangs up; never exit 0
ft_case 76 "the server broke the protocol: it replied '250 2\\.0\\.0 Ok: queued' before the end of the message\$" none \
	"354 and 250 in one packet before the body" '{"data": {"raw": "354 go ahead\r\n250 2.0.0 Ok: queued\r\n", "drop": "close"}}'
ft_case 75 "the message was refused before it was sent: 451 4\\.3\\.0 out of space\$" none \
	"354 and a 451 in one packet before the body" '{"data": {"raw": "354 go ahead\r\n451 4.3.0 out of space\r\n"}}'
FT_INPUT="$FT/big"
ft_case 75 'connection (lost|closed by the server) while sending the message body' none \
	"the server hangs up in the middle of the body" '{"body": {"drop_after": 20000}}'
FT_TIMEOUT=2
ft_case 75 'timed out after 2 s while sending the message body' none \
	"the server stops reading in the middle of the body" '{"body": {"stall": 20, "stall_after": 20000}}'
check "the stalled body gives up after about timeout ($FT_TIME s)" test "$FT_TIME" -ge 1 -a "$FT_TIME" -le 15
FT_TIMEOUT=30
FT_INPUT="$FT/msg"

# ---------------------------------------------------------------- after the dot

ft_case 0 '' delivered "250 after the dot" '{"dot": "250 2.0.0 Ok: queued as 4XyZ"}'
ft_case 75 'the message was refused: 451 4\.3\.0 Error: queue file write error$' received \
	"451 after the dot" '{"dot": "451 4.3.0 Error: queue file write error"}'
ft_case 69 'the message was refused: 554 5\.6\.0 Error: message content rejected$' received \
	"554 after the dot" '{"dot": "554 5.6.0 Error: message content rejected"}'
ft_case 77 'the message was refused: 554 5\.7\.1 Message rejected: Email address is not verified\.$' received \
	"554 5.7.1 after the dot (SES)" '{"dot": "554 5.7.1 Message rejected: Email address is not verified."}'
ft_case 75 'connection closed by the server after the end of data \(the message may have been delivered\)' received \
	"the server hangs up after the dot" '{"dot": {"drop": "close"}}'
FT_TIMEOUT=2
ft_case 75 'timed out after 2 s after the end of data \(the message may have been delivered\)' received \
	"the final reply stalls past timeout" '{"dot": {"stall": 20}}'
FT_TIMEOUT=30
ft_case 0 '' delivered "the server hangs up instead of answering QUIT" '{"quit": {"drop": "close"}}'
ft_case 0 '' delivered "the server resets the connection at QUIT" '{"quit": {"drop": "rst"}}'
ft_case 0 '' delivered "the server hangs up right after its 250" '{"dot": {"reply": "250 2.0.0 Ok", "drop": "close"}}'

# ---------------------------------------------------------------- extensions

ft_case 0 '' delivered "a server without PIPELINING" '{"caps": ["SIZE 10000000", "8BITMIME", "ENHANCEDSTATUSCODES"]}' \
	bob@postern.test carol@postern.test dave@postern.test
check "without PIPELINING: one command at a time, in order" \
	test "$(ft_cmds 1 | sed 's/ SIZE=[0-9]*//' | tr '\n' '|')" = "EHLO client.postern.test|MAIL FROM:<alice@postern.test>|RCPT TO:<bob@postern.test>|RCPT TO:<carol@postern.test>|RCPT TO:<dave@postern.test>|DATA|<message $ft_size bytes>|QUIT|"
check "without PIPELINING: postern waited for every reply" test -z "$(ft_waits 1 | grep -v wait)"
ft_case 0 '' delivered "a server with PIPELINING" '{}' bob@postern.test carol@postern.test
check "with PIPELINING: MAIL, RCPT and DATA in one write" \
	test "$(ft_waits 1 | tr '\n' ' ')" = "wait wait pipe pipe pipe wait wait "

printf 'From: alice@postern.test\nTo: bob@postern.test\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <8bit@postern.test>\nSubject: 8bit\nContent-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: 8bit\n\nGr\xfc\xdfe, caf\xe9 \xff\n' >"$FT/8bit"
FT_INPUT="$FT/8bit"
ft_case 0 '' delivered "8-bit body to a server with 8BITMIME" '{}'
check "MAIL carries BODY=8BITMIME" has '^MAIL FROM:<alice@postern.test> .*BODY=8BITMIME' <(ft_cmds 1)
ft_case 0 '' delivered "8-bit body to a server without 8BITMIME: sent as it is" \
	'{"caps": ["PIPELINING", "ENHANCEDSTATUSCODES"]}'
check "no BODY=8BITMIME without the extension" lacks 'BODY=' <(ft_cmds 1)
FT_INPUT="$FT/msg"

ft_case 65 'the address jörg@postern\.test needs SMTPUTF8, which the server does not offer' none \
	"a non-ASCII local part, no SMTPUTF8" '{}' 'jörg@postern.test'
check "EHLO, and no MAIL or RCPT" test "$(ft_cmds 1 | head -n 1)" = "EHLO client.postern.test" -a "$(ft_cmds 1 | grep -cv -e '^EHLO' -e '^RSET' -e '^QUIT')" = 0
ft_case 0 '' delivered "a non-ASCII local part with SMTPUTF8" \
	'{"caps": ["PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"]}' 'jörg@postern.test'
check "MAIL has SMTPUTF8, RCPT the UTF-8 address" \
	test "$(ft_cmds 1 | sed -n 's/^MAIL FROM:<alice@postern.test> SMTPUTF8\( .*\)\{0,1\}$/M/p; s/^RCPT TO:<jörg@postern.test>$/R/p' | tr -d '\n')" = MR

ft_case 0 '' delivered "-N without DSN offered" '{}' -N success,failure -R hdrs bob@postern.test
check "no NOTIFY and no RET without DSN" lacks 'NOTIFY=|RET=' <(ft_cmds 1)
ft_case 0 '' delivered "-N with DSN offered" '{"caps": ["PIPELINING", "8BITMIME", "DSN", "ENHANCEDSTATUSCODES"]}' \
	-N success,failure -R hdrs bob@postern.test
check "NOTIFY on RCPT and RET on MAIL with DSN" \
	test "$(ft_cmds 1 | grep -Ec '^(RCPT TO:<bob@postern.test> NOTIFY=success,failure|MAIL FROM:<alice@postern.test> RET=hdrs)$')" = 2

# ---------------------------------------------------------------- deadlines

# A reply that trickles in, one byte a second, for longer than the server
# lives (40 s): each wait for a reply ends within timeout however its bytes
# come (postern.conf(5), "timeout").  Before, the timeout started again with
# every byte, and postern waited as long as the server kept sending.
FT_TIMEOUT=3
ft_trickle="220 smtp.postern.test ESMTP $(head -c 120 /dev/zero | tr '\0' 'g')"
ft_case 75 'timed out after 3 s while waiting for the greeting$' none \
	"a greeting trickled one byte a second" "{\"greeting\": {\"trickle\": 1, \"reply\": \"$ft_trickle\"}}"
check "the trickled greeting is given up within timeout ($FT_TIME s < 15 s)" test "$FT_TIME" -lt 15
ft_case 75 'timed out after 3 s while sending EHLO$' none "a multi-line EHLO reply trickled one byte a second" \
	'{"ehlo": {"trickle": 1, "reply": ["250-smtp.postern.test", "250-PIPELINING", "250-SIZE 10000000", "250-8BITMIME", "250-ENHANCEDSTATUSCODES", "250-DSN", "250 SMTPUTF8"]}}'
check "the trickled EHLO reply is given up within timeout ($FT_TIME s < 15 s)" test "$FT_TIME" -lt 15
ft_case 75 'timed out after 3 s while sending the envelope$' none "a pipelined RCPT's reply trickled one byte a second" \
	"{\"rcpt:2\": {\"trickle\": 1, \"reply\": \"250 2.1.5 Ok $(head -c 100 /dev/zero | tr '\0' 'r')\"}}" \
	bob@postern.test carol@postern.test
check "the trickled RCPT reply is given up within timeout ($FT_TIME s < 15 s)" test "$FT_TIME" -lt 15
ft_case 75 'timed out after 3 s after the end of data \(the message may have been delivered\)$' received \
	"the reply to the end of data trickled one byte a second" \
	"{\"dot\": {\"trickle\": 1, \"reply\": \"250 2.0.0 Ok: queued as $(head -c 100 /dev/zero | tr '\0' 'q')\"}}"
check "the trickled end-of-data reply is given up within timeout ($FT_TIME s < 15 s)" test "$FT_TIME" -lt 15
FT_TIMEOUT=5

# A server that reads the body slowly, never pausing for timeout: the body
# must go out within timeout + one second per 8 KiB.  Run in a network
# namespace of its own whose TCP send buffers are capped at 8 KiB, so that
# postern's writes wait for the server's reads within a few KiB (on the
# host's loopback, megabytes vanish into the buffers); the server reads what
# has arrived every 2 s, about 2 KiB/s, so that each of postern's waits ends
# well within its timeout of 3 s.  Before, postern went on as long as the
# server kept reading.
ft_slow="$FT/slow-body"
mkdir -p "$ft_slow"
{
	printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: slow\n\n'
	head -c 100000 /dev/zero | tr '\0' 's' | fold -w 76
	echo
} >"$ft_slow/input"
printf '%s\n' '{"rcvbuf": 4096, "body": {"trickle": 2, "trickle_bytes": 65536}}' >"$ft_slow/scenario"
printf 'account default\nhost 127.0.0.1\nport @PORT@\nfrom alice@postern.test\ntls off\nauth off\ntimeout 3\n' >"$ft_slow/rc.in"
cat >"$ft_slow/ns.sh" <<'EOF'
# ns.sh DIR - inside the namespace: loopback, small send buffers, the server, postern
d=$1
ip link set lo up && sysctl -q -w net.ipv4.tcp_wmem="4096 8192 8192" || exit 97
python3 -S "$FT_PY" --port-file "$d/port" --log "$d/log" --summary-file "$d/summary" --max-seconds 90 \
	"$d/scenario" >"$d/server.out" 2>"$d/server.err" &
srv=$!
for i in $(seq 1000); do
	[ -s "$d/port" ] && break
	kill -0 "$srv" 2>/dev/null || break
	sleep 0.01
done
[ -s "$d/port" ] || exit 98
sed "s/@PORT@/$(cat "$d/port")/" "$d/rc.in" >"$d/rc"
chmod 600 "$d/rc"
start=$(date +%s)
timeout 90 "$POSTERN" -C "$d/rc" bob@postern.test <"$d/input" >"$d/out" 2>"$d/err"
echo $? >"$d/exit"
echo $(($(date +%s) - start)) >"$d/time"
kill "$srv"
wait "$srv"
exit 0
EOF
ft_slow_size=$(($(wc -c <"$ft_slow/input") + $(wc -l <"$ft_slow/input")))
ft_slow_bound=$((3 + (ft_slow_size + 8191) / 8192))
set +e
if unshare -n true 2>/dev/null; then
	FT_PY=$FT_PY POSTERN=$POSTERN timeout 150 unshare -n bash "$ft_slow/ns.sh" "$ft_slow" >"$ft_slow/ns.out" 2>&1
	ft_slow_ns=$?
else
	echo "unshare -n is not allowed here" >"$ft_slow/ns.out"
	ft_slow_ns=97
fi
set -e
if [ "$ft_slow_ns" = 0 ]; then
	RC=$(cat "$ft_slow/exit")
	ERR=$(cat "$ft_slow/err")
	ft_slow_time=$(cat "$ft_slow/time")
	expect_rc 75 "a server that reads the body at about 2 KiB/s"
	expect_err 'timed out after [0-9]+ s while sending the message body$' "... times out while sending the body"
	check "... within the body's bound, timeout + size / 8 KiB/s = $ft_slow_bound s (took $ft_slow_time s)" \
		test "$ft_slow_time" -le $((ft_slow_bound + 5))
	check "... and the server never had the whole message" grep -q '^connection 1 .* complete=no ' "$ft_slow/summary"
	check "... and the server ran without an error" test ! -s "$ft_slow/server.err"
elif [ "$ft_slow_ns" != 97 ] || [ "${CI:-}" = true ]; then
	not_ok "the slow body in a network namespace of its own (exit $ft_slow_ns)" "$(cat "$ft_slow/ns.out")"
else
	for i in 1 2 3 4 5; do ok "# SKIP no network namespace for the slow body: $(head -n 1 "$ft_slow/ns.out")"; done
fi

# ---------------------------------------------------------------- retry

FT_EXTRA="retry 2
retry_delay 1
retry_max_time 20"
ft_case 0 '' delivered "retry 2: 421 at the first greeting, the second connection works" \
	'{"connections": {"1": {"greeting": "421 4.3.2 Busy, try again"}}}' -v bob@postern.test
check "two connections, one message" test "$(ft_stat connections)/$(ft_stat complete)" = 2/1
check "-v announces the one retry, after 0.5 to 1.5 s (retry_delay 1)" \
	test "$(grep -Ec 'refused the connection: 421 4\.3\.2 Busy, try again; trying again in (0\.[5-9]|1\.[0-5]) s \(retry 1 of 2\)$' "$WORK/err")" = 1
FT_EXTRA="retry 2
retry_delay 0
retry_max_time 20"
ft_case 0 '' delivered "retry 2: 454 Throttling to RCPT, then OK" \
	'{"connections": {"1": {"rcpt": "454 4.7.0 Throttling failure: Maximum sending rate exceeded."}}}'
check "two connections, one message" test "$(ft_stat connections)/$(ft_stat complete)" = 2/1
ft_case 67 'recipients refused, nothing was sent: bob@postern.test \(550 5\.1\.1 no\)' none \
	"retry 2: a 5xx is not retried" '{"rcpt": "550 5.1.1 no"}'
check "a 5xx: one connection only" test "$(ft_stat connections)" = 1
ft_case 75 'connection closed by the server after the end of data \(the message may have been delivered\)$' received \
	"retry 2: a hang-up after the dot is not retried" '{"dot": {"drop": "close"}}'
check "after the dot: one connection only" test "$(ft_stat connections)" = 1
ft_case 75 'the server refused the connection: 421 4\.3\.2 Busy, try again$' none \
	"retry 2: the server stays busy" '{"greeting": "421 4.3.2 Busy, try again"}'
check "retry 2 against a busy server: three connections" test "$(ft_stat connections)" = 3
FT_EXTRA=
ft_case 75 'the server refused the connection: 421 4\.3\.2 Busy, try again$' none \
	"without retry: 421 at the first greeting" '{"connections": {"1": {"greeting": "421 4.3.2 Busy, try again"}}}'
check "without retry: one connection only" test "$(ft_stat connections)" = 1

# ---------------------------------------------------------------- round trips

# 1000 recipients to a server that answers as RFC 2920 servers do: the
# replies go out together once the client has sent all it had.  A client
# that pipelines MAIL, every RCPT and DATA waits 5 times: greeting, EHLO,
# envelope, end of data, QUIT (issue 7: no more round trips than that).
# postern writes RCPTs in batches of 100 (RCPT_BATCH in src/smtp.c) and
# reads each batch's replies before writing the next: 9 more round trips.
ft_rcpts=$(for i in $(seq 1 1000); do printf 'bob+%d@postern.test ' "$i"; done)
# shellcheck disable=SC2086
ft_case 0 '' delivered "1000 recipients to a PIPELINING server" '{"batch_replies": 1}' $ft_rcpts
check "1000 recipients: every RCPT reached the server" test "$(ft_cmds 1 | grep -c '^RCPT TO:')" = 1000
flushes=$(ft_stat flushes)
check "1000 recipients: no more round trips than pipelining all RCPTs at once ($flushes, at most 5)" test "$flushes" -le 5
ft_case 0 '' delivered "3 recipients to a PIPELINING server" '{"batch_replies": 1}' \
	bob@postern.test carol@postern.test dave@postern.test
flushes=$(ft_stat flushes)
check "3 recipients: 5 round trips ($flushes)" test "$flushes" = 5

# ---------------------------------------------------------------- LMTP

# protocol lmtp (RFC 2033): LHLO, and after the message one reply per
# recipient; a refusal there leaves the message with the others
FT_EXTRA="protocol lmtp
logfile $FT/lmtp.log"
ft_case 0 '' delivered "LMTP: three recipients, three 250s after the message" '{"lmtp": true}' \
	bob@postern.test carol@postern.test dave@postern.test
check "LMTP: the greeting is LHLO" test "$(ft_cmds 1 | head -n 1)" = "LHLO client.postern.test"
check "LMTP: the server gave three verdicts" grep -q 'verdicts=250,250,250$' "$FT_DIR/summary"
ft_case 67 'the message was delivered to 2 of 3 recipients; refused: carol@postern\.test \(550 5\.1\.1 <carol@postern\.test> no such user\)$' received \
	"LMTP: the second of three recipients refused 550 after the message" \
	'{"lmtp": true, "dot:2": "550 5.1.1 <carol@postern.test> no such user"}' \
	bob@postern.test carol@postern.test dave@postern.test
check "LMTP: the log line carries the refusal and the refused recipient" \
	has "smtpstatus=550 smtpmsg='550 5\\.1\\.1 <carol@postern\\.test> no such user' errormsg='127\\.0\\.0\\.1:$FT_PORT: the message was delivered to 2 of 3 recipients; refused: carol@postern\\.test .* exitcode=EX_NOUSER\$" "$FT/lmtp.log"
# a dead letter of a message that reached some recipients is for the
# others only: --resend does not give it twice to those that have it
FT_EXTRA="protocol lmtp
dead_letter $FT/lmtp-dead"
ft_run '{"lmtp": true, "dot:2": "550 5.1.1 no carol"}' bob@postern.test carol@postern.test dave@postern.test
expect_rc 67 "LMTP with dead_letter: carol refused after the message"
ft_lm_kept=$(find "$FT/lmtp-dead/new" -type f 2>/dev/null | head -n 1)
check "LMTP with dead_letter: the dead letter's envelope holds carol alone" \
	test "$(grep '^rcpt=' "$FT/lmtp-dead/postern/${ft_lm_kept##*/}" 2>/dev/null | tr '\n' ' ')" = "rcpt=carol@postern.test "
ft_serve '{"lmtp": true}'
run_postern /dev/null -C "$(ft_rc)" --resend "$ft_lm_kept"
ft_stop
expect_rc 0 "LMTP: --resend of that dead letter"
check "LMTP: --resend gives the message to carol alone" test "$(ft_cmds 1 | grep '^RCPT' | tr '\n' ' ')" = "RCPT TO:<carol@postern.test> "
FT_EXTRA="protocol lmtp
logfile $FT/lmtp.log"
ft_case 75 'the message was delivered to 2 of 3 recipients; refused: dave@postern\.test \(452 4\.2\.2 <dave@postern\.test> mailbox full\)$' received \
	"LMTP: the last recipient refused 452 (temporary)" \
	'{"lmtp": true, "dot:dave@postern.test": "452 4.2.2 <dave@postern.test> mailbox full"}' \
	bob@postern.test carol@postern.test dave@postern.test
ft_case 77 'the message was delivered to 1 of 3 recipients; refused: bob@postern\.test \(451 4\.3\.0 later\), dave@postern\.test \(550 5\.7\.1 denied\)$' received \
	"LMTP: 451 then 550: the permanent refusal decides, both are named" \
	'{"lmtp": true, "dot:1": "451 4.3.0 later", "dot:3": "550 5.7.1 denied"}' \
	bob@postern.test carol@postern.test dave@postern.test
ft_case 75 'connection closed by the server after the end of data \(the message may have been delivered\) \(1 of 3 recipients had accepted it\)$' received \
	"LMTP: the server hangs up after one verdict of three" \
	'{"lmtp": true, "dot:2": {"drop": "close"}}' bob@postern.test carol@postern.test dave@postern.test
FT_EXTRA="protocol lmtp
retry 2
retry_delay 1"
ft_case 75 'the message was delivered to 1 of 2 recipients; refused: carol@postern\.test \(451 4\.2\.0 busy\)$' received \
	"LMTP with retry 2: a 451 after the message is not retried (bob has it already)" \
	'{"lmtp": true, "dot:2": "451 4.2.0 busy"}' bob@postern.test carol@postern.test
check "LMTP with retry 2: one connection, bob does not get the message twice" test "$(ft_stat connections)" = 1
FT_EXTRA="protocol lmtp"
FT_MODE=tls
ft_case 0 '' delivered "LMTP with STARTTLS and AUTH PLAIN" '{"lmtp": true}'
check "LMTP with STARTTLS: LHLO again inside TLS, then AUTH" \
	test "$(ft_cmds 1 | sed -n '2p;3p;4s/ .*//p' | tr '\n' ' ')" = "STARTTLS LHLO client.postern.test AUTH "
FT_MODE=plain
# -bs relaying over LMTP: one verdict for the message, by the same rule
printf 'EHLO client\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nRCPT TO:<carol@postern.test>\r\nDATA\r\nSubject: bs\r\n\r\nhi\r\n.\r\nQUIT\r\n' >"$FT/bs-lmtp.in"
ft_serve '{"lmtp": true, "dot:2": "550 5.1.1 <carol@postern.test> no such user"}'
run_postern "$FT/bs-lmtp.in" -C "$(ft_rc)" -bs
ft_stop
check "-bs over LMTP, carol refused after the message: the client is told 550 5.1.1 with the server's reply" \
	grep -q '^550 5\.1\.1 127\.0\.0\.1 said: 5\.1\.1 <carol@postern\.test> no such user' "$WORK/out"
check "-bs over LMTP: the server had the message for bob (verdicts 250,550)" grep -q 'verdicts=250,550$' "$FT_DIR/summary"
FT_EXTRA=
ft_case 69 'HELO refused: 500 5\.5\.1 LMTP: send LHLO$' none "protocol smtp (the default) against an LMTP server" \
	'{"lmtp": true}'
# Debian's msmtp on the same file and server: the same outcome where the
# message reached everyone; on a refusal after the message msmtp exits 69
# whatever the reply, postern decides as for refused recipients (README)
if command -v msmtp >/dev/null; then
	FT_EXTRA="protocol lmtp"
	for ft_lm in '0|{"lmtp": true}' '69|{"lmtp": true, "dot:2": "550 5.1.1 no carol"}' \
		'69|{"lmtp": true, "dot:2": "452 4.2.2 full"}'; do
		ft_serve "${ft_lm#*|}"
		set +e
		timeout 60 msmtp -C "$(ft_rc)" bob@postern.test carol@postern.test <"$FT_INPUT" >"$FT/msmtp.out" 2>"$FT/msmtp.err"
		ft_ms_rc=$?
		set -e
		ft_stop
		check "msmtp --protocol=lmtp exits ${ft_lm%%|*} on ${ft_lm#*|}" test "$ft_ms_rc" = "${ft_lm%%|*}"
		check "msmtp greets the same server with LHLO (${ft_lm#*|})" test "$(ft_cmds 1 | head -n 1)" = "LHLO client.postern.test"
	done
	FT_EXTRA=
else
	ok "# SKIP msmtp beside postern over LMTP: msmtp is not installed"
fi

# ---------------------------------------------------------------- ETRN (--rmqs)

ft_etrn='"caps": ["PIPELINING", "ETRN", "ENHANCEDSTATUSCODES"]'
ft_case 0 '' none "--rmqs=@postern.test: ETRN answered 250" "{$ft_etrn}" --rmqs=@postern.test
check "--rmqs: ETRN @postern.test, then QUIT" test "$(ft_cmds 1 | sed -n '2,$p' | tr '\n' ' ')" = "ETRN @postern.test QUIT "
check "--rmqs: nothing on stdout or stderr when the server agrees" test -z "$OUT$ERR"
ft_case 0 '' none "--rmqs #queue (two words): ETRN answered 253" "{$ft_etrn, \"etrn\": \"253 OK, 3 pending messages started\"}" --rmqs '#q1'
ft_case 75 'ETRN refused: 459 4\.3\.0 <postern\.test>: service unavailable$' none "--rmqs: ETRN answered 459" \
	"{$ft_etrn, \"etrn\": \"459 4.3.0 <postern.test>: service unavailable\"}" --rmqs=postern.test
ft_case 75 'ETRN refused: 458 Unable to queue messages$' none "--rmqs: ETRN answered 458" \
	"{$ft_etrn, \"etrn\": \"458 Unable to queue messages\"}" --rmqs=postern.test
ft_case 69 'ETRN is not supported for this argument: 501 5\.5\.4 Syntax: ETRN domain$' none "--rmqs: ETRN answered 501" \
	"{$ft_etrn, \"etrn\": \"501 5.5.4 Syntax: ETRN domain\"}" --rmqs=#x
ft_case 69 'the server does not offer ETRN \(remote message queue starting\)$' none "--rmqs: ETRN not offered" \
	'{}' --rmqs=postern.test
check "--rmqs: ETRN is not sent when not offered" test -z "$(ft_cmds 1 | grep '^ETRN' || true)"
FT_MODE=tls
ft_case 0 '' none "--rmqs over STARTTLS with AUTH" "{\"caps_tls\": [\"ETRN\", \"AUTH PLAIN\"]}" --rmqs=@postern.test
check "--rmqs with TLS: AUTH before ETRN" test "$(ft_cmds 1 | sed -n '4s/ .*//p;5p' | tr '\n' ' ')" = "AUTH ETRN @postern.test "
FT_MODE=plain
run_postern /dev/null -C "$(ft_rc)" --rmqs=@postern.test bob@postern.test
expect_rc 64 "--rmqs with a recipient is a usage error"
run_postern /dev/null -C "$(ft_rc)" --rmqs "a b"
expect_rc 64 "--rmqs takes one word"
if command -v msmtp >/dev/null; then
	ft_serve "{$ft_etrn}"
	set +e
	timeout 60 msmtp -C "$(ft_rc)" --rmqs=@postern.test </dev/null >"$FT/msmtp.out" 2>"$FT/msmtp.err"
	ft_ms_rc=$?
	set -e
	ft_stop
	check "msmtp --rmqs on the same file: exit 0, silent, the same ETRN" \
		test "$ft_ms_rc/$(cat "$FT/msmtp.out" "$FT/msmtp.err")/$(ft_cmds 1 | sed -n 2p)" = "0//ETRN @postern.test"
fi

# ---------------------------------------------------------------- dead letters

# each failure keeps exactly the input, byte for byte, in DIR/new
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: kept\n\nline one\r\n.\nbinary \xff\xfe tail' >"$FT/dl.msg"
FT_INPUT="$FT/dl.msg"
ft_dl_i=0
while IFS='|' read -r FT_MODE ft_dl_rc ft_dl_scen; do
	ft_dl_i=$((ft_dl_i + 1))
	ft_dl="$FT/dead$ft_dl_i"
	FT_EXTRA="dead_letter $ft_dl"
	ft_run "$ft_dl_scen" bob@postern.test
	expect_rc "$ft_dl_rc" "dead letter after $ft_dl_scen"
	expect_err "; the message was kept in $ft_dl/new/[^ ]+\$" "the error line says where the message was kept ($ft_dl_scen)"
	ft_kept=$(find "$ft_dl/new" -type f 2>/dev/null || true)
	check "one dead letter, the input byte for byte ($ft_dl_scen)" \
		test "$(printf '%s' "$ft_kept" | grep -c .)" = 1 -a -n "$ft_kept" -a "$(cmp -s "$ft_kept" "$FT_INPUT" && echo same)" = same
done <<'EOF'
plain|75|{"greeting": "421 4.3.2 Service shutting down"}
plain|75|{"greeting": {"drop": "rst"}}
plain|76|{"ehlo": ["250-a", "251 b"]}
tls|75|{"tls": {"drop": "close"}}
tls|77|{"auth": "535 5.7.8 Error: authentication failed"}
plain|75|{"mail": "451 4.3.0 Try again later"}
plain|67|{"rcpt": "550 5.1.1 <bob@postern.test>: User unknown"}
plain|75|{"data": "451 4.3.0 Error: queue file write error"}
plain|69|{"dot": "554 5.6.0 rejected"}
plain|75|{"dot": {"drop": "close"}}
EOF
FT_MODE=plain
FT_EXTRA=
FT_INPUT="$FT/msg"
ft_discard
