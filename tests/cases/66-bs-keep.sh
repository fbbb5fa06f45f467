# 66-bs-keep.sh - postern -bs keeps one smarthost connection per account
# for the whole session (RSET between messages, a new connection when the
# smarthost closed the kept one or refused more messages on it), and
# answers MAIL and each RCPT with the smarthost's own verdict.  Against
# the real Postfix (its log counts the sessions: "connect from", and the
# command counts of its "disconnect from" line), with Python's smtplib
# (tests/helpers/bs-client.py) and Symfony Mailer; the faults against
# tests/faultsmtp.py, whose log shows each connection's commands.

BK="$WORK/bk"
BK_CLIENT="$top_srcdir/tests/helpers/bs-client.py"
BK_PIDS=
mkdir -p "$BK"
BK_RC=$(config bk)

# bk_raw RC FILE [ARGS] - a -v session whose whole input is FILE (one
# write: everything pipelined); RC, OUT (CR removed), ERR (the transcript)
bk_raw() {
	local rc=$1 in=$2
	shift 2
	run_postern "$in" -v -C "$rc" -bs "$@"
	OUT=$(printf '%s' "$OUT" | tr -d '\r')
}

# bk_expect_codes WANT DESC - the code of every reply of the last session
# (a multi-line reply once), in order
bk_expect_codes() {
	local got
	got=$(printf '%s\n' "$OUT" | grep -E '^[0-9]{3}( |$)' | cut -c1-3 | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$1" ]; then ok "$2"; else not_ok "$2" "replies: $got" "want:    $1" "$OUT" "stderr: $ERR"; fi
}

# bk_out_has REGEX DESC - a reply line of the last session matches
bk_out_has() {
	if printf '%s\n' "$OUT" | grep -Eq -- "$1"; then ok "$2"; else not_ok "$2" "no reply matches: $1" "$OUT"; fi
}

# bk_connects FILE - how many connections a -v transcript opened
bk_connects() {
	grep -c '^--- connected to ' "$1" 2>/dev/null || true
}

# bk_pf_mark - remember where Postfix's log ends now
bk_pf_mark() {
	BK_MARK=$(wc -l <"$POSTFIX_LOG")
}

# bk_pf_since - the lines Postfix's log gained since bk_pf_mark
bk_pf_since() {
	tail -n +"$((BK_MARK + 1))" "$POSTFIX_LOG"
}

# bk_pf_ended N - N smtpd sessions at least have ended since the mark
# (postern does not wait for the reply to QUIT: Postfix logs later)
bk_pf_ended() {
	[ "$(bk_pf_since | grep -c 'smtpd\[[0-9]*\]: disconnect from ')" -ge "$1" ]
}

# bk_pf_check N COUNTS DESC - since the mark, Postfix had N smtpd
# connections, and the last ended with command counts matching COUNTS
# (an extended regex, e.g. "mail=5 rcpt=5")
bk_pf_check() {
	local n=$1 counts=$2 desc=$3 got
	wait_until "$WAIT_S" bk_pf_ended "$n" || true
	got=$(bk_pf_since | grep -c 'smtpd\[[0-9]*\]: connect from ' || true)
	if [ "$got" = "$n" ] && bk_pf_since | grep 'smtpd\[[0-9]*\]: disconnect from ' | tail -n 1 | grep -Eq -- "$counts"; then
		ok "$desc"
	else
		not_ok "$desc" "connections: $got (want $n)" "$(bk_pf_since | grep -E 'connect from|TLS connection')"
	fi
}

# bk_fault NAME SPEC - tests/faultsmtp.py playing SPEC, and $BK/NAME/rc for
# an account that uses it (no TLS, no AUTH) plus LINES in $3; BK_FT is its
# directory, BK_FT_PID its pid
bk_fault() {
	BK_FT="$BK/$1"
	mkdir -p "$BK_FT"
	python3 "$top_srcdir/tests/faultsmtp.py" --port-file "$BK_FT/port" --log "$BK_FT/log" --max-seconds 180 \
		"$2" >"$BK_FT/out" 2>&1 &
	BK_FT_PID=$!
	wait_until "$WAIT_S" test -s "$BK_FT/port" || true
	printf 'account default\nhost 127.0.0.1\nport %s\ntls off\nauth off\nfrom alice@postern.test\ntimeout 30\n%s\n' \
		"$(cat "$BK_FT/port" 2>/dev/null || echo 9)" "${3:-}" >"$BK_FT/rc"
	chmod 600 "$BK_FT/rc"
}

# bk_fault_end N - wait until the server has logged N connections (it
# logs one when it ends), then stop it; BK_SUM is its summary
bk_fault_end() {
	wait_until "$WAIT_S" bk_fault_logged "$1" || true
	kill "$BK_FT_PID" 2>/dev/null || true
	wait "$BK_FT_PID" 2>/dev/null || true
	BK_SUM=$(python3 "$top_srcdir/tests/faultsmtp.py" --summary "$BK_FT/log" 2>&1)
}

# bk_fault_logged N - the server's log holds N connections at least
bk_fault_logged() {
	[ "$(grep -c '"commands"' "$BK_FT/log" 2>/dev/null || true)" -ge "$1" ]
}

# bk_lines N - the command lines of connection N of BK_SUM, one a line
# (the message as "<message>", MAIL FROM without its parameters)
bk_lines() {
	printf '%s\n' "$BK_SUM" | awk -v n="$1" '$1 == "command" && $2 == n { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' |
		sed -e 's/^<message [0-9]* bytes>$/<message>/' -e 's/^\(MAIL FROM:<[^>]*>\).*/\1/'
}

# bk_conns - how many connections BK_SUM has
bk_conns() {
	printf '%s\n' "$BK_SUM" | grep -c '^connection ' || true
}

# bk_two FILE - a session of two messages (subjects "keep one", "keep
# two") from alice to bob, then QUIT
bk_two() {
	{
		printf 'EHLO app.postern.test\r\n'
		printf 'MAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\n'
		printf 'From: alice@postern.test\r\nSubject: keep one\r\n\r\none\r\n.\r\n'
		printf 'MAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\n'
		printf 'From: alice@postern.test\r\nSubject: keep two\r\n\r\ntwo\r\n.\r\n'
		printf 'QUIT\r\n'
	} >"$1"
}

###########################################################################
# five messages in one session: one connection, one TLS handshake, one
# AUTH, RSET between the messages

fresh
python3 - "$BK/spec5.json" <<'EOF'
import json, sys
to = ["bob", "carol", "dave", "erin", "frank"]
json.dump([{"from": "alice@postern.test", "to": ["%s@postern.test" % u],
            "data": "From: alice@postern.test\nTo: %s@postern.test\nSubject: keep %d\n\nmessage %d\n" % (u, i, i)}
           for i, u in enumerate(to, 1)], open(sys.argv[1], "w"))
EOF
bk_pf_mark
set +e
timeout 120 python3 "$BK_CLIENT" send "$BK/spec5.json" -- "$POSTERN" -v -C "$BK_RC" -bs >"$BK/five.out" 2>"$BK/five.err"
set -e
n=$(grep -cE '^message [1-5]: 250 2\.0\.0 smtp\.postern\.test said: 2\.0\.0 Ok' "$BK/five.out" || true)
if [ "$n" = 5 ] && grep -q '^exit 0$' "$BK/five.out"; then
	ok "five messages in one session: each answered with the smarthost's 250; exit 0"
else
	not_ok "five messages in one session: each answered with the smarthost's 250; exit 0" "$(cat "$BK/five.out")"
fi
bk_all=yes
for u in bob carol dave erin frank; do
	f=$(wait_mail $u)
	i=$(grep -n "^$u\$" <(printf 'bob\ncarol\ndave\nerin\nfrank\n') | cut -d: -f1)
	if [ -z "$f" ] || ! grep -q "^Subject: keep $i\$" "$f"; then bk_all="no ($u)"; fi
done
if [ "$bk_all" = yes ] && wait_until "$WAIT_S" queue_empty && [ "$(mailbox_count bob)" = 1 ] && [ "$(mailbox_count frank)" = 1 ]; then
	ok "five messages in one session: all five arrived, once each"
else
	not_ok "five messages in one session: all five arrived, once each" "$bk_all"
fi
if [ "$(bk_connects "$BK/five.err")" = 1 ] && [ "$(grep -c '^--> STARTTLS' "$BK/five.err")" = 1 ] &&
	[ "$(grep -c '^--> AUTH ' "$BK/five.err")" = 1 ]; then
	ok "five messages: -v shows one connection, one STARTTLS, one AUTH"
else
	not_ok "five messages: -v shows one connection, one STARTTLS, one AUTH" "$(grep -E '^--- connected|^--> (STARTTLS|AUTH)' "$BK/five.err")"
fi
seq=$(grep -E '^--> (RSET|MAIL FROM)' "$BK/five.err" | cut -c5-8 | tr '\n' ' ' | sed 's/ $//')
if [ "$seq" = "MAIL RSET MAIL RSET MAIL RSET MAIL RSET MAIL" ]; then
	ok "five messages: RSET before the MAIL of messages 2 to 5"
else
	not_ok "five messages: RSET before the MAIL of messages 2 to 5" "got: $seq"
fi
bk_pf_check 1 'starttls=1 auth=1 mail=5 rcpt=5 bdat=5 rset=4 quit=1' \
	"five messages: Postfix saw one session (one connect, STARTTLS and AUTH once, mail=5 bdat=5 rset=4: each message with BDAT after its envelope)"
n=$(bk_pf_since | grep -c 'TLS connection established' || true)
if [ "$n" = 1 ]; then ok "five messages: Postfix logged one TLS handshake"; else
	not_ok "five messages: Postfix logged one TLS handshake" "$(bk_pf_since | grep 'TLS connection')"
fi

###########################################################################
# each recipient has the smarthost's own verdict; the others get the message

fresh
cat >"$BK/spec-rcpt.json" <<'EOF'
[
 {"from": "alice@postern.test", "to": ["bob@postern.test", "nobody@postern.test", "carol@postern.test"],
  "data": "From: alice@postern.test\nTo: bob@postern.test, nobody@postern.test, carol@postern.test\nSubject: per recipient\n\nthree recipients, one unknown\n"}
]
EOF
rm -f "$BK/rcpt.log"
set +e
timeout 120 python3 "$BK_CLIENT" send-all "$BK/spec-rcpt.json" -- "$POSTERN" -C "$BK_RC" -X "$BK/rcpt.log" -bs \
	>"$BK/rcpt.out" 2>&1
set -e
if grep -qE '^message 1: mail 250 2\.1\.0 smtp\.postern\.test said: 2\.1\.0 Ok' "$BK/rcpt.out"; then
	ok "MAIL FROM is answered with the smarthost's 250"
else
	not_ok "MAIL FROM is answered with the smarthost's 250" "$(cat "$BK/rcpt.out")"
fi
if grep -qE '^message 1: rcpt bob@postern\.test: 250 2\.1\.5 smtp\.postern\.test said: 2\.1\.5 Ok' "$BK/rcpt.out" &&
	grep -qE '^message 1: rcpt carol@postern\.test: 250 2\.1\.5 smtp\.postern\.test said: 2\.1\.5 Ok' "$BK/rcpt.out"; then
	ok "the known recipients are answered with the smarthost's 250 2.1.5"
else
	not_ok "the known recipients are answered with the smarthost's 250 2.1.5" "$(cat "$BK/rcpt.out")"
fi
if grep -qE '^message 1: rcpt nobody@postern\.test: 550 5\.1\.1 smtp\.postern\.test said: 5\.1\.1 <nobody@postern\.test>: Recipient address rejected: User unknown in virtual mailbox table' "$BK/rcpt.out"; then
	ok "the unknown recipient alone is refused, with the smarthost's 550 5.1.1 and its text"
else
	not_ok "the unknown recipient alone is refused, with the smarthost's 550 5.1.1 and its text" "$(cat "$BK/rcpt.out")"
fi
if grep -qE '^message 1: 250 2\.0\.0 smtp\.postern\.test said: ' "$BK/rcpt.out" && grep -q '^exit 0$' "$BK/rcpt.out"; then
	ok "DATA goes through to the recipients accepted: 250 at the end of data"
else
	not_ok "DATA goes through to the recipients accepted: 250 at the end of data" "$(cat "$BK/rcpt.out")"
fi
bob=$(wait_mail bob)
carol=$(wait_mail carol)
if [ -n "$bob" ] && [ -n "$carol" ] && wait_until "$WAIT_S" queue_empty && [ "$(mailbox_count bob)" = 1 ] &&
	[ "$(mailbox_count carol)" = 1 ] && grep -q '^Subject: per recipient$' "$bob"; then
	ok "bob and carol got the message, once each"
else
	not_ok "bob and carol got the message, once each" "bob: $(mailbox_count bob), carol: $(mailbox_count carol)"
fi
if grep -q 'recipients=bob@postern\.test,carol@postern\.test .*exitcode=EX_OK' "$BK/rcpt.log" 2>/dev/null; then
	ok "the log line names the recipients delivered to (not the refused one)"
else
	not_ok "the log line names the recipients delivered to (not the refused one)" "$(cat "$BK/rcpt.log" 2>/dev/null)"
fi

# an alias that makes several addresses: the first acceptance when the
# smarthost took any, else its first refusal
fresh
printf 'team: nobody@postern.test, bob@postern.test\nghosts: nobody@postern.test, ghost@postern.test\n' >"$BK/aliases"
BK_RC_AL=$(config bk-al "aliases $BK/aliases")
printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<ghosts>\r\nRCPT TO:<team>\r\nDATA\r\nSubject: alias\r\n\r\nx\r\n.\r\nQUIT\r\n' >"$BK/alias.in"
bk_raw "$BK_RC_AL" "$BK/alias.in" -a default
bk_expect_codes "220 250 250 550 250 354 250 221" \
	"an alias: refused (550) when the smarthost refused all its addresses, else accepted (250)"
bk_out_has '^550 5\.1\.1 smtp\.postern\.test said: 5\.1\.1 <nobody@postern\.test>: ' "... the refusal is the first address's"
bob=$(wait_mail bob)
if [ -n "$bob" ] && grep -q '^Subject: alias$' "$bob"; then ok "... and the address of the alias the smarthost took got the message"; else
	not_ok "... and the address of the alias the smarthost took got the message" "$OUT"
fi

###########################################################################
# Symfony Mailer: three messages through one -bs transport, one connection

if ! php -r 'exit(is_file("/usr/share/php/Symfony/Component/Mailer/autoload.php") ? 0 : 1);' 2>/dev/null; then
	if [ "${CI:-}" = true ]; then not_ok "php-symfony-mailer is not installed (CI=true)"; else
		ok "# SKIP php-symfony-mailer is not installed"
		ok "# SKIP php-symfony-mailer is not installed"
	fi
else
	fresh
	cat >"$BK/symfony.php" <<'EOF'
<?php
// argv: command, then "to" addresses, one message each, in one transport
require_once '/usr/share/php/Symfony/Component/Mailer/autoload.php';
require_once '/usr/share/php/Symfony/Component/Mime/autoload.php';
use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mailer\Transport\SendmailTransport;
use Symfony\Component\Mime\Email;
$mailer = new Mailer(new SendmailTransport($argv[1]));
foreach (array_slice($argv, 2) as $i => $to) {
	$email = (new Email())->from('alice@postern.test')->to($to)->subject("symfony keep $i")->text("body $i\n");
	try {
		$mailer->send($email);
		echo "sent $i\n";
	} catch (\Throwable $e) {
		echo "failed $i: ", str_replace("\n", " ", $e->getMessage()), "\n";
	}
}
EOF
	bk_pf_mark
	set +e
	timeout 120 php "$BK/symfony.php" "$POSTERN -C $BK_RC -bs" bob@postern.test carol@postern.test dave@postern.test \
		>"$BK/sym.out" 2>&1
	set -e
	if [ "$(grep -c '^sent [0-2]$' "$BK/sym.out")" = 3 ] && [ -n "$(wait_mail bob)" ] && [ -n "$(wait_mail carol)" ] &&
		[ -n "$(wait_mail dave)" ]; then
		ok "Symfony Mailer: three messages through one -bs transport all arrive"
	else
		not_ok "Symfony Mailer: three messages through one -bs transport all arrive" "$(cat "$BK/sym.out")"
	fi
	bk_pf_check 1 'auth=1 mail=3 rcpt=3 bdat=3 rset=2' "Symfony Mailer: one smarthost connection for the three (mail=3 rset=2)"
fi

###########################################################################
# the smarthost closes the kept connection after the first message: the
# second goes on a new one, and the client sees nothing of it

bk_two "$BK/two"
bk_fault closed '{"connections": {"1": {"dot": {"reply": "250 2.0.0 Ok: queued on one", "drop": "close"}},
                  "2": {"mail": "250 2.1.0 Ok on connection two"}}}'
bk_raw "$BK_FT/rc" "$BK/two"
bk_fault_end 2
bk_expect_codes "220 250 250 250 354 250 250 250 354 250 221" "closed after message 1: every command of the session is answered 250"
bk_out_has '^250 2\.1\.0 127\.0\.0\.1 said: 2\.1\.0 Ok on connection two$' \
	"... message 2's MAIL is answered by the smarthost on a new connection"
if [ "$(bk_conns)" = 2 ] && [ "$(bk_lines 1 | grep -c '^<message>$')" = 1 ] &&
	[ "$(bk_lines 2 | grep -v '^EHLO ' | tr '\n' '|')" = "MAIL FROM:<alice@postern.test>|RCPT TO:<bob@postern.test>|DATA|<message>|QUIT|" ] &&
	python3 "$top_srcdir/tests/faultsmtp.py" --message "$BK_FT/log" 2 | grep -q '^Subject: keep two'; then
	ok "... the smarthost got message 1 on connection 1, message 2 on connection 2"
else
	not_ok "... the smarthost got message 1 on connection 1, message 2 on connection 2" "$BK_SUM"
fi

# ... or refuses a second message on it with 421 (and closes it)
bk_fault refuses '{"connections": {"1": {"mail:2": {"reply": "421 4.7.0 smtp.postern.test Error: too many messages", "drop": "close"}},
                  "2": {"mail": "250 2.1.0 Ok on connection two"}}}'
bk_raw "$BK_FT/rc" "$BK/two"
bk_fault_end 2
bk_expect_codes "220 250 250 250 354 250 250 250 354 250 221" "421 at the second MAIL: every command of the session is answered 250"
bk_out_has '^250 2\.1\.0 127\.0\.0\.1 said: 2\.1\.0 Ok on connection two$' "... message 2 went on a new connection"
if [ "$(bk_conns)" = 2 ] && [ "$(bk_lines 1 | grep -c '^MAIL FROM')" = 2 ] &&
	python3 "$top_srcdir/tests/faultsmtp.py" --message "$BK_FT/log" 2 | grep -q '^Subject: keep two'; then
	ok "... the smarthost refused MAIL 2 on connection 1 and got message 2 on connection 2"
else
	not_ok "... the smarthost refused MAIL 2 on connection 1 and got message 2 on connection 2" "$BK_SUM"
fi

# ... or keeps the connection open after its 421: postern leaves it
# before it opens the next (the server takes one connection at a time)
bk_fault refuses-open '{"connections": {"1": {"mail:2": "421 4.7.0 smtp.postern.test Error: too many messages"},
                  "2": {"mail": "250 2.1.0 Ok on connection two"}}}'
bk_raw "$BK_FT/rc" "$BK/two"
bk_fault_end 2
bk_expect_codes "220 250 250 250 354 250 250 250 354 250 221" \
	"421 at the second MAIL, the connection left open: every command of the session is answered 250"
if [ "$(bk_conns)" = 2 ] && [ "$(bk_lines 1 | grep -c '^MAIL FROM')" = 2 ] && printf '%s\n' "$OUT" | grep -q 'Ok on connection two$'; then
	ok "... postern left connection 1 and sent message 2 on connection 2"
else
	not_ok "... postern left connection 1 and sent message 2 on connection 2" "$BK_SUM"
fi

###########################################################################
# the smarthost refuses the data with 554: the client gets the 554, the
# message is kept in dead_letter; the next message on the same connection

bk_fault dot554 '{"dot": "554 5.7.1 Message rejected by policy"}' "dead_letter $BK/dead"
bk_raw "$BK_FT/rc" "$BK/two"
bk_fault_end 1
bk_expect_codes "220 250 250 250 354 554 250 250 354 554 221" "554 after the data: both messages answered 554 at the end of data"
bk_out_has '^554 5\.7\.1 127\.0\.0\.1 said: 5\.7\.1 Message rejected by policy$' "... with the smarthost's code and text"
n=$(grep -lE '^Subject: keep (one|two)' "$BK"/dead/new/* 2>/dev/null | wc -l)
if [ "$n" = 2 ]; then ok "... both refused messages are kept in dead_letter"; else
	not_ok "... both refused messages are kept in dead_letter" "$(ls -l "$BK/dead/new" 2>&1)"
fi
if [ "$(bk_conns)" = 1 ] && [ "$(bk_lines 1 | grep -c '^<message>$')" = 2 ] && [ "$(bk_lines 1 | grep -c '^RSET$')" = 1 ]; then
	ok "... one connection: the second message after RSET on the first"
else
	not_ok "... one connection: the second message after RSET on the first" "$BK_SUM"
fi

###########################################################################
# 452 4.5.3 (too many recipients) at the third RCPT: 250 to the client,
# that recipient gets the message in a further transaction

bk_fault too-many '{"rcpt:3": "452 4.5.3 Error: too many recipients"}'
{
	printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\n'
	printf 'RCPT TO:<bob@postern.test>\r\nRCPT TO:<carol@postern.test>\r\nRCPT TO:<dave@postern.test>\r\nRCPT TO:<erin@postern.test>\r\n'
	printf 'DATA\r\nSubject: many\r\n\r\nfour recipients\r\n.\r\nQUIT\r\n'
} >"$BK/many.in"
bk_raw "$BK_FT/rc" "$BK/many.in"
bk_fault_end 1
bk_expect_codes "220 250 250 250 250 250 250 354 250 221" "452 4.5.3 at RCPT 3: the client gets 250 to all four RCPTs and to the end of data"
bk_out_has '^250 2\.1\.5 postern: deferred by the smarthost' "... the deferred one says so"
got=$(bk_lines 1 | grep -vE '^(EHLO|QUIT|RSET)' | tr '\n' '|')
want="MAIL FROM:<alice@postern.test>|RCPT TO:<bob@postern.test>|RCPT TO:<carol@postern.test>|RCPT TO:<dave@postern.test>|RCPT TO:<erin@postern.test>|DATA|<message>|MAIL FROM:<alice@postern.test>|RCPT TO:<dave@postern.test>|DATA|<message>|"
if [ "$(bk_conns)" = 1 ] && [ "$got" = "$want" ]; then
	ok "... the smarthost saw two transactions on one connection, the deferred recipient in the second"
else
	not_ok "... the smarthost saw two transactions on one connection, the deferred recipient in the second" "got:  $got" "want: $want" "$BK_SUM"
fi

###########################################################################
# an account taking the sender from the message (from %F): answered by
# postern until the data, then the whole transaction, on the kept connection

bk_fault fromf '{}' "$(printf 'from %%F\nallow_from_override off')"
{
	printf 'EHLO x\r\n'
	printf 'MAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\n'
	printf 'From: Erin <erin@postern.test>\r\nSubject: from one\r\n\r\none\r\n.\r\n'
	printf 'MAIL FROM:<alice@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\n'
	printf 'From: frank@postern.test\r\nSubject: from two\r\n\r\ntwo\r\n.\r\nQUIT\r\n'
} >"$BK/fromf.in"
bk_raw "$BK_FT/rc" "$BK/fromf.in"
bk_fault_end 1
bk_expect_codes "220 250 250 250 354 250 250 250 354 250 221" "from %F: two messages, each accepted"
got=$(bk_lines 1 | grep -E '^(MAIL|RSET)' | tr '\n' '|')
if [ "$(bk_conns)" = 1 ] && [ "$got" = "MAIL FROM:<erin@postern.test>|RSET|MAIL FROM:<frank@postern.test>|" ]; then
	ok "from %F: each message's From: is its sender, both on one connection (RSET between)"
else
	not_ok "from %F: each message's From: is its sender, both on one connection (RSET between)" "got: $got" "$BK_SUM"
fi
bk_out_has '^250 2\.1\.0 Ok$' "from %F: MAIL FROM is answered by postern (the smarthost hears of it after the data)"

# ... but with allow_from_override on (the default) MAIL FROM is the
# sender: known at once, so each RCPT has the smarthost's verdict
bk_fault fromf-override '{"rcpt:nobody@postern.test": "550 5.1.1 <nobody@postern.test>: User unknown"}' "from %F"
printf 'EHLO x\r\nMAIL FROM:<alice@postern.test>\r\nRCPT TO:<nobody@postern.test>\r\nRCPT TO:<bob@postern.test>\r\nDATA\r\nFrom: erin@postern.test\r\n\r\nx\r\n.\r\nQUIT\r\n' >"$BK/fromf2.in"
bk_raw "$BK_FT/rc" "$BK/fromf2.in"
bk_fault_end 1
bk_expect_codes "220 250 250 550 250 354 250 221" "from %F overridden by MAIL FROM: the unknown recipient is refused at its RCPT"
if [ "$(bk_lines 1 | grep '^MAIL' | tr '\n' '|')" = "MAIL FROM:<alice@postern.test>|" ]; then
	ok "... and MAIL FROM is the client's"
else
	not_ok "... and MAIL FROM is the client's" "$BK_SUM"
fi
