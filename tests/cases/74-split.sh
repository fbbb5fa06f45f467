# 74-split.sh - a server that takes only so many recipients per transaction
# (452 4.5.3, RFC 5321 4.5.3.1.10): the real Postfix with
# smtpd_recipient_limit = 100 on a listener of its own gets one message for
# 1,000 recipients (and 1,200, beyond Postfix's overshoot limit), each
# recipient once, on one connection; then tests/faultsmtp.py's rcpt_limit
# for what follows a later transaction's failure: a retry goes only to the
# recipients without the message, a dead letter keeps only those, and -bv
# gives each recipient one verdict.

SX="$WORK/split"
SX_N=0
SX_PID=
mkdir -p "$SX"
printf 'From: alice@postern.test\nSubject: many recipients\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <split@postern.test>\n\none message, many recipients\n' >"$SX/msg"

# sx_greets PORT - a server on PORT answers with a 220 greeting
sx_greets() {
	timeout 5 python3 -S -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=4)
sys.exit(0 if s.makefile("rb").readline().startswith(b"220 ") else 1)' "$1" 2>/dev/null
}

# sx_listener - one more smtpd of the running smarthost, as its submission
# port (STARTTLS, AUTH) but taking 100 recipients per transaction; added
# here with postconf -M and a reload, so tests/smarthost stays as it is.
# Sets SX_PORT (9 when it could not be added: every send then fails)
sx_listener() {
	local sub
	SX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	sub="-o smtpd_sasl_auth_enable=yes -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes"
	sub="$sub -o smtpd_relay_restrictions=\$postern_auth_relay_restrictions"
	postconf -c "$POSTFIX_CONFIG_DIR" -M "127.0.0.1:$SX_PORT/inet=127.0.0.1:$SX_PORT inet n - n - - smtpd -o syslog_name=postfix/limit100 -o smtpd_recipient_limit=100 $sub" &&
		postfix -c "$POSTFIX_CONFIG_DIR" reload >/dev/null 2>&1 &&
		wait_until "$WAIT_S" sx_greets "$SX_PORT" && return 0
	SX_PORT=9
	return 1
}
check "a Postfix listener taking 100 recipients per transaction" sx_listener

# sx_rcpts USER N - USER+1@postern.test ... USER+N@postern.test, one a line
# (recipient_delimiter "+": each is delivered to USER's Maildir with its own
# X-Original-To)
sx_rcpts() {
	seq 1 "$2" | sed "s/^/$1+/; s/\$/@postern.test/"
}

# sx_once USER N - USER's Maildir holds N messages, and their X-Original-To
# lines are USER+1 ... USER+N, each exactly once
sx_once() {
	local files
	files=$(wait_mail "$1" "$2" >/dev/null; find "$MAILDIR_BASE/$1/new" "$MAILDIR_BASE/$1/cur" -type f)
	[ "$(printf '%s\n' "$files" | grep -c .)" = "$2" ] || { echo "# $(printf '%s\n' "$files" | grep -c .) messages for $1, not $2"; return 1; }
	# shellcheck disable=SC2086  # one path a word (Maildir names have no blanks)
	cmp -s <(sed -n 's/^X-Original-To: //p' $files | sort) <(sx_rcpts "$1" "$2" | sort) ||
		{ echo "# the X-Original-To lines are not $1+1 ... $1+$2, each once"; return 1; }
}

# sx_pf_mark - the Postfix log's length now (what follows is the next run's)
sx_pf_mark() {
	SX_PF_MARK=$(wc -l <"$POSTFIX_LOG")
}

# sx_pf_since - the Postfix log lines of the limit100 listener since the mark
sx_pf_since() {
	tail -n +"$((SX_PF_MARK + 1))" "$POSTFIX_LOG" | grep 'postfix/limit100/smtpd\['
}

# sx_pf_session MAILS - since the mark, the limit100 listener had exactly one
# connection, and it carried MAILS transactions, each with its data
sx_pf_session() {
	wait_until "$WAIT_S" eval 'sx_pf_since | grep -q " disconnect from "' || { echo "# no disconnect logged"; return 1; }
	[ "$(sx_pf_since | grep -c ': connect from ')" = 1 ] &&
		sx_pf_since | grep ' disconnect from ' | grep -q " mail=$1 .* data=$1 "
}

# sx_big USER N DESC - one message to USER+1 ... USER+N on the command line
# through the limit100 listener, with -v and a logfile
sx_big() {
	local user=$1 n=$2 desc=$3 rc last
	rc=$(config "sx-$user" "account limit100 : sub
port $SX_PORT
logfile $SX/$user.log")
	fresh
	sx_pf_mark
	# shellcheck disable=SC2046  # one recipient a word
	run_postern "$SX/msg" -C "$rc" -a limit100 -v -i $(sx_rcpts "$user" "$n")
	if [ "$RC" = 0 ]; then ok "$desc (exit 0)"; else not_ok "$desc (exit 0)" "got exit $RC" "$(tail -n 3 "$WORK/err")"; fi
	check "$desc: -v shows one connection" test "$(grep -c '^--- connected to ' "$WORK/err")" = 1
	check "$desc: -v shows $((n / 100)) transactions on it, each accepted" \
		test "$(grep -c '^<-- 250 2\.0\.0 Ok: queued as ' "$WORK/err")" = $((n / 100))
	check "$desc: Postfix saw one connection with $((n / 100)) transactions" sx_pf_session $((n / 100))
	check "$desc: each of the $n recipients got the message exactly once" sx_once "$user" "$n"
	last=$(sed -n 's/^<-- 250 2\.0\.0 Ok: queued as //p' "$WORK/err" | tail -n 1)
	check "$desc: the log line names all $n recipients" \
		test "$(sed -n 's/.* recipients=\([^ ]*\) .*/\1/p' "$SX/$user.log" | tr ',' '\n')" = "$(sx_rcpts "$user" "$n")"
	check "$desc: the log line has the last transaction's reply and EX_OK" \
		has "smtpstatus=250 smtpmsg='250 2\.0\.0 Ok: queued as ${last:-none}' exitcode=EX_OK\$" "$SX/$user.log"
}

sx_big erin 1000 "1,000 recipients, 100 per transaction (Postfix)"
# Postfix counts each 452 beyond smtpd_recipient_overshoot_limit (1000) of
# one transaction as an error and hangs up at the 20th (421 4.7.0 too many
# errors): a client that sends every recipient in every transaction never
# gets 1,120 or more through
sx_big frank 1200 "1,200 recipients, 100 per transaction (Postfix)"

# ---------------------------------------------------------------- faultsmtp

# sx_serve SCENARIO - a faultsmtp server; sets SX_DIR, SX_PID, SX_PORT
sx_serve() {
	SX_N=$((SX_N + 1))
	SX_DIR="$SX/$SX_N"
	mkdir -p "$SX_DIR"
	python3 -S "$top_srcdir/tests/faultsmtp.py" --port-file "$SX_DIR/port" --log "$SX_DIR/log" --max-seconds 120 \
		--summary-file "$SX_DIR/summary" "$1" >"$SX_DIR/server.out" 2>"$SX_DIR/server.err" &
	SX_PID=$!
	wait_until "$WAIT_S" test -s "$SX_DIR/port" || true
	SX_PORT=$(cat "$SX_DIR/port" 2>/dev/null || echo 9)
}

# sx_gone - the server has ended
sx_gone() {
	! kill -0 "$SX_PID" 2>/dev/null
}

# sx_stop - end the server, bounded (its connection in progress is logged)
sx_stop() {
	kill -TERM "$SX_PID" 2>/dev/null || true
	wait_until "$WAIT_S" sx_gone || kill -KILL "$SX_PID" 2>/dev/null || true
	wait "$SX_PID" 2>/dev/null || true
	[ ! -s "$SX_DIR/server.err" ] || echo "# faultsmtp: $(head -c 500 "$SX_DIR/server.err")"
}

# sx_rc EXTRA - an rc file for the running server (no TLS, no AUTH)
sx_rc() {
	printf 'account default\nhost 127.0.0.1\ntls off\nauth off\nport %s\nfrom alice@postern.test\ndomain client.postern.test\ntimeout 30\n%s\n' \
		"$SX_PORT" "$1" >"$SX_DIR/rc"
	chmod 600 "$SX_DIR/rc"
	echo "$SX_DIR/rc"
}

# sx_got - the recipients of every accepted transaction, sorted, one a line
# (a recipient twice is there twice)
sx_got() {
	sed -n 's/^transaction [0-9]* accepted=yes //p' "$SX_DIR/summary" | tr ',' '\n' | sort
}

# sx_conns - how many connections the server saw
sx_conns() {
	grep -c '^connection ' "$SX_DIR/summary" 2>/dev/null || true
}

SX_5="a@postern.test b@postern.test c@postern.test d@postern.test e@postern.test"

# (a) 452 4.5.3 beyond 2 recipients; the second transaction gets a 451 at
# RCPT, so nothing goes in it; retry 1: the next connection carries only c,
# d and e (in two transactions again)
sx_serve '{"rcpt_limit": 2, "connections": {"1": {"rcpt:d@postern.test": "451 4.3.0 try again later"}}}'
# shellcheck disable=SC2086
run_postern "$SX/msg" -C "$(sx_rc "retry 1
retry_delay 0
logfile $SX_DIR/postern.log")" -i $SX_5
sx_stop
expect_rc 0 "452 4.5.3, then 451 in the second transaction, retry 1"
check "... two connections" test "$(sx_conns)" = 2
check "... each recipient accepted exactly once over both" test "$(sx_got | tr '\n' ' ')" = "$SX_5 "
check "... the retry carries only c, d and e" \
	test "$(sed -n 's/^command 2 .* RCPT TO:<\([^>]*\)>.*/\1/p' "$SX_DIR/summary" | sort -u | tr '\n' ' ')" = "c@postern.test d@postern.test e@postern.test "
check "... the log line names all five recipients, EX_OK" \
	has " recipients=a@postern.test,b@postern.test,c@postern.test,d@postern.test,e@postern.test .*smtpstatus=250 .*exitcode=EX_OK\$" "$SX_DIR/postern.log"

# (a') the same, and the retry's connection refuses e (550), then c (550 in
# its first transaction): the failure counts those that have the message
# over both connections
sx_serve '{"rcpt_limit": 2, "connections": {"1": {"rcpt:d@postern.test": "451 4.3.0 try again later"}, "2": {"rcpt:e@postern.test": "550 5.1.1 no such user"}}}'
# shellcheck disable=SC2086
run_postern "$SX/msg" -C "$(sx_rc "retry 1
retry_delay 0")" -i $SX_5
sx_stop
expect_rc 67 "452 4.5.3, 451, retried, then e refused"
expect_err 'e@postern\.test \(550 5\.1\.1 .*\(the server took 4 of the 5 recipients in an earlier transaction' \
	"... stderr says that 4 of the 5 recipients have the message"
sx_serve '{"rcpt_limit": 2, "connections": {"1": {"rcpt:d@postern.test": "451 4.3.0 try again later"}, "2": {"rcpt:c@postern.test": "550 5.1.1 no such user"}}}'
# shellcheck disable=SC2086
run_postern "$SX/msg" -C "$(sx_rc "retry 1
retry_delay 0")" -i $SX_5
sx_stop
expect_rc 67 "452 4.5.3, 451, retried, then c refused in the retry's first transaction"
expect_err 'c@postern\.test \(550 5\.1\.1 .*\(the server took 2 of the 5 recipients in an earlier transaction' \
	"... stderr says that 2 of the 5 recipients have the message"

# (b) the second transaction refuses its recipient: 67, the others have the
# message; the dead letter keeps c alone, and --resend gives it to c alone
sx_serve '{"rcpt_limit": 2, "rcpt:c@postern.test": "550 5.1.1 <c@postern.test>: no such user"}'
run_postern "$SX/msg" -C "$(sx_rc "dead_letter $SX/dead")" -i a@postern.test b@postern.test c@postern.test
sx_stop
expect_rc 67 "452 4.5.3, then 550 in the second transaction"
expect_err 'c@postern\.test \(550 5\.1\.1 .*the server took 2 of the 3 recipients in an earlier transaction: they have the message' \
	"... stderr says that 2 of the 3 recipients have the message"
check "... only a and b were accepted" test "$(sx_got | tr '\n' ' ')" = "a@postern.test b@postern.test "
sx_kept=$(find "$SX/dead/new" -type f 2>/dev/null | head -n 1)
check "... the dead letter's envelope holds c alone" \
	test "$(grep '^rcpt=' "$SX/dead/postern/${sx_kept##*/}" 2>/dev/null | tr '\n' ' ')" = "rcpt=c@postern.test "
sx_serve '{}'
run_postern /dev/null -C "$(sx_rc "dead_letter $SX/dead")" --resend "$sx_kept"
sx_stop
expect_rc 0 "... postern --resend FILE"
check "... the resend goes to c alone" test "$(sx_got | tr '\n' ' ')" = "c@postern.test "

# (c) -bv: every recipient gets one verdict line, the deferred ones too (c
# and d in the second transaction, e refused in the third)
sx_serve '{"rcpt_limit": 2, "rcpt:e@postern.test": "550 5.1.1 <e@postern.test>: no such user"}'
# shellcheck disable=SC2086
run_postern /dev/null -C "$(sx_rc "")" -bv $SX_5
sx_stop
expect_rc 67 "-bv, 452 4.5.3 beyond 2 recipients, e unknown"
check "-bv: one line per recipient, in order" \
	test "$(cut -d: -f1 "$WORK/out" | tr '\n' ' ')" = "$SX_5 "
check "-bv: a to d deliverable, e refused (550)" \
	test "$(grep -c ': deliverable (250 ' "$WORK/out")/$(grep -c '^e@postern\.test: refused (550 ' "$WORK/out")" = 4/1
check "-bv: one connection" test "$(sx_conns)" = 1
