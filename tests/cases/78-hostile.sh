# 78-hostile.sh - odd and hostile input: a documented outcome for each, and
# never a crash, a hang, or a message other than the one read.

RC_H=$(config hostile)

fresh
: >"$WORK/empty"
run_postern "$WORK/empty" -C "$RC_H" bob@postern.test
expect_rc 0 "empty input is sent as an empty message"
f=$(wait_mail bob)
check "the empty message gets From, Date and Message-ID" has '^Message-ID: ' "$f"

fresh
printf 'To: bob@postern.test\nSubject: headers only, no blank line, no final newline' >"$WORK/honly"
run_postern "$WORK/honly" -C "$RC_H" -t
expect_rc 0 "a header block without a body or final newline"
check "its Subject arrives whole" has '^Subject: headers only, no blank line, no final newline$' "$(wait_mail bob)"

# lines longer than 998 octets are delivered intact, never cut
fresh
long_h=$(head -c 3000 /dev/zero | tr '\0' 'h')
long_b=$(head -c 5000 /dev/zero | tr '\0' 'b')
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: long\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <long@postern.test>\nX-Long: %s\n\n%s\nend\n' "$long_h" "$long_b" >"$WORK/long"
run_postern "$WORK/long" -C "$RC_H" -t
expect_rc 0 "3000-octet header line and 5000-octet body line"
check "both long lines arrive intact" same_as_sent "$(wait_mail bob)" "$WORK/long"

# CR, LF and NUL in envelope addresses are refused: no command injection
run_postern "$WORK/long" -C "$RC_H" $'bob@postern.test\r\nRCPT TO:<carol@postern.test>'
expect_rc 65 "CR LF in an argv recipient"
run_postern "$WORK/long" -C "$RC_H" -f $'alice@postern.test\nRSET' bob@postern.test
expect_rc 65 "LF in the -f sender"
printf 'To: bob@postern.test,\n carol@postern.test\nBcc: a\rb@postern.test\nSubject: x\n\nx\n' >"$WORK/crhdr"
run_postern "$WORK/crhdr" -C "$RC_H" -t
expect_rc 65 "a bare CR inside a To/Cc/Bcc address"
check "nothing is delivered for refused input" no_mail carol

# a 100 kB address
big=$(head -c 102400 /dev/zero | tr '\0' 'x')
run_postern "$WORK/long" -C "$RC_H" "$big@postern.test"
expect_rc 65 "a 100 kB recipient address"
expect_one_line "the 100 kB address gives one line"

# more recipients than the server takes in one transaction: the 100 it
# defers (452 4.5.3) go in a second transaction on the same connection
# (74-split.sh counts each recipient's copy)
fresh
rcpts=$(for i in $(seq 1 1100); do printf 'bob+%d@postern.test ' "$i"; done)
# shellcheck disable=SC2086
run_postern "$WORK/long" -C "$RC_H" -v $rcpts
expect_rc 0 "1100 recipients where Postfix takes 1000 (452 4.5.3): delivered"
check "... in two transactions on one connection" \
	test "$(grep -c '^--- connected to' "$WORK/err")/$(grep -c '^--> MAIL FROM' "$WORK/err")" = 1/2
check "... and the message arrived" test -n "$(wait_mail bob)"

# stdin that cannot be read
set +e
"$POSTERN" -C "$RC_H" bob@postern.test <"$WORK" >/dev/null 2>"$WORK/err"
RC=$?
set -e
ERR=$(cat "$WORK/err")
expect_rc 74 "standard input is a directory"
expect_err "cannot read the message" "the read error is named"

# a log file that is a device is refused at once; delivery goes on
fresh
run_postern "$WORK/long" -C "$(config devlog "logfile /dev/full")" bob@postern.test
expect_rc 0 "logfile that is a device (/dev/full)"
expect_err "cannot open log file /dev/full: not a regular file" "the refused log file is reported"
check "the message is delivered anyway" test -n "$(wait_mail bob)"

# a log file on a full disk (a full tmpfs in a private mount namespace)
# does not stop delivery
if command -v unshare >/dev/null && unshare -m --propagation private true 2>/dev/null; then
	fresh
	mkdir -p "$WORK/fullfs"
	RC_FULL=$(config fulllog "logfile $WORK/fullfs/postern.log")
	set +e
	timeout 60 unshare -m --propagation private sh -c \
		'mount -t tmpfs -o size=16k tmpfs "$1" && { dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null; shift; exec "$@"; }' \
		sh "$WORK/fullfs" "$POSTERN" -C "$RC_FULL" bob@postern.test <"$WORK/long" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
	expect_rc 0 "logfile on a full disk"
	expect_err "cannot write log file $WORK/fullfs/postern.log" "the log failure is reported"
	check "the message is delivered anyway" test -n "$(wait_mail bob)"
elif [ "${CI:-}" = true ]; then
	not_ok "logfile on a full disk: no private mount namespace (unshare -m)"
else
	ok "# SKIP logfile on a full disk: no private mount namespace (unshare -m)"
fi

# a caller that stops reading our stdout/stderr, or closes stdin early, is
# no reason to die (SIGPIPE is ignored)
fresh
set +e
printf 'To: bob@postern.test\nSubject: pipe\n\nbody\n' | "$POSTERN" -C "$RC_H" -t -v 2>&1 | head -c 10 >/dev/null
set -e
check "a closed stderr pipe does not lose the message" test -n "$(wait_mail bob)"

# a 2 GiB message: memory stays flat (the input spills to an unlinked
# temporary file, the body is streamed in 64 KiB blocks)
tmpfree=$(df -Pk "${TMPDIR:-/tmp}" | awk 'NR == 2 { print $4 }')
if [ "${tmpfree:-0}" -lt 3000000 ]; then
	ok "# SKIP 2 GiB message: less than 3 GB free in ${TMPDIR:-/tmp}"
else
	if nm "$POSTERN" 2>/dev/null | grep -q __asan_init; then mb=256 cap=400000; else mb=2048 cap=40000; fi
	out=$(python3 "$top_srcdir/tests/helpers/bigsend.py" "$POSTERN" "$mb")
	check "a $mb MiB message is sent whole (exit 0, every byte)" test "${out##*exit=}" = 0 -a \
		"$(echo "$out" | sed 's/.*bytes=\([0-9]*\).*/\1/')" -gt $((mb * 1048576))
	rss=$(echo "$out" | sed 's/.*maxrss_kb=\([0-9]*\).*/\1/')
	check "memory stays flat for $mb MiB (max RSS ${rss} kB < $cap kB)" test "$rss" -lt "$cap"
fi
