# 60-callers.sh - the real callers of sendmail, run as their users run them
# (with the argv and stdin recorded for each on Debian 12): PHP mail(),
# bsd-mailx, s-nail, git send-email, logwatch and the cron daemon deliver
# through the built postern to the smarthost.  Each test checks the envelope
# (Return-Path), From, To, Subject, one Date and one Message-ID, no Bcc, each
# recipient once, and the body bytes.
#
# Packages: php-cli bsd-mailx s-nail git git-email libmailtools-perl logwatch
# cron (python3 for RFC 2047 decoding).  A missing one gives SKIP lines, or a
# failure under CI=true.  logwatch and cron run in a private mount namespace
# (unshare -m) so that the system's /usr/sbin/sendmail and /etc stay as they
# are.  The cron daemon is started first and its mail collected last, so its
# wait for the next minute overlaps the other tests; those use mailboxes that
# cron's jobs never write to (cron's jobs: admin, cron, www).

fresh # earlier files may have left mail in the cron jobs' mailboxes
CL_RC=$(config callers)
CL_SENDMAIL=$WORK/cl-sendmail # the wrapper callers are given
printf '#!/bin/sh\nexec "%s" -C "%s" "$@"\n' "$POSTERN" "$CL_RC" >"$CL_SENDMAIL"
chmod 755 "$CL_SENDMAIL"

# cl_capture_wrapper PATH DIR RCFILE - a wrapper that also keeps what the
# caller passed: DIR/PID.argv (one word a line) and DIR/PID.in (stdin bytes);
# postern still reads a pipe, as from the caller
cl_capture_wrapper() {
	mkdir -p "$2"
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"%s/$$.argv"\ntee "%s/$$.in" | exec "%s" -C "%s" "$@"\n' \
		"$2" "$2" "$POSTERN" "$3" >"$1"
	chmod 755 "$1"
}

# cl_missing WHY N - N tests cannot run here: N SKIP lines, or one failure
# under CI=true
cl_missing() {
	local i
	if [ "${CI:-}" = true ]; then
		not_ok "$1 (CI=true)"
	else
		for i in $(seq "$2"); do ok "# SKIP $1"; done
	fi
}

# cl_first GLOB-WORDS - the first of the words that names a file, if any
cl_first() {
	if [ -e "$1" ]; then printf '%s\n' "$1"; fi
}

# cl_ns_ok - a private mount namespace can be made (logwatch and cron need it)
cl_ns_ok() {
	command -v unshare >/dev/null && unshare -m --propagation private true 2>/dev/null
}

# cl_fresh - empty the mailboxes these tests read (not those of cron's jobs),
# after the queue has drained (bounded)
cl_fresh() {
	local u
	wait_until "$WAIT_S" queue_empty || echo "# cl_fresh: the smarthost's queue did not drain"
	for u in alice bob carol dave erin frank; do
		find "$MAILDIR_BASE/$u/new" "$MAILDIR_BASE/$u/cur" -type f -delete 2>/dev/null || true
	done
}

# cl_head FILE - the delivered header block without Postfix's own fields,
# one unfolded field a line
cl_head() {
	delivered_body "$1" | awk '/^$/ { exit }
		/^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
		{ if (line != "") print line; line = $0 }
		END { if (line != "") print line }'
}

# cl_field FILE NAME - the value of every field NAME (any case), one a line
cl_field() {
	cl_head "$1" | awk -v n="$2" 'BEGIN { n = tolower(n) }
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v } }'
}

# cl_count FILE NAME - how many fields NAME the header has
cl_count() {
	cl_field "$1" "$2" | wc -l
}

# cl_body FILE - the delivered body (after the first empty line)
cl_body() {
	sed '1,/^$/d' "$1"
}

# cl_envelope FILE - the envelope sender, from Postfix's Return-Path
cl_envelope() {
	sed -n '1s/^Return-Path: <\(.*\)>$/\1/p' "$1"
}

# cl_rcpts FILE - how many RCPT commands the SMTP session that brought FILE
# sent (Postfix's own count in its disconnect log line; Postfix merges
# duplicate recipients, so the mailbox alone cannot show them)
cl_rcpts() {
	local qid pid end n=""
	qid=$(sed -n 's/^.* with ESMTPSA id \([0-9A-Za-z]*\).*$/\1/p' "$1" | head -n 1)
	[ -n "$qid" ] || return 0
	pid=$(sed -n "s/^.*smtpd\\[\\([0-9]*\\)\\]: $qid: client=.*\$/\\1/p" "$POSTFIX_LOG" | head -n 1)
	[ -n "$pid" ] || return 0
	end=$((SECONDS + WAIT_S))
	while :; do
		n=$(awk -v q="$qid: client=" -v p="smtpd[$pid]: disconnect from" '
			index($0, q) { on = 1; next }
			on && index($0, p) { if (match($0, / rcpt=[0-9]+/)) print substr($0, RSTART + 6, RLENGTH - 6); exit }' "$POSTFIX_LOG")
		{ [ -n "$n" ] || [ "$SECONDS" -gt "$end" ]; } && break
		sleep 0.1
	done
	echo "$n"
}

# cl_expect DESC FILE ENVELOPE FROM TO SUBJECT - one TAP line for the
# envelope and the header fields that matter; an empty TO or SUBJECT is
# not compared (the caller checks it otherwise)
cl_expect() {
	local desc=$1 f=$2 p=""
	if [ -z "$f" ] || [ ! -f "$f" ]; then
		not_ok "$desc" "no message arrived"
		return 0
	fi
	[ "$(cl_envelope "$f")" = "$3" ] || p="${p}Return-Path is <$(cl_envelope "$f")>, want <$3>
"
	[ "$(cl_field "$f" From)" = "$4" ] || p="${p}From: is '$(cl_field "$f" From)', want '$4'
"
	[ -z "$5" ] || [ "$(cl_field "$f" To)" = "$5" ] || p="${p}To: is '$(cl_field "$f" To)', want '$5'
"
	[ -z "$6" ] || [ "$(cl_field "$f" Subject)" = "$6" ] || p="${p}Subject: is '$(cl_field "$f" Subject)', want '$6'
"
	[ "$(cl_count "$f" Date)" = 1 ] || p="${p}$(cl_count "$f" Date) Date: fields, want 1
"
	[ "$(cl_count "$f" Message-ID)" = 1 ] || p="${p}$(cl_count "$f" Message-ID) Message-ID: fields, want 1
"
	cl_field "$f" Message-ID | grep -Eqx '<[^<>@ ]+@[^<>@ ]+>' || p="${p}Message-ID: is not <x@y>
"
	lacks '^(Resent-)?Bcc:' "$f" || p="${p}a Bcc: field was transmitted
"
	if [ -z "$p" ]; then ok "$desc"; else not_ok "$desc" "$p" "message:" "$(head -c 3000 "$f")"; fi
}

# cl_body_is DESC FILE EXPECTED - the body arrived byte for byte (LF ends)
cl_body_is() {
	if [ -n "$2" ] && cmp -s <(cl_body "$2") "$3"; then ok "$1"; else
		not_ok "$1" "body differs (< arrived, > sent):" "$(diff <(cl_body "$2" 2>/dev/null) "$3" | head -40)"
	fi
}

# cl_once DESC N USER... - each USER holds exactly one message, and the
# session sent N RCPT commands
cl_once() {
	local desc=$1 n=$2 u p="" f=""
	shift 2
	for u in "$@"; do
		f=$(wait_mail "$u")
		[ "$(mailbox_count "$u")" = 1 ] || p="${p}$u has $(mailbox_count "$u") messages
"
	done
	if [ -n "$f" ] && [ "$(cl_rcpts "$f")" != "$n" ]; then
		p="${p}the session sent $(cl_rcpts "$f") RCPT commands, want $n
"
	fi
	if [ -z "$p" ]; then ok "$desc"; else not_ok "$desc" "$p"; fi
}

# cl_as_captured DESC FILE INPUT - FILE is INPUT (what the caller wrote)
# with line ends made LF and only the From:, Date: and Message-ID: fields
# that INPUT lacks added at the end of the header block
cl_as_captured() {
	local desc=$1 f=$2 in=$3 name
	if [ -z "$f" ] || [ ! -f "$in" ]; then
		not_ok "$desc" "no message (or no capture of the input)"
		return 0
	fi
	{
		tr -d '\r' <"$in" | sed -n '/^$/q;p'
		for name in From Date Message-ID; do
			tr -d '\r' <"$in" | sed -n '/^$/q;p' | grep -qi "^$name:" ||
				delivered_body "$f" | sed -n '/^$/q;p' | grep -i -m 1 "^$name:" || true
		done
		echo
		tr -d '\r' <"$in" | sed '1,/^$/d'
	} >"$WORK/cl-expected"
	if cmp -s <(delivered_body "$f") "$WORK/cl-expected"; then ok "$desc"; else
		not_ok "$desc" "differs (< arrived, > expected):" "$(diff <(delivered_body "$f") "$WORK/cl-expected" | head -40)"
	fi
}

# cl_argv_is DESC FILE WORD... - the caller passed exactly these words
cl_argv_is() {
	local desc=$1 f=$2
	shift 2
	if [ -f "$f" ] && [ "$(cat "$f")" = "$(printf '%s\n' "$@")" ]; then ok "$desc"; else
		not_ok "$desc" "argv was:" "$(cat "$f" 2>/dev/null)"
	fi
}

# -------------------------------------------------- cron daemon: start now
CL_CRON_PID=
CL_CRON_CAP=$WORK/cl-cron-cap
if [ -x /usr/sbin/cron ] && cl_ns_ok; then
	CL_CRON_DIR=$WORK/cl-cron
	mkdir -p "$CL_CRON_DIR/crontabs" "$CL_CRON_DIR/cron.d"
	chmod 1730 "$CL_CRON_DIR/crontabs"
	: >"$CL_CRON_DIR/crontab"
	printf 'root: admin@postern.test\n' >"$WORK/cl-cron-aliases"
	CL_CRON_RC=$(config cl-cron "aliases $WORK/cl-cron-aliases")
	cl_capture_wrapper "$WORK/cl-cron-sendmail" "$CL_CRON_CAP" "$CL_CRON_RC"
	# the first job has no MAILTO: cron mails the bare owner name, "root";
	# the second has two addresses, which cron passes as one argv word
	printf '%s\n' '# postern test crontab' \
		'* * * * * echo "job for the owner"; echo .; echo "r'$'\xc3\xa9''sum'$'\xc3\xa9'' 8-bit"' \
		'MAILTO=cron@postern.test,www@postern.test' \
		'* * * * * echo "job for MAILTO"; echo; echo "..two dots"' >"$CL_CRON_DIR/crontabs/root"
	chmod 600 "$CL_CRON_DIR/crontabs/root"
	# cron runs sendmail as /usr/sbin/sendmail, reads /etc/crontab,
	# /etc/cron.d and /var/spool/cron/crontabs and locks /run/crond.pid:
	# all of these are replaced inside the namespace only.  timeout is the
	# bound if this file never gets to stop it; it leads its own process
	# group, so the kill below reaches cron and its jobs.
	timeout 240 unshare -m --propagation private sh -c '
		mount -t tmpfs tmpfs /run &&
		mount --bind "$1/cl-cron-sendmail" /usr/sbin/sendmail &&
		mount --bind "$2/crontabs" /var/spool/cron/crontabs &&
		mount --bind "$2/cron.d" /etc/cron.d &&
		mount --bind "$2/crontab" /etc/crontab &&
		exec /usr/sbin/cron -f -L 15' sh "$WORK" "$CL_CRON_DIR" >"$WORK/cl-cron.out" 2>&1 &
	CL_CRON_PID=$!
	CL_CRON_START=$(date +%s)
	CL_OLD_TRAP=$(trap -p EXIT)
	cl_cron_gone() {
		! kill -0 "$CL_CRON_PID" 2>/dev/null
	}
	cl_cron_stop() {
		local i
		[ -n "$CL_CRON_PID" ] || return 0
		kill -TERM -- "-$CL_CRON_PID" 2>/dev/null || true
		wait_until "$WAIT_S" cl_cron_gone || true
		kill -KILL -- "-$CL_CRON_PID" 2>/dev/null || true
		wait "$CL_CRON_PID" 2>/dev/null || true
		CL_CRON_PID=
	}
	trap 'cl_cron_stop; '"$(eval "set -- $CL_OLD_TRAP"; printf '%s' "${3:-}")" EXIT
fi

# ------------------------------------------------------------ PHP mail()
if command -v php >/dev/null; then
	# $CL_PARAMS, when set, is mail()'s fifth parameter
	CL_PHP='$p = getenv("CL_PARAMS");
		$a = array(getenv("CL_TO"), getenv("CL_SUBJ"), getenv("CL_BODY"), getenv("CL_HDRS"));
		if ($p !== false) $a[] = $p;
		echo mail(...$a) ? "mail() returned true\n" : "mail() returned false\n";'
	cl_php() { # cl_php SENDMAIL_PATH - run mail() through sh -c SENDMAIL_PATH
		set +e
		timeout 60 php -d sendmail_path="$1" -d display_errors=stderr -r "$CL_PHP" </dev/null >"$WORK/out" 2>"$WORK/err"
		RC=$?
		set -e
		OUT=$(cat "$WORK/out")
		ERR=$(cat "$WORK/err")
	}

	# PHP's own headers end in CRLF; the application's body is copied as
	# it is, here LF and CRLF lines mixed, a lone dot, a dot line, 8 bits
	cl_fresh
	export CL_TO=bob@postern.test CL_SUBJ="PHP mail() test"
	export CL_HDRS=$'From: Alice Example <alice@postern.test>\r\nCc: carol@postern.test\r\nBcc: dave@postern.test\r\nX-Mailer: postern-test'
	export CL_BODY=$'line one\nline two (CRLF)\r\n.\n.leading dot\n\xc3\xa9t\xc3\xa9 8-bit\nlast'
	printf 'line one\nline two (CRLF)\n.\n.leading dot\n\xc3\xa9t\xc3\xa9 8-bit\nlast\n' >"$WORK/cl-php.body"
	cl_php "$POSTERN -C $CL_RC -t -i"
	if [ "$OUT" = "mail() returned true" ]; then ok "PHP mail() with sendmail_path '-t -i' returns true"; else
		not_ok "PHP mail() with sendmail_path '-t -i' returns true" "stdout: $OUT" "stderr: $ERR"; fi
	f=$(wait_mail bob)
	cl_expect "PHP mail(): envelope, From, To, Subject, Date, Message-ID, no Bcc" "$f" \
		alice@postern.test "Alice Example <alice@postern.test>" bob@postern.test "PHP mail() test"
	check "PHP mail(): Cc and the other headers arrive" test "$(cl_field "$f" Cc)" = carol@postern.test -a "$(cl_field "$f" X-Mailer)" = postern-test
	cl_body_is "PHP mail(): the mixed LF/CRLF body arrives byte for byte" "$f" "$WORK/cl-php.body"
	cl_once "PHP mail(): To, Cc and Bcc recipients receive one copy each" 3 bob carol dave
	check "PHP mail(): no copy shows the Bcc header" lacks '^Bcc:' "$(wait_mail bob)" "$(wait_mail carol)" "$(wait_mail dave)"

	# the fifth parameter: PHP appends "-fbounce@postern.test" as one word
	cl_fresh
	export CL_PARAMS=-fbounce@postern.test CL_HDRS="X-Mailer: postern-test" CL_SUBJ="PHP mail() with -f"
	cl_php "$POSTERN -C $CL_RC -t -i"
	unset CL_PARAMS
	if [ "$OUT" = "mail() returned true" ]; then ok "PHP mail() with a fifth parameter -fADDR returns true"; else
		not_ok "PHP mail() with a fifth parameter -fADDR returns true" "stdout: $OUT" "stderr: $ERR"; fi
	f=$(wait_mail bob)
	cl_expect "PHP mail() -f: Return-Path is bounce@, the added From is the envelope sender" "$f" \
		bounce@postern.test bounce@postern.test bob@postern.test "PHP mail() with -f"
	cl_body_is "PHP mail() -f: body intact" "$f" "$WORK/cl-php.body"

	# a failing send (wrong password): mail() must return false
	cl_fresh
	CL_RC_BAD=$(config cl-badpass "password wrong")
	export CL_SUBJ="PHP mail() failing"
	cl_php "$POSTERN -C $CL_RC_BAD -t -i"
	if [ "$OUT" = "mail() returned false" ]; then ok "PHP mail() returns false when postern cannot authenticate"; else
		not_ok "PHP mail() returns false when postern cannot authenticate" "stdout: $OUT" "stderr: $ERR"; fi
	expect_err 'auth|535' "the reason reaches PHP's stderr"
	check "nothing is delivered after the failure" no_mail bob
	unset CL_TO CL_SUBJ CL_HDRS CL_BODY
else
	cl_missing "php not installed" 12
fi

# ------------------------------------------------------------- bsd-mailx
if command -v bsd-mailx >/dev/null; then
	# bsd-mailx takes its mail program from the "sendmail" variable (man
	# mailx, "Mail options"), set here in a private MAILRC; -n skips
	# /etc/mail.rc; HOME is private so that a dead.letter stays in $WORK
	mkdir -p "$WORK/cl-mailx"
	printf 'set sendmail=%s\n' "$CL_SENDMAIL" >"$WORK/cl-mailx/mailrc"
	cl_mailx() { # cl_mailx INPUT ARGS... - bsd-mailx as a script runs it
		local in=$1
		shift
		set +e
		HOME=$WORK/cl-mailx MAILRC=$WORK/cl-mailx/mailrc timeout 60 bsd-mailx -n "$@" <"$in" >"$WORK/out" 2>"$WORK/err"
		RC=$?
		set -e
		ERR=$(cat "$WORK/err")
	}
	cl_fresh
	printf 'mailx body\n.\n..two dots\nlast line\n' >"$WORK/cl-mailx.body"
	cl_mailx "$WORK/cl-mailx.body" -s "mailx subject" -c carol@postern.test -b dave@postern.test bob@postern.test
	expect_rc 0 "bsd-mailx -s -c -b through the sendmail variable"
	f=$(wait_mail bob)
	cl_expect "bsd-mailx: envelope, From added, To, Subject, Date, Message-ID, no Bcc" "$f" \
		alice@postern.test alice@postern.test bob@postern.test "mailx subject"
	check "bsd-mailx: Cc arrives" test "$(cl_field "$f" Cc)" = carol@postern.test
	cl_body_is "bsd-mailx: body (lone dot, dot line) intact" "$f" "$WORK/cl-mailx.body"
	cl_once "bsd-mailx: To, Cc and the Bcc recipient receive one copy each" 3 bob carol dave
	check "bsd-mailx: the Bcc line it writes to stdin is in no copy" lacks '^Bcc:' "$(wait_mail bob)" "$(wait_mail carol)" "$(wait_mail dave)"

	# -r 'Name <addr>': bsd-mailx passes -f addr and writes the From itself;
	# a raw UTF-8 subject and an 8-bit body
	cl_fresh
	printf 'caf\xc3\xa9 au lait\n' >"$WORK/cl-mailx8.body"
	cl_mailx "$WORK/cl-mailx8.body" -r 'Bounce Desk <bounce@postern.test>' -s $'r\xc3\xa9sum\xc3\xa9 du jour' erin@postern.test
	expect_rc 0 "bsd-mailx -r 'Name <addr>' with a raw UTF-8 subject"
	f=$(wait_mail erin)
	cl_expect "bsd-mailx -r: Return-Path and From are mailx's, raw UTF-8 Subject intact" "$f" \
		bounce@postern.test "Bounce Desk <bounce@postern.test>" erin@postern.test $'r\xc3\xa9sum\xc3\xa9 du jour'
	cl_body_is "bsd-mailx -r: 8-bit body intact" "$f" "$WORK/cl-mailx8.body"
else
	cl_missing "bsd-mailx not installed" 9
fi

# ---------------------------------------------------------------- s-nail
if command -v s-nail >/dev/null && command -v python3 >/dev/null; then
	mkdir -p "$WORK/cl-snail"
	cl_snail() { # cl_snail INPUT ARGS...
		local in=$1
		shift
		set +e
		HOME=$WORK/cl-snail LC_ALL=C.UTF-8 timeout 60 s-nail -n -S mta="$CL_SENDMAIL" -S sendwait -S ttycharset=utf-8 "$@" <"$in" >"$WORK/out" 2>"$WORK/err"
		RC=$?
		set -e
		ERR=$(cat "$WORK/err")
	}
	cl_decoded() { # cl_decoded TEXT - an RFC 2047 header value, decoded
		python3 -c 'import sys, email.header as h; print(str(h.make_header(h.decode_header(sys.argv[1]))))' "$1"
	}
	cl_fresh
	printf 'snail body\n.\n.dot line\nend\n' >"$WORK/cl-snail.body"
	cl_snail "$WORK/cl-snail.body" -s $'caf\xc3\xa9 \xe2\x82\xac subject' bob@postern.test
	expect_rc 0 "s-nail -S mta=WRAPPER (argv: -i -- rcpt), UTF-8 subject"
	f=$(wait_mail bob)
	cl_expect "s-nail: envelope, From added, To, Date, Message-ID added, no Bcc" "$f" \
		alice@postern.test alice@postern.test bob@postern.test ""
	subj=$(cl_field "$f" Subject)
	if case $subj in *=\?[uU][tT][fF]-8\?*) true ;; *) false ;; esac && [ "$(cl_decoded "$subj")" = $'caf\xc3\xa9 \xe2\x82\xac subject' ]; then
		ok "s-nail: the RFC 2047 subject arrives and decodes to the UTF-8 text"
	else
		not_ok "s-nail: the RFC 2047 subject arrives and decodes to the UTF-8 text" "Subject: $subj"
	fi
	cl_body_is "s-nail: body intact" "$f" "$WORK/cl-snail.body"

	# -r 'Name <addr>': s-nail passes -F Name -f addr and writes From and
	# Message-ID itself; Cc and Bcc go on argv, no Bcc field is written
	cl_fresh
	cl_snail "$WORK/cl-snail.body" -r 'Alice Example <alice@postern.test>' -s "s-nail with -r" \
		-c carol@postern.test -b dave@postern.test bob@postern.test
	expect_rc 0 "s-nail -r 'Name <addr>' -c -b (argv: -i -F Name -f addr -- rcpts)"
	f=$(wait_mail bob)
	cl_expect "s-nail -r: s-nail's own From and Message-ID are kept, not doubled" "$f" \
		alice@postern.test "Alice Example <alice@postern.test>" bob@postern.test "s-nail with -r"
	cl_body_is "s-nail -r: body intact" "$f" "$WORK/cl-snail.body"
	cl_once "s-nail -r: To, Cc and Bcc recipients receive one copy each" 3 bob carol dave
else
	cl_missing "s-nail (or python3) not installed" 8
fi

# -------------------------------------------------------- git send-email
if command -v git >/dev/null && [ -x "$(git --exec-path 2>/dev/null)/git-send-email" ] && perl -MMail::Address -e 1 2>/dev/null; then
	CL_GIT=$WORK/cl-git
	mkdir -p "$CL_GIT/home" "$CL_GIT/repo"
	(
		cd "$CL_GIT/repo"
		export HOME=$CL_GIT/home GIT_CONFIG_NOSYSTEM=1
		git init -q .
		git config user.name Alice
		git config user.email alice@postern.test
		printf 'first line\n.\n  indented\nr\xc3\xa9sum\xc3\xa9\n' >file.txt
		git add file.txt
		git commit -q -m "Add file.txt" -m "A body for the commit message."
		git format-patch -q -1 -o "$CL_GIT/patches"
	) >"$WORK/out" 2>&1 || sed 's/^/# /' "$WORK/out"
	CL_PATCH=$(cl_first "$CL_GIT"/patches/*.patch)
	sed '1,/^$/d' "${CL_PATCH:-/dev/null}" >"$WORK/cl-git.body"
	cl_git() { # cl_git SENDMAIL-CMD
		set +e
		(cd "$CL_GIT/repo" && HOME=$CL_GIT/home GIT_CONFIG_NOSYSTEM=1 timeout 60 git send-email \
			--to=bob@postern.test --cc=carol@postern.test --confirm=never --8bit-encoding=UTF-8 \
			--sendmail-cmd="$1" --from="Alice <alice@postern.test>" \
			--envelope-sender=alice@postern.test "$CL_PATCH") </dev/null >"$WORK/out" 2>"$WORK/err"
		RC=$?
		set -e
		ERR=$(cat "$WORK/err")
	}
	# git also adds the author (alice) as a Cc; argv: -f alice -i bob carol alice
	for cl_cmd in "$CL_SENDMAIL" "$CL_SENDMAIL -t"; do
		cl_fresh
		cl_git "$cl_cmd"
		cl_what="git send-email --sendmail-cmd='WRAPPER${cl_cmd#"$CL_SENDMAIL"}'"
		expect_rc 0 "$cl_what"
		f=$(wait_mail carol)
		cl_expect "$cl_what: envelope, From, To, Subject, git's Date and Message-Id only" "$f" \
			alice@postern.test "Alice <alice@postern.test>" bob@postern.test "[PATCH] Add file.txt"
		cl_body_is "$cl_what: the patch body arrives intact" "$f" "$WORK/cl-git.body"
		cl_once "$cl_what: bob, carol and alice receive one copy each" 3 alice bob carol
	done
else
	cl_missing "git send-email (git, git-email, libmailtools-perl) not installed" 8
fi

# -------------------------------------------------------------- logwatch
if command -v logwatch >/dev/null && cl_ns_ok; then
	# logwatch reads its mailer from /etc/logwatch/conf/logwatch.conf only
	# (no option names another file): a private copy of that directory is
	# bound over it inside a mount namespace.  A report with nothing in it
	# is not mailed at all (just after midnight, or on a fresh machine,
	# "today" has no log lines): only the zz-sys service runs, which
	# describes the machine and always has something to say
	CL_LW=$WORK/cl-logwatch
	mkdir -p "$CL_LW/conf"
	cp -R /etc/logwatch/conf/. "$CL_LW/conf/" 2>/dev/null || true
	cl_capture_wrapper "$CL_LW/sendmail" "$CL_LW/cap" "$CL_RC"
	printf 'mailer = "%s -t"\n' "$CL_LW/sendmail" >"$CL_LW/conf/logwatch.conf"
	cl_fresh
	set +e
	timeout 60 unshare -m --propagation private sh -c 'mount --bind "$1" /etc/logwatch/conf &&
		exec logwatch --output mail --mailto bob@postern.test --range today --detail low \
			--service zz-sys' sh "$CL_LW/conf" \
		</dev/null >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
	expect_rc 0 "logwatch --output mail --mailto bob@postern.test (mailer WRAPPER -t)"
	f=$(wait_mail bob)
	cl_cap=$(cl_first "$CL_LW"/cap/*.argv)
	cl_argv_is "logwatch calls sendmail with -t only" "$cl_cap" -t
	cl_expect "logwatch: envelope, To, Date and Message-ID added, no Bcc" "$f" \
		alice@postern.test root bob@postern.test ""
	check "logwatch: its subject and report arrive" test -n "$f" -a -n "$(cl_field "${f:-/dev/null}" Subject | grep -E '^Logwatch for .+ \(.+\)$')" -a \
		-n "$(grep -E '#+ Logwatch [0-9.]+' "${f:-/dev/null}")" -a -n "$(grep 'Processing Initiated' "${f:-/dev/null}")"
	cl_as_captured "logwatch: what arrived is what logwatch wrote, Date and Message-ID added" "$f" "${cl_cap%.argv}.in"
else
	if command -v logwatch >/dev/null; then
		cl_missing "logwatch needs a mount namespace (unshare -m failed)" 5
	else
		cl_missing "logwatch not installed" 5
	fi
fi

# ------------------------------------------------- cron daemon: collect
if [ -n "$CL_CRON_PID" ]; then
	# the jobs run at the next minute (or, for a cron slow to start on a
	# busy machine, the one after): wait at most 150 s from cron's start
	cl_left=$((CL_CRON_START + 150 - $(date +%s)))
	[ "$cl_left" -gt 1 ] || cl_left=1
	"$top_srcdir/tests/smarthost" wait-mail "$SMARTHOST_DIR" admin 1 "$cl_left" >/dev/null || true
	"$top_srcdir/tests/smarthost" wait-mail "$SMARTHOST_DIR" www 1 "$WAIT_S" >/dev/null || true
	"$top_srcdir/tests/smarthost" wait-mail "$SMARTHOST_DIR" cron 1 "$WAIT_S" >/dev/null || true
	cl_cron_stop
	eval "${CL_OLD_TRAP:-trap - EXIT}"
	# which capture is which job: the last argv word is the recipient
	cl_owner_cap='' cl_list_cap=''
	for a in "$CL_CRON_CAP"/*.argv; do
		[ -f "$a" ] || continue
		case $(tail -n 1 "$a") in
		root) [ -n "$cl_owner_cap" ] || cl_owner_cap=${a%.argv} ;;
		cron@postern.test,www@postern.test) [ -n "$cl_list_cap" ] || cl_list_cap=${a%.argv} ;;
		esac
	done
	fa=$("$top_srcdir/tests/smarthost" wait-mail "$SMARTHOST_DIR" admin 1 1 | head -n 1) || true
	cl_argv_is "cron (the daemon) runs sendmail -FCronDaemon -i -B8BITMIME -oem root" "${cl_owner_cap:-none}.argv" \
		-FCronDaemon -i -B8BITMIME -oem root
	cl_expect "cron: bare 'root' through the aliases file; From root (Cron Daemon), Date and Message-ID added" "${fa:-}" \
		alice@postern.test "root (Cron Daemon)" root ""
	check "cron: Subject is 'Cron <root@host> command'" has '^Subject: Cron <root@[^>]+> echo "job for the owner"' "${fa:-/dev/null}"
	printf 'job for the owner\n.\nr\xc3\xa9sum\xc3\xa9 8-bit\n' >"$WORK/cl-cron1.body"
	cl_body_is "cron: the job's output (lone dot, 8-bit) is the body" "${fa:-}" "$WORK/cl-cron1.body"
	cl_as_captured "cron: what arrived is what cron wrote (MIME, X-Cron-Env), Date and Message-ID added" "${fa:-}" "${cl_owner_cap:-none}.in"

	fw=$("$top_srcdir/tests/smarthost" wait-mail "$SMARTHOST_DIR" www 1 1 | head -n 1) || true
	fc=$("$top_srcdir/tests/smarthost" wait-mail "$SMARTHOST_DIR" cron 1 1 | head -n 1) || true
	cl_argv_is "cron passes MAILTO=a@x,b@y as one argv word" "${cl_list_cap:-none}.argv" \
		-FCronDaemon -i -B8BITMIME -oem cron@postern.test,www@postern.test
	cl_expect "cron MAILTO list: envelope, From, To, Date, Message-ID" "${fw:-}" \
		alice@postern.test "root (Cron Daemon)" cron@postern.test,www@postern.test ""
	check "cron MAILTO list: both addresses receive it, once, in one transaction" test -n "${fc:-}" -a -n "${fw:-}" -a \
		"$(cl_rcpts "${fw:-/dev/null}")" = 2 -a "$(cl_field "${fc:-/dev/null}" Message-ID)" = "$(cl_field "${fw:-/dev/null}" Message-ID)"
	cl_as_captured "cron MAILTO list: what arrived is what cron wrote, Date and Message-ID added" "${fw:-}" "${cl_list_cap:-none}.in"
	if [ -z "$fa$fw" ]; then
		printf '%s\n' "cron's output:" | sed 's/^/# /'
		sed 's/^/#   /' "$WORK/cl-cron.out" | head -20
	fi
else
	if [ -x /usr/sbin/cron ]; then
		cl_missing "the cron daemon needs a mount namespace (unshare -m failed)" 9
	else
		cl_missing "cron not installed" 9
	fi
	# a faithful replay instead: Debian cron's argv and message bytes, the
	# bare owner name mapped through an aliases file, MAILTO as one word
	printf 'root: admin@postern.test\n' >"$WORK/cl-cron-aliases"
	CL_CRON_RC=$(config cl-cron "aliases $WORK/cl-cron-aliases")
	cl_fresh
	for u in admin cron www; do find "$MAILDIR_BASE/$u/new" "$MAILDIR_BASE/$u/cur" -type f -delete 2>/dev/null || true; done
	printf 'From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@%s> echo replay\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\nX-Cron-Env: <SHELL=/bin/sh>\nX-Cron-Env: <HOME=/root>\nX-Cron-Env: <PATH=/usr/bin:/bin>\nX-Cron-Env: <LOGNAME=root>\n\nreplay\n.\nr\xc3\xa9sum\xc3\xa9\n' \
		"$(hostname)" >"$WORK/cl-cron-replay"
	run_postern "$WORK/cl-cron-replay" -C "$CL_CRON_RC" -FCronDaemon -i -B8BITMIME -oem root
	expect_rc 0 "cron replay: -FCronDaemon -i -B8BITMIME -oem root"
	fa=$(wait_mail admin)
	cl_expect "cron replay: root through aliases, From root (Cron Daemon), Date and Message-ID added" "$fa" \
		alice@postern.test "root (Cron Daemon)" root ""
	cl_as_captured "cron replay: the message arrives as cron wrote it" "$fa" "$WORK/cl-cron-replay"
	sed 's/^To: root$/To: cron@postern.test,www@postern.test/' "$WORK/cl-cron-replay" >"$WORK/cl-cron-replay2"
	run_postern "$WORK/cl-cron-replay2" -C "$CL_CRON_RC" -FCronDaemon -i -B8BITMIME -oem cron@postern.test,www@postern.test
	expect_rc 0 "cron replay: MAILTO=a@x,b@y as one argv word"
	fw=$(wait_mail www)
	check "cron replay: both MAILTO addresses receive it once" test -n "$(wait_mail cron)" -a "$(cl_rcpts "$fw")" = 2
fi
