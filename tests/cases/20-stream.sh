# 20-stream.sh - line endings, dots and size: what arrives is what was read.

RC_FILE=$(config stream)

body_case() { # body_case DESC PRINTF-FORMAT [postern args]
	local desc=$1 fmt=$2
	shift 2
	fresh
	printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: %s\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <s%s@postern.test>\n\n' "$desc" "$TAP_N" >"$WORK/s"
	printf "$fmt" >>"$WORK/s"
	run_postern "$WORK/s" -C "$RC_FILE" "$@" bob@postern.test
	expect_rc 0 "$desc: sent"
	local f
	f=$(wait_mail bob)
	check "$desc: arrives intact" same_as_sent "$f" "$WORK/s"
}

body_case "a body line that is only '.' (with -i)" 'one\n.\ntwo\n' -i
body_case "lines starting with '.'" '.hidden\n..two dots\n. space\n' -i
body_case "LF-only input" 'a\nb\nc\n'
body_case "no final newline" 'last line without newline'

fresh
printf 'From: alice@postern.test\r\nTo: bob@postern.test\r\nSubject: crlf\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <crlf@postern.test>\r\n\r\nline one\r\nline two\r\n' >"$WORK/crlf"
run_postern "$WORK/crlf" -C "$RC_FILE" bob@postern.test
expect_rc 0 "CRLF input"
check "CRLF input arrives intact" same_as_sent "$(wait_mail bob)" "$WORK/crlf"

# without -i, a "." line from a pipe does NOT end the message (postern's
# choice: a report is never cut short); dot_ends_input on restores sendmail
fresh
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: dot ends\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <dot@postern.test>\n\nkept\n.\nstill part of the message\n' >"$WORK/dot"
run_postern "$WORK/dot" -C "$RC_FILE" -t
expect_rc 0 "logwatch-style -t without -i, a '.' line in the body"
f=$(wait_mail bob)
check "without -i the whole report arrives, '.' line included" same_as_sent "$f" "$WORK/dot"
fresh
RC_DOT=$(config dot "dot_ends_input on")
run_postern "$WORK/dot" -C "$RC_DOT" -t
expect_rc 0 "dot_ends_input on"
f=$(wait_mail bob)
check "with dot_ends_input on the text before the '.' line arrives" has '^kept$' "$f"
check "with dot_ends_input on a '.' line ends the message" lacks 'still part' "$f"

# smuggling look-alikes: exactly one message, the fake commands stay text
fresh
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: smuggle\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <smuggle@postern.test>\n\nhead\n.\r\nMAIL FROM:<evil@postern.test>\r\nRCPT TO:<carol@postern.test>\r\nDATA\r\nsmuggled\r\n.\r\nend\n' >"$WORK/smuggle"
run_postern "$WORK/smuggle" -C "$RC_FILE" -i bob@postern.test
expect_rc 0 "body with a fake SMTP transcript after a '.' line"
f=$(wait_mail bob)
check "the fake transcript arrives as text of the one message" has '^RCPT TO:<carol@postern.test>$' "$f"
check "the text after the fake transcript arrives too" has '^end$' "$f"
check "no second message was smuggled" no_mail carol

# 10 MB message: arrives intact
fresh
{
	printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: big\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <big@postern.test>\n\n'
	i=0
	while [ $i -lt 2000 ]; do
		printf '.%04d %s\n' "$i" "$(printf 'x%.0s' $(seq 1 100))"
		i=$((i + 1))
	done >"$WORK/chunk"
	for j in $(seq 1 50); do cat "$WORK/chunk"; done
} >"$WORK/big"
run_postern "$WORK/big" -C "$RC_FILE" bob@postern.test
expect_rc 0 "a 10 MB message"
check "the 10 MB message arrives byte for byte" same_as_sent "$(wait_mail bob 1 30)" "$WORK/big"

# from a pipe the same message goes through the temporary file; a regular
# file is read where it is, so it needs no temporary directory at all
fresh
run_postern_pipe "$WORK/big" -C "$RC_FILE" bob@postern.test
expect_rc 0 "a 10 MB message from a pipe"
check "the 10 MB message from a pipe arrives byte for byte" same_as_sent "$(wait_mail bob 1 30)" "$WORK/big"
fresh
TMPDIR=$WORK/no-such-dir run_postern "$WORK/big" -C "$RC_FILE" bob@postern.test
expect_rc 0 "a 10 MB message from a file, TMPDIR missing: no temporary file is needed"
check "... and it arrives byte for byte" same_as_sent "$(wait_mail bob 1 30)" "$WORK/big"
fresh
TMPDIR=$WORK/no-such-dir run_postern_pipe "$WORK/big" -C "$RC_FILE" bob@postern.test
expect_rc 74 "the same from a pipe, TMPDIR missing: the temporary file cannot be made"
expect_err "cannot create a temporary file in $WORK/no-such-dir" "... and stderr says where"
check "... and nothing is sent" no_mail bob

# a file whose offset is not at its start: the message is what follows
fresh
{
	printf 'a line the caller has read already\n'
	printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: offset\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <offset@postern.test>\n\nbody\n'
} >"$WORK/offset"
tail -n +2 "$WORK/offset" >"$WORK/offset.msg"
set +e
{ read -r _skip; timeout 60 "$POSTERN" -C "$RC_FILE" bob@postern.test >"$WORK/out" 2>"$WORK/err"; } <"$WORK/offset"
RC=$?
set -e
ERR=$(cat "$WORK/err")
expect_rc 0 "a file on stdin whose offset is past a line the caller read"
check "only what follows the offset arrives" same_as_sent "$(wait_mail bob)" "$WORK/offset.msg"
