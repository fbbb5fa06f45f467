# 72-retry.sh - retry against a scripted server (tests/faultsmtp.py) that
# asks for it the way providers do: 421 at any step, Microsoft 365's
# 432 4.3.2 (too many connections), SES's 454 throttling; what is not
# retried (RFC 4954's 432 4.7.12, anything after the end of data unless
# retry_after_data, a partial LMTP outcome, a -bv verdict printed); and
# -bv.  For each: the exit code and how many connections the server saw.
# retry_delay 0 keeps the waits at nothing; one case waits retry_delay 1.

RT="$WORK/retry"
RT_N=0
RT_PID=
mkdir -p "$RT"
printf 'From: alice@postern.test\nTo: bob@postern.test\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <retry@postern.test>\nSubject: retry\n\nhello\n' >"$RT/msg"

# rt_serve SCENARIO [tls] - a server on a fresh port in a fresh directory;
# sets RT_DIR, RT_PID, RT_PORT.  tls: STARTTLS with the smarthost's
# certificate (its name is SMARTHOST_HOST)
rt_serve() {
	local tlsargs=()
	RT_N=$((RT_N + 1))
	RT_DIR="$RT/$RT_N"
	mkdir -p "$RT_DIR"
	[ "${2:-}" != tls ] || tlsargs=(--tls-cert "$SMARTHOST_DIR/tls/server.pem" --tls-key "$SMARTHOST_DIR/tls/server-key.pem")
	python3 -S "$top_srcdir/tests/faultsmtp.py" --port-file "$RT_DIR/port" --log "$RT_DIR/log" --max-seconds 120 \
		"${tlsargs[@]}" --summary-file "$RT_DIR/summary" "$1" >"$RT_DIR/server.out" 2>"$RT_DIR/server.err" &
	RT_PID=$!
	wait_until "$WAIT_S" test -s "$RT_DIR/port" || true
	RT_PORT=$(cat "$RT_DIR/port" 2>/dev/null || echo 9)
}

# rt_stop - end the server, bounded (the connection in progress is logged)
rt_stop() {
	kill -TERM "$RT_PID" 2>/dev/null || true
	wait_until "$WAIT_S" rt_gone || kill -KILL "$RT_PID" 2>/dev/null || true
	wait "$RT_PID" 2>/dev/null || true
}

# rt_gone - the server has ended
rt_gone() {
	! kill -0 "$RT_PID" 2>/dev/null
}

# rt_rc [tls] EXTRA - the rc file for the running server
rt_rc() {
	local mode=plain
	if [ "$1" = tls ]; then
		mode=tls
		shift
	fi
	{
		echo "account default"
		if [ "$mode" = tls ]; then
			printf 'host %s\ntls on\ntls_trust_file %s\nauth plain\nuser alice\npassword secret\n' \
				"$SMARTHOST_HOST" "$SMARTHOST_CA"
		else
			printf 'host 127.0.0.1\ntls off\nauth off\n'
		fi
		printf 'port %s\nfrom alice@postern.test\ndomain client.postern.test\ntimeout 30\n' "$RT_PORT"
		printf '%s\n' "$1"
	} >"$RT_DIR/rc"
	chmod 600 "$RT_DIR/rc"
	echo "$RT_DIR/rc"
}

# rt_count WHAT - connections, or complete/accepted messages, the server
# saw; "missing" without a summary, so that no count can match
rt_count() {
	[ -s "$RT_DIR/summary" ] || { echo missing; return 0; }
	awk -v what="$1" '$1 == "connection" { n++; if ($4 == "complete=yes") c++; if ($5 == "accepted=yes") a++ }
		END { print what == "connections" ? n + 0 : what == "complete" ? c + 0 : a + 0 }' "$RT_DIR/summary"
}

# rt_case RC CONNS ACCEPTED DESC [tls] EXTRA SCENARIO [ARGS...] - one run of
# postern against SCENARIO: its exit code, the server's connections and
# how many of them accepted a message
rt_case() {
	local rc=$1 conns=$2 acc=$3 desc=$4 mode=
	shift 4
	if [ "$1" = tls ]; then
		mode=tls
		shift
	fi
	local extra=$1 scen=$2
	shift 2
	[ $# -gt 0 ] || set -- bob@postern.test
	rt_serve "$scen" $mode
	run_postern "$RT/msg" -C "$(rt_rc $mode "$extra")" "$@"
	rt_stop
	expect_rc "$rc" "$desc"
	check "$desc: $conns connection(s), $acc accepted ($(rt_count connections), $(rt_count accepted))" \
		test "$(rt_count connections)/$(rt_count accepted)" = "$conns/$acc"
	check "$desc: the server ran without an error" test ! -s "$RT_DIR/server.err"
}

RT_R="retry 2
retry_delay 0"

# ---------------------------------------------------------------- retried

for rt_step in greeting ehlo mail rcpt data; do
	rt_case 0 2 1 "retry 2: 421 to $rt_step on the first connection, delivered on the second" "$RT_R" \
		"{\"connections\": {\"1\": {\"$rt_step\": \"421 4.3.2 Service not available, closing transmission channel\"}}}"
done
for rt_step in greeting ehlo mail; do
	rt_case 0 2 1 "retry 2: Microsoft 365's 432 4.3.2 to $rt_step, delivered on the second connection" "$RT_R" \
		"{\"connections\": {\"1\": {\"$rt_step\": \"432 4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for more information.\"}}}"
done
for rt_step in mail rcpt data; do
	rt_case 0 2 1 "retry 2: SES's 454 throttling to $rt_step, delivered on the second connection" "$RT_R" \
		"{\"connections\": {\"1\": {\"$rt_step\": \"454 4.7.0 Throttling failure: Maximum sending rate exceeded.\"}}}"
done
# with STARTTLS and AUTH PLAIN
for rt_step in starttls auth; do
	rt_case 0 2 1 "retry 2, STARTTLS and AUTH: 421 to $rt_step, delivered on the second connection" tls "$RT_R" \
		"{\"connections\": {\"1\": {\"$rt_step\": \"421 4.7.0 Try again later, closing connection\"}}}"
done
rt_case 0 2 1 "retry 2: Microsoft 365's 432 4.3.2 to AUTH is too many connections, not a password transition" \
	tls "$RT_R" '{"connections": {"1": {"auth": "432 4.3.2 Concurrent connections limit exceeded."}}}'
rt_case 0 2 1 "retry 2: SES's 454 4.7.0 to AUTH" tls "$RT_R" \
	'{"connections": {"1": {"auth": "454 4.7.0 Temporary authentication failure"}}}'
rt_case 75 3 0 "retry 2: 432 4.3.2 on every connection: three, then 75" "$RT_R" \
	'{"mail": "432 4.3.2 Concurrent connections limit exceeded."}'
expect_err '432 4\.3\.2 Concurrent connections limit exceeded\.$' "... the last refusal is the one line"

# -v: each retry with its reason and the wait (retry_delay 1: 0.5 to 1.5 s)
rt_case 0 2 1 "retry 2, retry_delay 1, -v: 421 at the first greeting" "retry 2
retry_delay 1" '{"connections": {"1": {"greeting": "421 4.3.2 Busy"}}}' -v bob@postern.test
check "-v: the retry, its reason and its wait" \
	grep -Eq '^--- 127\.0\.0\.1:[0-9]+: the server refused the connection: 421 4\.3\.2 Busy; trying again in (0\.[5-9]|1\.[0-5]) s \(retry 1 of 2\)$' "$WORK/err"

# ---------------------------------------------------------------- not retried

rt_case 75 1 0 "retry 2: RFC 4954's 432 4.7.12 (a password transition) is not retried" tls "$RT_R" \
	'{"auth": "432 4.7.12 A password transition is needed"}'
rt_case 75 1 0 "retry 2: a 451 to the end of data is not retried (the default)" "$RT_R" \
	'{"connections": {"1": {"dot": "451 4.3.0 Error: queue file write error"}}}' -v bob@postern.test
check "-v says why it is not retried" \
	grep -q '^--- not trying again: the end of data went out: the message may have been delivered$' "$WORK/err"

# ---------------------------------------------------------------- retry_after_data

rt_case 0 2 1 "retry_after_data on: a 451 to the end of data is retried" "$RT_R
retry_after_data on" '{"connections": {"1": {"dot": "451 4.3.0 Error: queue file write error"}}}'
rt_case 0 2 1 "--retry-after-data=on on the command line does the same" "$RT_R" \
	'{"connections": {"1": {"dot": "451 4.3.0 Error: queue file write error"}}}' --retry-after-data=on bob@postern.test
rt_case 75 3 0 "retry_after_data on: a 451 to every end of data: three tries, then 75" "$RT_R
retry_after_data on" '{"dot": "451 4.3.0 Error: queue file write error"}'
rt_case 75 1 0 "retry_after_data on: a connection lost after the end of data is never retried" "$RT_R
retry_after_data on" '{"connections": {"1": {"dot": {"drop": "close"}}}}'
rt_case 75 1 0 "retry_after_data off: a 451 to the end of data is not retried" "$RT_R
retry_after_data off" '{"connections": {"1": {"dot": "451 4.3.0 Error: queue file write error"}}}'

# LMTP: never again to a recipient that has the message
RT_L="protocol lmtp
$RT_R
retry_after_data on
dead_letter $RT/dead"
rt_case 75 1 0 "LMTP, retry_after_data on: bob accepted, carol 451: not retried" "$RT_L" \
	'{"lmtp": true, "dot:2": "451 4.2.0 busy"}' bob@postern.test carol@postern.test
rt_case 75 1 0 "LMTP, retry_after_data on: a 451, then the connection lost: not retried" "$RT_L" \
	'{"lmtp": true, "dot:1": "451 4.2.0 busy", "dot:2": {"drop": "close"}}' bob@postern.test carol@postern.test
rm -rf "$RT/dead"
rt_case 67 2 0 "LMTP, retry_after_data on: both 451, retried; then bob 550, carol 250" "$RT_L" \
	'{"lmtp": true, "connections": {"1": {"dot": "451 4.2.0 busy"}, "2": {"dot:1": "550 5.1.1 no bob"}}}' \
	bob@postern.test carol@postern.test
rt_kept=$(find "$RT/dead/new" -type f 2>/dev/null | head -n 1)
check "... the dead letter's envelope holds bob alone (the second try's verdicts)" \
	test "$(grep '^rcpt=' "$RT/dead/postern/${rt_kept##*/}" 2>/dev/null | tr '\n' ' ')" = "rcpt=bob@postern.test "

# ---------------------------------------------------------------- -bv

rt_case 0 2 0 "-bv, retry 2: 421 at the first greeting, verified on the second connection" "$RT_R" \
	'{"connections": {"1": {"greeting": "421 4.3.2 Busy"}}}' -bv bob@postern.test carol@postern.test
check "-bv after a retry: each verdict printed once" \
	test "$(grep -c ': deliverable (' "$WORK/out")" = 2
rt_case 75 1 0 "-bv, retry 2: a 450 verdict is printed and not retried" "$RT_R" \
	'{"rcpt:2": "450 4.2.0 mailbox busy"}' -bv bob@postern.test carol@postern.test
check "-bv: each verdict printed once" \
	test "$(grep -c '^bob@postern\.test: deliverable (' "$WORK/out")/$(grep -c '^carol@postern\.test: refused (450 ' "$WORK/out")" = 1/1
rt_case 75 1 0 "-bv, retry 2: the connection lost after the verdicts is not retried" "$RT_R" \
	'{"rset": {"drop": "close"}}' -bv bob@postern.test
check "-bv: the verdict printed once" test "$(grep -c '^bob@postern\.test: deliverable (' "$WORK/out")" = 1

# ---------------------------------------------------------------- Japanese

# the -v lines stay translated (po/ja.po)
mkdir -p "$RT/locale/ja/LC_MESSAGES"
if msgfmt -o "$RT/locale/ja/LC_MESSAGES/postern.mo" "$top_srcdir/po/ja.po"; then
	rt_serve '{"connections": {"1": {"greeting": "421 4.3.2 Busy"}, "2": {"dot": "451 4.3.0 later"}}}'
	rt_saved=$POSTERN
	POSTERN=$RT/ja-run
	printf '#!/bin/sh\nexec env -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 LANGUAGE=ja POSTERN_LOCALEDIR="%s" "%s" "$@"\n' \
		"$RT/locale" "$rt_saved" >"$RT/ja-run"
	chmod 755 "$RT/ja-run"
	run_postern "$RT/msg" -C "$(rt_rc "$RT_R")" -v bob@postern.test
	POSTERN=$rt_saved
	rt_stop
	expect_rc 75 "ja: a retry, then a 451 to the end of data"
	check "ja: the retry line in Japanese" grep -q '(2 回中 1 回目)$' "$WORK/err"
	check "ja: why it is not retried, in Japanese" grep -q '^--- 再試行しません: ' "$WORK/err"
else
	not_ok "ja: po/ja.po compiles"
fi

# ---------------------------------------------------------------- -bs

# -bs: a transaction begins with the client's MAIL FROM, which goes to the
# smarthost at once; that step (the connection, its greeting, EHLO, AUTH,
# MAIL) is retried as a send is, the client waiting for its answer
printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\nSubject: bs retry\r\n\r\nhello\r\n.\r\nQUIT\r\n' >"$RT/bs"
rt_bs_refusals() {
	printf '%s\n' "$OUT" | tr -d '\r' | grep -Ec '^[45][0-9][0-9] ' || true
}
for rt_step in greeting mail; do
	rt_serve "{\"connections\": {\"1\": {\"$rt_step\": \"421 4.3.2 Service not available\"}}}"
	run_postern "$RT/bs" -C "$(rt_rc "$RT_R")" -bs
	rt_stop
	check "-bs, retry 2: 421 to $rt_step on the first connection: no command refused, delivered on the second (refusals/connections/accepted)" \
		test "$(rt_bs_refusals)/$(rt_count connections)/$(rt_count accepted)" = "0/2/1"
done
rt_serve '{"connections": {"1": {"mail": "421 4.3.2 Service not available"}}}'
run_postern "$RT/bs" -C "$(rt_rc "")" -bs
rt_stop
check "-bs without retry: the 421 to MAIL is the answer to the client's MAIL (451 4.3.2), one connection" \
	test "$(printf '%s\n' "$OUT" | tr -d '\r' | grep -Ec '^451 4\.3\.2 ')/$(rt_count connections)" = "1/1"
