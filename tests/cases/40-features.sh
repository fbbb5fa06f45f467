# 40-features.sh - passwordeval, aliases, logs, -v redaction, modes, start-up.

printf 'Subject: features\n\nbody\n' >"$WORK/f"

fresh
printf '#!/bin/sh\nprintf "%%s\\n" "%s"\n' "$SASL_PASS" >"$WORK/pw.sh"
chmod 700 "$WORK/pw.sh"
RC_EVAL=$(config eval "account eval : sub
password
passwordeval $WORK/pw.sh")
sed -i '/^password "/d' "$RC_EVAL"
run_postern "$WORK/f" -C "$RC_EVAL" -a eval bob@postern.test
expect_rc 0 "password from passwordeval"
check "passwordeval message arrives" test -n "$(wait_mail bob)"

# aliases: local names on argv and in To are expanded; default catches the rest
fresh
cat >"$WORK/aliases" <<AL
# test aliases
root: bob@postern.test
admins: root,
  carol@postern.test
default: frank@postern.test
AL
RC_AL=$(config aliases "aliases $WORK/aliases")
run_postern "$WORK/f" -C "$RC_AL" root
expect_rc 0 "argv 'root' through the aliases file"
check "root's alias receives it" test -n "$(wait_mail bob)"
fresh
printf 'To: admins\nSubject: nested\n\nbody\n' >"$WORK/fa"
run_postern "$WORK/fa" -C "$RC_AL" -t
expect_rc 0 "-t with a nested alias and a continuation line"
check "nested alias: bob receives" test -n "$(wait_mail bob)"
check "nested alias: carol receives" test -n "$(wait_mail carol)"
fresh
run_postern "$WORK/f" -C "$RC_AL" someone
expect_rc 0 "unlisted local name"
check "the default alias catches it" test -n "$(wait_mail frank)"

run_postern /dev/null -C "$RC_AL" -bi
expect_rc 0 "-bi (newaliases) with a valid aliases file"
printf 'broken line without colon\n' >"$WORK/aliases.bad"
RC_ALB=$(config aliasesbad "aliases $WORK/aliases.bad")
ln -sf "$POSTERN" "$WORK/newaliases"
set +e; "$WORK/newaliases" -C "$RC_ALB" >"$WORK/out" 2>"$WORK/err"; RC=$?; set -e; ERR=$(cat "$WORK/err")
expect_rc 78 "newaliases with a malformed aliases file"
expect_err "aliases.bad:1" "malformed aliases: names file and line"
ln -sf "$POSTERN" "$WORK/mailq"
set +e; "$WORK/mailq" >"$WORK/out" 2>&1; RC=$?; set -e
expect_rc 0 "mailq says there is no queue"
check "mailq explains" grep -q "no mail queue" "$WORK/out"

# the log line, in msmtp's format, without the password
fresh
RC_LOG=$(config log "logfile $WORK/postern.log")
run_postern "$WORK/f" -C "$RC_LOG" bob@postern.test
expect_rc 0 "send with a logfile"
check "log line in msmtp's key=value format" has "host=$SMARTHOST_HOST tls=on auth=on user=$SASL_USER from=alice@postern.test recipients=bob@postern.test mailsize=[0-9]+ smtpstatus=250 smtpmsg='250 [^']+' exitcode=EX_OK\$" "$WORK/postern.log"
RC_LOGBAD=$(config logbad "account badlog : sub
password wrong")
run_postern "$WORK/f" -C "$RC_LOGBAD" -a badlog -X "$WORK/postern.log" bob@postern.test
check "-X FILE: failure log line has smtpstatus, errormsg and exitcode" has "smtpstatus=535 smtpmsg='535 .*' errormsg='.*authentication failed.*' exitcode=EX_NOPERM\$" "$WORK/postern.log"
check "the log holds no password" lacks "correct horse|wrong" "$WORK/postern.log"

# a hostile -f is escaped in the log: one line per send, each key once
# (set-group-ID callers must not forge lines in a log they cannot write)
for forged in $'a@b\nx recipients=evil exitcode=EX_OK' 'a@b recipients=evil exitcode=EX_OK'; do
	: >"$WORK/forged.log"
	run_postern "$WORK/f" -C "$RC_LOG" -X "$WORK/forged.log" -f "$forged" bob@postern.test
	# refused here, before any connection: a line break, or a space outside
	# quotes, is no address
	check "a -f with a forged log line is refused before sending (exit $RC, want 65)" test "$RC" = 65
	check "the refusal is logged as one line" test "$(wc -l <"$WORK/forged.log")" = 1
	check "exitcode= and recipients= appear once in it" test \
		"$(grep -o 'exitcode=' "$WORK/forged.log" | wc -l) $(grep -o 'recipients=' "$WORK/forged.log" | wc -l)" = "1 1"
	check "the sender is quoted and escaped" has " from='a@b(\\\\n| )x? ?recipients\\\\x3devil exitcode\\\\x3dEX_OK' " "$WORK/forged.log"
done

# a FIFO where a file named in the configuration should be: refused at
# once, never waited on (each run bounded by timeout 20)
fresh
mkfifo "$WORK/log.fifo" "$WORK/aliases.fifo" "$WORK/rc.fifo"
set +e
timeout 20 "$POSTERN" -C "$(config fifolog "logfile $WORK/log.fifo")" bob@postern.test <"$WORK/f" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
ERR=$(cat "$WORK/err")
expect_rc 0 "a FIFO at the logfile path does not hang the send"
expect_err "cannot open log file $WORK/log.fifo: not a regular file" "stderr says why nothing is logged"
check "the message is delivered anyway" test -n "$(wait_mail bob)"
set +e
timeout 20 "$POSTERN" -C "$(config fifoal "aliases $WORK/aliases.fifo")" root <"$WORK/f" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
ERR=$(cat "$WORK/err")
expect_rc 78 "a FIFO as the aliases file is refused at once"
expect_err "cannot read aliases file $WORK/aliases.fifo: not a regular file" "the aliases error says why"
set +e
timeout 20 "$POSTERN" -C "$WORK/rc.fifo" bob@postern.test <"$WORK/f" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
ERR=$(cat "$WORK/err")
expect_rc 78 "a FIFO as the rc file is refused at once"
expect_err "cannot read configuration file $WORK/rc.fifo: not a regular file" "the rc file error says why"

# -v shows the dialogue but never the credentials
fresh
RC_V=$(config verbose "auth plain")  # the redaction of PLAIN is what is checked
run_postern "$WORK/f" -C "$RC_V" -v bob@postern.test
expect_rc 0 "send with -v"
b64=$(printf '\0%s\0%s' "$SASL_USER" "$SASL_PASS" | base64 -w0)
check "-v shows the redacted AUTH command" has '^--> AUTH PLAIN \[redacted\]$' "$WORK/err"
check "-v never shows the password or its base64" lacks "correct horse|$b64" "$WORK/err"
check "-v shows the server's final 250" has '^<-- 250 ' "$WORK/err"

# started with stderr closed (GNU mailutils does this): still delivers
fresh
set +e; "$POSTERN" -C "$RC_V" bob@postern.test <"$WORK/f" 2>&-; RC=$?; set -e
expect_rc 0 "started with fd 2 closed"
check "message sent with fd 2 closed arrives" test -n "$(wait_mail bob)"

# identity from getpwuid, not the environment (cron under systemd passes none)
fresh
set +e; env -i PATH=/usr/bin:/bin "$POSTERN" -C "$RC_V" bob@postern.test <"$WORK/f" >/dev/null 2>"$WORK/err"; RC=$?; set -e
expect_rc 0 "no HOME, USER or LOGNAME in the environment"
check "the message arrives" test -n "$(wait_mail bob)"

# PHP's attached -f form and -r
fresh
run_postern "$WORK/f" -C "$RC_V" -fbounce@postern.test -t -i bob@postern.test
expect_rc 0 "PHP's attached -fADDR"
check "the envelope sender is -f's" has '^Return-Path: <bounce@postern.test>$' "$(wait_mail bob)"
fresh
run_postern "$WORK/f" -C "$RC_V" -F "Doe, John" -r alice@postern.test bob@postern.test
expect_rc 0 "-r and -F"
check "-F names the added From header" has '^From: "Doe, John" <alice@postern.test>$' "$(wait_mail bob)"

# DSN requests go out as NOTIFY, RET and ENVID (the smarthost offers DSN)
fresh
run_postern "$WORK/f" -C "$RC_V" -v -N failure,delay -R hdrs -V 'id+1=x' bob@postern.test
expect_rc 0 "-N -R -V accepted by a server that offers DSN"
check "RCPT carries NOTIFY" has '^--> RCPT TO:<bob@postern.test> NOTIFY=failure,delay$' "$WORK/err"
check "MAIL carries RET and the xtext-encoded ENVID" has '^--> MAIL FROM:<alice@postern.test> SIZE=[0-9]+ RET=hdrs ENVID=id\+2B1\+3Dx$' "$WORK/err"
run_postern "$WORK/f" -C "$RC_V" -N sometimes bob@postern.test
expect_rc 64 "an invalid -N value"

# sendmail-wrapper: the links make postern answer as sendmail, mailq, newaliases
mkdir -p "$WORK/wrap/bin" "$WORK/wrap/sbin" "$WORK/wrap/lib"
cp "$POSTERN" "$WORK/wrap/bin/postern"
set +e
make -s -C "$top_srcdir/sendmail-wrapper" install POSTERN="$WORK/wrap/bin/postern" BINDIR="$WORK/wrap/bin" \
	SBINDIR="$WORK/wrap/sbin" LIBDIR="$WORK/wrap/lib" >"$WORK/out" 2>&1
RC=$?
set -e
expect_rc 0 "make -C sendmail-wrapper install"
check "sendmail, /usr/lib/sendmail, mailq and newaliases link to postern" test \
	"$(readlink "$WORK/wrap/sbin/sendmail")" = "$WORK/wrap/bin/postern" -a \
	"$(readlink "$WORK/wrap/lib/sendmail")" = "$WORK/wrap/bin/postern" -a \
	"$(readlink "$WORK/wrap/bin/mailq")" = "$WORK/wrap/bin/postern" -a \
	"$(readlink "$WORK/wrap/bin/newaliases")" = "$WORK/wrap/bin/postern"
fresh
printf 'To: bob@postern.test\nSubject: via the link\n\nbody\n' >"$WORK/wrapmsg"
set +e; "$WORK/wrap/sbin/sendmail" -C "$RC_V" -t -i <"$WORK/wrapmsg" 2>"$WORK/err"; RC=$?; set -e
expect_rc 0 "sending through the sendmail link"
check "the message sent through the link arrives" test -n "$(wait_mail bob)"
set +e; "$WORK/wrap/bin/mailq" >"$WORK/out" 2>&1; RC=$?; set -e
expect_rc 0 "mailq through the link"
touch "$WORK/wrap/sbin/old-sendmail"
set +e
make -s -C "$top_srcdir/sendmail-wrapper" uninstall POSTERN="$WORK/wrap/bin/postern" BINDIR="$WORK/wrap/bin" \
	SBINDIR="$WORK/wrap/sbin" LIBDIR="$WORK/wrap/lib" >"$WORK/out" 2>&1
RC=$?
set -e
expect_rc 0 "make -C sendmail-wrapper uninstall"
check "uninstall removes the links" test ! -e "$WORK/wrap/sbin/sendmail" -a ! -e "$WORK/wrap/bin/mailq"

# logfile_time_format
RC_LTF=$(config ltf "logfile $WORK/ltf.log
logfile_time_format %Y-%m-%dT%H:%M:%S")
run_postern "$WORK/f" -C "$RC_LTF" bob@postern.test
expect_rc 0 "send with logfile_time_format"
check "the log line starts with the chosen time format" has '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8} host=' "$WORK/ltf.log"

# sendmail-wrapper install-setgid: the binary set-group-ID to the group
set +e
cp "$POSTERN" "$WORK/wrap/bin/postern"
getent group postern >/dev/null || groupadd --system postern
touch "$WORK/wrap/postern.conf"
make -s -C "$top_srcdir/sendmail-wrapper" install-setgid POSTERN="$WORK/wrap/bin/postern" CONF="$WORK/wrap/postern.conf" >"$WORK/out" 2>&1
RC=$?
set -e
expect_rc 0 "make -C sendmail-wrapper install-setgid"
check "postern is mode 2755, group postern" test "$(stat -c '%a %G' "$WORK/wrap/bin/postern")" = "2755 postern"
check "the system file is root:postern 0640" test "$(stat -c '%a %U %G' "$WORK/wrap/postern.conf")" = "640 root postern"

# --rmqs against the test Postfix: it offers ETRN, and refuses for now
# (45x) a flush of a domain it does not relay (fast_flush_domains is empty)
run_postern /dev/null -C "$(config etrn)" --rmqs=postern.test
expect_rc 75 "--rmqs against Postfix: ETRN for a domain it does not flush"
expect_err "ETRN refused: 45[89] " "--rmqs against Postfix: the message gives Postfix's reply"
