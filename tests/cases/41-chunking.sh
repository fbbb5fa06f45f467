# 41-chunking.sh - BDAT (RFC 3030 CHUNKING) and BINARYMIME: the real
# Postfix smarthost offers CHUNKING (3.7's default), so a send to one
# recipient goes in a BDAT chunk behind the envelope (chunking auto), and
# with chunking on a large one in chunks, byte-exact and not dot-stuffed; a scripted server
# (tests/faultsmtp.py) refuses a middle chunk, refuses the LAST one,
# offers BINARYMIME, and shows that "chunking off" sends DATA.

CK="$WORK/chunking"
mkdir -p "$CK"

# lines that begin with a dot, a lone dot, two dots: under BDAT none is
# stuffed, so a server that un-stuffed would change them
printf 'From: alice@postern.test\nTo: bob@postern.test\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <dots@postern.test>\nSubject: chunks\n\n.\n..\n.leading dot\nmiddle\n.\n' >"$CK/dots"
# 10 MB: ten chunks and more
{
	printf 'From: alice@postern.test\nTo: bob@postern.test\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <big@postern.test>\nSubject: ten megabytes\n\n'
	head -c 7600000 /dev/urandom | base64 -w 76
	printf '.\n'
} >"$CK/big"

RC_CK=$(config chunking)

fresh
run_postern "$CK/dots" -C "$RC_CK" -i -v bob@postern.test
expect_rc 0 "CHUNKING offered: delivered"
expect_err '^--> BDAT [0-9]+ LAST$' "-v: the message went in one BDAT LAST chunk"
if printf '%s\n' "$ERR" | grep -q '^--> DATA$'; then not_ok "no DATA command with BDAT" "$ERR"; else ok "no DATA command with BDAT"; fi
check "BDAT: the message arrives byte-exact, dot lines not stuffed" same_as_sent "$(wait_mail bob)" "$CK/dots"

# one recipient: the chunk goes behind the envelope, without waiting; a
# refused recipient still sends nothing anywhere
check "-v: one recipient, the chunk went before the envelope's replies" \
	awk '/^--> BDAT [0-9]+ LAST$/ { b = NR } /^<-- 250 2\.1\.5/ { r = NR } END { exit !(b && r && b < r) }' "$WORK/err"
fresh
run_postern "$CK/dots" -C "$RC_CK" -i nobody@example.org
expect_rc 77 "the one recipient refused (relay denied) with the chunk behind it: its refusal decides"
expect_err "recipients refused, nothing was sent: nobody@example.org" "... named as refused"
run_postern "$CK/dots" -C "$RC_CK" -i bob@postern.test nobody@example.org
expect_rc 77 "two recipients, one refused: 77"
check "... and nothing reached the other one (no chunk was sent)" no_mail bob

fresh
run_postern "$CK/big" -C "$RC_CK" -i -v --chunking=on bob@postern.test
expect_rc 0 "a 10 MB message through BDAT (--chunking=on): delivered"
check "10 MB: several 1 MiB chunks, then the LAST" \
	test "$(printf '%s\n' "$ERR" | grep -c '^--> BDAT 1048576$')" -ge 9 -a "$(printf '%s\n' "$ERR" | grep -c '^--> BDAT [0-9]* LAST$')" = 1
check "10 MB through BDAT arrives byte-exact" same_as_sent "$(wait_mail bob)" "$CK/big"

# chunking auto (the default): BDAT only where it saves a round trip; a
# message of more than one chunk goes with DATA, measured faster
fresh
run_postern "$CK/big" -C "$RC_CK" -i -v bob@postern.test
expect_rc 0 "a 10 MB message, chunking auto: delivered"
expect_err '^--> DATA$' "... with DATA"

fresh
run_postern "$CK/dots" -C "$RC_CK" -i -v --chunking=off bob@postern.test
expect_rc 0 "--chunking=off: delivered"
expect_err '^--> DATA$' "--chunking=off: DATA although CHUNKING is offered"
check "DATA: the message arrives byte-exact" same_as_sent "$(wait_mail bob)" "$CK/dots"

# ---- the scripted server ----

# ck_serve SCENARIO - a plain server on a fresh port; sets CK_PID, CK_PORT
ck_serve() {
	rm -f "$CK/port" "$CK/log" "$CK/summary"
	python3 -S "$top_srcdir/tests/faultsmtp.py" --port-file "$CK/port" --log "$CK/log" --max-seconds 120 \
		--summary-file "$CK/summary" "$1" >"$CK/server.out" 2>"$CK/server.err" &
	CK_PID=$!
	wait_until "$WAIT_S" test -s "$CK/port" || true
	CK_PORT=$(cat "$CK/port" 2>/dev/null || echo 9)
}

# ck_stop - end the server, bounded
ck_stop() {
	kill -TERM "$CK_PID" 2>/dev/null || true
	wait "$CK_PID" 2>/dev/null || true
}

# ck_rc LINES - an account on the running server (no TLS, no AUTH)
ck_rc() {
	printf 'account default\nhost 127.0.0.1\nport %s\ntls off\ntimeout 30\nfrom alice@postern.test\n%s\n' \
		"$CK_PORT" "$1" >"$CK/rc"
	chmod 600 "$CK/rc"
	echo "$CK/rc"
}

# ck_connections - how many connections the server logged
ck_connections() {
	grep -c '^connection ' "$CK/summary" 2>/dev/null || echo 0
}

CK_CAPS='"caps": ["PIPELINING", "8BITMIME", "CHUNKING", "ENHANCEDSTATUSCODES"]'

# a refused chunk before the LAST: the transaction is over (the server
# discarded it), nothing more is sent, and it is retried as a refused DATA
ck_serve "{$CK_CAPS, \"connections\": {\"1\": {\"bdat:1\": \"452 4.3.1 Insufficient system storage\"}}}"
run_postern "$CK/big" -C "$(ck_rc 'retry 1
retry_delay 0
chunking on')" -i bob@postern.test
ck_stop
expect_rc 0 "a refused middle chunk (452) is retried like a refused DATA: delivered on the second connection"
check "... two connections" test "$(ck_connections)" = 2
check "... the first sent no LAST chunk after the refusal" \
	sh -c "! grep -q '^command 1 .*BDAT [0-9]* LAST' '$CK/summary'"
check "... the second received the whole message" grep -q '^connection 2 .*complete=yes accepted=yes' "$CK/summary"

ck_serve "{$CK_CAPS, \"bdat:1\": \"554 5.3.4 Message too big for system\"}"
run_postern "$CK/big" -C "$(ck_rc 'chunking on')" -i bob@postern.test
ck_stop
expect_rc 69 "a middle chunk refused with 554: 69"
expect_err "refused while it was being sent: 554 5.3.4 Message too big" "... saying the server refused it while it was sent"
expect_one_line "... in one line"

# a server that refuses a chunk at its command line and hangs up before
# reading it: its refusal is the outcome, not the failed write
ck_serve "{$CK_CAPS, \"bdat_early\": {\"reply\": \"552 5.3.4 Message size exceeds fixed limit\", \"drop\": \"close\"}}"
run_postern "$CK/big" -C "$(ck_rc 'chunking on')" -i bob@postern.test
ck_stop
expect_err "refused while it was being sent: 552 5.3.4 Message size exceeds fixed limit" \
	"a chunk refused early, then the connection closed: the refusal is told, not the lost connection"
expect_rc 69 "... and decides the exit status"

# the LAST chunk's reply is the verdict: its code decides, never retried
ck_serve "{$CK_CAPS, \"dot\": \"451 4.3.0 Temporary failure, try again\"}"
run_postern "$CK/dots" -C "$(ck_rc 'retry 2
retry_delay 0')" -i bob@postern.test
ck_stop
expect_rc 75 "a refused LAST chunk (451): 75"
expect_err "the message was refused: 451 4.3.0" "... the reply to the LAST chunk is told"
check "... not retried: the server may have the message" test "$(ck_connections)" = 1
check "... the refused reply answered BDAT LAST" grep -q '^command 1 .* BDAT [0-9]* LAST$' "$CK/summary"

ck_serve "{$CK_CAPS, \"dot\": \"550 5.7.1 Message content rejected\"}"
run_postern "$CK/dots" -C "$(ck_rc '')" -i bob@postern.test
ck_stop
expect_rc 77 "a LAST chunk refused with 550 5.7.1: 77"

# BINARYMIME: a binary message goes with BODY=BINARYMIME in BDAT, also
# with chunking off; to a server without BINARYMIME it is refused (65)
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: binary\nMIME-Version: 1.0\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: binary\n\nbytes \001\002\377 and\nmore\n' >"$CK/binary"
ck_serve '{"caps": ["PIPELINING", "8BITMIME", "BINARYMIME", "CHUNKING"]}'
run_postern "$CK/binary" -C "$(ck_rc 'chunking off')" -i bob@postern.test
ck_stop
expect_rc 0 "a binary message to a server with BINARYMIME and CHUNKING: delivered"
check "... MAIL FROM with BODY=BINARYMIME" grep -q '^command 1 .* MAIL FROM:<alice@postern.test> BODY=BINARYMIME$' "$CK/summary"
check "... in BDAT although chunking is off" grep -q '^command 1 .* BDAT [0-9]* LAST$' "$CK/summary"

ck_serve '{"caps": ["PIPELINING", "8BITMIME", "CHUNKING"]}'
run_postern "$CK/binary" -C "$(ck_rc "dead_letter $CK/dead")" -i bob@postern.test
ck_stop
expect_rc 65 "a binary message to a server without BINARYMIME: 65"
expect_err "part in binary .* does not offer BINARYMIME.*kept in $CK/dead/new/" "... saying why, and where it was kept"
check "... nothing of it was sent (no MAIL)" sh -c "! grep -q ' MAIL FROM' '$CK/summary'"
check "... kept in dead_letter byte for byte" cmp -s "$(grep -l 'Subject: binary' "$CK"/dead/new/* 2>/dev/null | head -n 1)" "$CK/binary"

# chunking off: DATA although the server offers CHUNKING
ck_serve "{$CK_CAPS}"
run_postern "$CK/dots" -C "$(ck_rc 'chunking off')" -i bob@postern.test
ck_stop
expect_rc 0 "chunking off: delivered"
check "chunking off: DATA, no BDAT" sh -c "grep -q '^command 1 .* DATA$' '$CK/summary' && ! grep -q ' BDAT ' '$CK/summary'"
