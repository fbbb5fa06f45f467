# 10-deliver.sh - messages arrive byte for byte, over STARTTLS and implicit TLS.

RC_FILE=$(config main)

msg() { # msg FILE TO - a complete message (nothing for postern to add)
	printf 'From: alice@postern.test\nTo: %s\nSubject: test %s\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <%s@postern.test>\n\n' \
		"$2" "$(basename "$1")" "$(basename "$1")" >"$1"
}

fresh
msg "$WORK/m1" bob@postern.test
echo "hello over STARTTLS" >>"$WORK/m1"
run_postern "$WORK/m1" -C "$RC_FILE" bob@postern.test
expect_rc 0 "argv recipient over STARTTLS + AUTH"
f=$(wait_mail bob)
check "the message arrives byte for byte" same_as_sent "$f" "$WORK/m1"
check "it went through TLS with SASL auth" grep -q "(Authenticated sender: alice@postern.test)" "$f"

fresh
run_postern "$WORK/m1" -C "$RC_FILE" -a smtps -t -i
expect_rc 0 "-t -i over implicit TLS (port 465 style)"
f=$(wait_mail bob)
check "implicit TLS message arrives intact" same_as_sent "$f" "$WORK/m1"

fresh
run_postern "$WORK/m1" -C "$RC_FILE" -a cram bob@postern.test
expect_rc 0 "auth on picks CRAM-MD5 where it is all the server offers"
check "CRAM-MD5 message arrives" test -n "$(wait_mail bob)"

fresh
RC_LOGIN=$(config login "account login : sub
auth login")
run_postern "$WORK/m1" -C "$RC_LOGIN" -a login bob@postern.test
expect_rc 0 "auth login"
check "LOGIN message arrives" test -n "$(wait_mail bob)"

# -t with To, Cc and Bcc: all receive, nobody sees Bcc
fresh
printf 'From: alice@postern.test\nTo: Bob <bob@postern.test>\nCc: "Carol, C." <carol@postern.test>\nBcc: dave@postern.test\nSubject: to cc bcc\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <tcb@postern.test>\n\nbody\n' >"$WORK/m2"
run_postern "$WORK/m2" -C "$RC_FILE" -t
expect_rc 0 "-t with To, Cc and Bcc"
fb=$(wait_mail bob); fc=$(wait_mail carol); fd=$(wait_mail dave)
check "To, Cc and Bcc recipients all receive it" test -n "$fb" -a -n "$fc" -a -n "$fd"
check "the Bcc header is not transmitted" lacks '^Bcc:' "$fb" "$fc" "$fd"
grep -vi '^Bcc:' "$WORK/m2" >"$WORK/m2.nobcc"
check "otherwise the message is unchanged" same_as_sent "$fd" "$WORK/m2.nobcc"

# argv plus -t (git send-email does this): the union, each once
fresh
run_postern "$WORK/m2" -C "$RC_FILE" -t bob@postern.test erin@postern.test
expect_rc 0 "-t plus argv recipients"
wait_mail erin >/dev/null
check "argv-only recipient receives it" test "$(mailbox_count erin)" = 1
check "a recipient named twice receives it once" test "$(mailbox_count bob)" = 1

# cron's exact command line; MAILTO with two addresses is one argv word
fresh
printf 'From: root (Cron Daemon)\nTo: bob@postern.test,carol@postern.test\nSubject: Cron <root@host> run-parts /etc/cron.daily\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\nX-Cron-Env: <SHELL=/bin/sh>\n\nstarting\n.\nr\xc3\xa9sum\xc3\xa9 done\n' >"$WORK/cron"
run_postern "$WORK/cron" -C "$RC_FILE" -FCronDaemon -i -B8BITMIME -oem bob@postern.test,carol@postern.test
expect_rc 0 "cron: -FCronDaemon -i -B8BITMIME -oem a@x,b@y"
f=$(wait_mail carol)
check "cron mail reaches both MAILTO addresses" test "$(mailbox_count bob)" = 1 -a -n "$f"
check "the lone '.' line arrives intact" body_has "$f" '^\.$'
check "8-bit text arrives intact" has $'^r\xc3\xa9sum\xc3\xa9 done$' "$f"
check "Date and Message-ID are added when missing" has '^Date: ' "$f"
check "Message-ID is added when missing" has '^Message-ID: <.+@.+>$' "$f"
check "cron's From header is passed on unchanged" grep -qx 'From: root (Cron Daemon)' "$f"
