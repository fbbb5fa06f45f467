# 75-deadletter.sh - nothing lost: dead letters, --resend, bounded retry.

DL="$WORK/dead"
port_down=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: dead letter\n\nline one\r\n.\nbinary \xff\xfe tail' >"$WORK/dl.msg"

RC_DL=$(config dl "account dldown : sub
port $port_down
dead_letter $DL")
run_postern "$WORK/dl.msg" -C "$RC_DL" -a dldown -t
expect_rc 75 "smarthost down with dead_letter set"
expect_err "; the message was kept in $DL/new/" "the error line says where the message was kept"
expect_one_line "still one line on stderr"
kept=$(find "$DL/new" -type f | head -n 1)
check "the dead letter is the input byte for byte" cmp -s "$kept" "$WORK/dl.msg"
check "no temporary file is left in tmp/" test -d "$DL/tmp" -a -z "$(find "$DL/tmp" -type f)"
side="$DL/postern/$(basename "$kept")"
check "the sidecar keeps the envelope and the reason" has '^rcpt=bob@postern.test$' "$side"
check "the sidecar names the failure" has '^exitcode=EX_TEMPFAIL$' "$side"
check "the sidecar names the account" has '^account=dldown$' "$side"

# the documented one-line command sends it again, through a working account
fresh
run_postern /dev/null -C "$RC_DL" -a sub --resend "$kept"
expect_rc 0 "postern --resend FILE"
f=$(wait_mail bob)
check "the resent message arrives" test -n "$f"
check "its body is what was read the first time" body_has "$f" '^binary .* tail$'
check "the lone '.' line of the original survives the resend" body_has "$f" '^\.$'
check "a delivered dead letter and its sidecar are removed" test ! -e "$kept" -a ! -e "$side"

# failures at other steps keep the message too: refused recipient, bad auth
RC_DL2=$(config dl2 "dead_letter $DL
account dlbad : sub
password wrong
dead_letter $DL")
sed -i "s|^password \"$SASL_PASS\"\$|&|" "$RC_DL2"
run_postern "$WORK/dl.msg" -C "$RC_DL2" ghost@postern.test
expect_rc 67 "unknown recipient with dead_letter"
expect_err "kept in $DL/new/" "a refused recipient keeps the message"
run_postern "$WORK/dl.msg" -C "$RC_DL2" -a dlbad bob@postern.test
expect_rc 77 "wrong password with dead_letter"
expect_err "kept in $DL/new/" "an authentication failure keeps the message"
run_postern "$WORK/dl.msg" -C "$RC_DL2" -a dlbad
expect_rc 64 "no recipients with dead_letter"
expect_err "kept in $DL/new/" "a message without recipients is kept"
printf 'Subject: nul\0x\n\na\n' >"$WORK/nul.msg"
run_postern "$WORK/nul.msg" -C "$RC_DL2" bob@postern.test
expect_rc 65 "a NUL byte in the header block with dead_letter"
expect_err "NUL.*kept in $DL/new/" "a refused NUL message is kept"
nulkept=$(grep -l 'nul' "$DL"/new/* | head -n 1)
check "the NUL message is kept byte for byte" cmp -s "$nulkept" "$WORK/nul.msg"
check "every dead letter has its sidecar" test "$(ls "$DL/new" | wc -l)" = "$(ls "$DL/postern" | wc -l)"

# the log names the dead letter
RC_DLL=$(config dll "account dlldown : sub
port $port_down
dead_letter $DL
logfile $WORK/dl.log")
run_postern "$WORK/dl.msg" -C "$RC_DLL" -a dlldown bob@postern.test
check "the log line names the dead letter" has "deadletter=$DL/new/[^ ]+ exitcode=EX_TEMPFAIL\$" "$WORK/dl.log"

# bounded retry: a connection refused is tried again, then given up
RC_RT=$(config rt "account rtdown : sub
port $port_down
retry 2
retry_delay 1
retry_max_time 30")
start=$(date +%s)
run_postern "$WORK/dl.msg" -C "$RC_RT" -a rtdown -v bob@postern.test
expect_rc 75 "retry 2 against a server that stays down"
check "two retries were made" test "$(grep -c 'trying again in' "$WORK/err")" = 2
check "retries back off (1 s then 2 s, with jitter) within the bound" test $(($(date +%s) - start)) -ge 1 -a $(($(date +%s) - start)) -lt 30
RC_RT2=$(config rt2 "account rtbudget : sub
port $port_down
retry 5
retry_delay 1
retry_max_time 2")
# the first wait (0.5 to 1.5 s) fits in 2 s, the third (2 to 6 s) never
# does: one or two retries, never none and never the five asked for
run_postern "$WORK/dl.msg" -C "$RC_RT2" -a rtbudget -v bob@postern.test
rt_n=$(grep -c 'trying again in' "$WORK/err" || true)
check "retry_max_time bounds the retries ($rt_n of 5)" test "$rt_n" -ge 1 -a "$rt_n" -le 2
run_postern "$WORK/dl.msg" -C "$(config rt3 "retry 3")" -v ghost@postern.test
expect_rc 67 "a permanent refusal"
check "a permanent refusal is never retried" lacks 'trying again' "$WORK/err"

# a failure before the envelope was built (no password) keeps the message
# with the recipients as given, and --resend can still send it
printf 'account nopw : sub\npassword\npasswordeval "exit 1"\ndead_letter %s/dead2\n' "$WORK" >>"$RC_DL"
run_postern "$WORK/dl.msg" -C "$RC_DL" -a nopw bob@postern.test,carol@postern.test
expect_rc 78 "failing passwordeval with dead_letter"
kept2=$(find "$WORK/dead2/new" -type f | head -n 1)
check "the early failure keeps the message" cmp -s "$kept2" "$WORK/dl.msg"
check "its sidecar keeps the recipient words as given" has '^arg=bob@postern.test,carol@postern.test$' "$WORK/dead2/postern/$(basename "$kept2")"
fresh
run_postern /dev/null -C "$RC_DL" -a sub --resend "$kept2"
expect_rc 0 "--resend of an early failure"
check "both recipients receive the resent message" test -n "$(wait_mail bob)" -a -n "$(wait_mail carol)"
check "the resend uses the account's sender" has '^Return-Path: <alice@postern.test>$' "$(wait_mail carol)"

# issue 12 7g: $TMPDIR full (a 64 KiB tmpfs in a private mount namespace)
# and a 5 MB message on a pipe: the input is read to its end (the writer
# gets no SIGPIPE), the part beyond memory goes to dead_letter's tmp/, and
# the message is kept there byte for byte when the send fails; without
# dead_letter, 74.  full_tmp_run WRITER-STATUS-FILE ARGS... sets RC and ERR.
{
	printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: full tmp\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <fulltmp@postern.test>\n\n'
	head -c 3750000 /dev/urandom | base64
} >"$WORK/big5"
mkdir -p "$WORK/fulltmp"
full_tmp_run() {
	local wst=$1
	shift
	rm -f "$wst"
	set +e
	timeout 120 unshare -m --propagation private sh -c '
		dir=$1 big=$2 wst=$3
		shift 3
		mount -t tmpfs -o size=64k postern-full "$dir" || exit 99
		{ cat "$big"; echo $? >"$wst"; } | TMPDIR=$dir "$@"' \
		sh "$WORK/fulltmp" "$WORK/big5" "$wst" "$POSTERN" "$@" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
}
RC_FULL=$(config full "account fulldown : sub
port $port_down
dead_letter $WORK/dead-full

account fullnodl : sub
port $port_down

account fullup : sub
dead_letter $WORK/dead-full")
full_tmp_run "$WORK/writer1" -C "$RC_FULL" -a fulldown -t
if [ "$RC" = 99 ]; then
	if [ "${CI:-}" = true ]; then
		not_ok "a full TMPDIR needs a tmpfs in a mount namespace (CI=true)" "$ERR"
	else
		for i in 1 2 3 4 5 6 7 8 9 10; do ok "# SKIP a full TMPDIR needs a tmpfs in a mount namespace"; done
	fi
else
	expect_rc 75 "TMPDIR full, 5 MB from a pipe, smarthost down, dead_letter set"
	check "the writer was not cut off (exit 0, no SIGPIPE)" test "$(cat "$WORK/writer1" 2>/dev/null)" = 0
	expect_err "; the message was kept in $WORK/dead-full/new/" "the error line says where the message was kept"
	expect_one_line "one line on stderr"
	kept=$(find "$WORK/dead-full/new" -type f 2>/dev/null | head -n 1)
	check "the dead letter is the input byte for byte" eval '[ -n "$kept" ] && cmp -s "$kept" "$WORK/big5"'
	check "no file is left in dead_letter's tmp/" test -z "$(find "$WORK/dead-full/tmp" -type f)"
	fresh
	full_tmp_run "$WORK/writer2" -C "$RC_FULL" -a fullup -t
	expect_rc 0 "TMPDIR full, 5 MB from a pipe, dead_letter set: sent"
	check "it arrives byte for byte" same_as_sent "$(wait_mail bob 1 30)" "$WORK/big5"
	full_tmp_run "$WORK/writer3" -C "$RC_FULL" -a fullnodl -t
	expect_rc 74 "TMPDIR full, 5 MB from a pipe, no dead_letter"
	check "the writer was not cut off either (exit 0)" test "$(cat "$WORK/writer3" 2>/dev/null)" = 0
	expect_err "cannot write a temporary file in $WORK/fulltmp: No space left on device" "stderr names the full directory"
fi

# a -f with line breaks cannot add keys to the sidecar; --resend does not
# follow them (erin stands for the attacker: a mailbox that exists, so that
# these checks can fail)
DLX="$WORK/deadx"
RC_DLX=$(config dlx "account dlx : sub
port $port_down
dead_letter $DLX
account other : sub")
run_postern "$WORK/dl.msg" -C "$RC_DLX" -a dlx -f $'x@y\naccount=other\nrcpt=erin@postern.test' bob@postern.test
expect_rc 65 "a -f with line breaks is refused"
keptx=$(find "$DLX/new" -type f | head -n 1)
sidex="$DLX/postern/$(basename "$keptx")"
check "its sidecar has one account= and one from= line, and no rcpt= of erin" test \
	"$(grep -c '^account=' "$sidex") $(grep -c '^from=' "$sidex") $(grep -c 'erin' "$sidex") $(grep -c '^rcpt=' "$sidex")" = "1 1 1 0"
check "the sender is escaped on its one line" has "^from='x@y\\\\naccount\\\\x3dother\\\\nrcpt\\\\x3derin@postern.test'\$" "$sidex"
fresh
run_postern /dev/null -C "$RC_DLX" --resend "$keptx"
expect_rc 65 "--resend of it refuses the sender, as the first send did"
check "nothing is sent to the injected recipient" no_mail erin

# a sidecar changed by hand is refused as a whole
run_postern "$WORK/dl.msg" -C "$RC_DLX" -a dlx bob@postern.test
expect_rc 75 "a message kept while the smarthost is down"
kepty=$(find "$DLX/new" -type f ! -name "$(basename "$keptx")" | head -n 1)
sidey="$DLX/postern/$(basename "$kepty")"
printf 'account=other\nrcpt=erin@postern.test\n' >>"$sidey"
fresh
run_postern /dev/null -C "$RC_DLX" --resend "$kepty"
expect_rc 65 "--resend of a sidecar with a second account= line"
expect_err "line [0-9]+: a key given twice" "the error names the line and the fault"
check "the hand-made recipient gets nothing" no_mail erin
check "the refused dead letter stays in place" test -e "$kepty" -a -e "$sidey"
[ ! -e "$sidey" ] || sed -i '/^account=other$/d; /^rcpt=erin/d' "$sidey"
printf 'host=evil.example\n' >>"$sidey"
run_postern /dev/null -C "$RC_DLX" --resend "$kepty"
expect_rc 65 "--resend of a sidecar with an unknown key"

# a dead_letter folder others can write: /tmp's rules, against a real
# second user who makes the subfolders, a message and its sidecar first
if id pn-dead >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/sh pn-dead 2>/dev/null; then
	SHD="$WORK/shared-dead"
	mkdir -p "$SHD"
	chmod 1777 "$SHD"
	dead_gid=$(id -g pn-dead)
	setpriv --reuid=pn-dead --regid="$dead_gid" --clear-groups sh -c '
		mkdir -m 755 "$1/tmp" "$1/new" "$1/cur" "$1/postern" &&
		cp "$2" "$1/new/1.P1R1.planted" &&
		printf "date=d\naccount=sub\nrcpt=erin@postern.test\nexitcode=EX_TEMPFAIL\nerror=e\n" >"$1/postern/1.P1R1.planted"
	' sh "$SHD" "$WORK/dl.msg"
	check "the other user made the subfolders" test "$(stat -c %U "$SHD/new")" = pn-dead
	RC_SHD=$(config shd "account shd : sub
port $port_down
dead_letter $SHD")
	run_postern "$WORK/dl.msg" -C "$RC_SHD" -a shd bob@postern.test
	expect_rc 75 "a failed send whose dead_letter subfolders belong to another user"
	expect_err "could NOT be kept: refusing $SHD/(tmp|new|cur|postern) in the dead letter folder: it belongs to another user" \
		"the message is not written into them, and the error says why"
	check "nothing of the caller's is in the other user's folders" test "$(find "$SHD" -user root ! -path "$SHD" | wc -l)" = 0
	fresh
	run_postern /dev/null -C "$RC_SHD" --resend "$SHD/new/1.P1R1.planted"
	expect_rc 78 "--resend of a message another user planted"
	expect_err "belongs to another user" "the refusal says why"
	check "the planted recipient gets nothing" no_mail erin
	# once the folders are the caller's, the shared sticky folder is used
	rm -rf "$SHD/tmp" "$SHD/new" "$SHD/cur" "$SHD/postern"
	run_postern "$WORK/dl.msg" -C "$RC_SHD" -a shd bob@postern.test
	expect_err "; the message was kept in $SHD/new/" "a sticky shared folder with the caller's own subfolders is used"
	check "the subfolders it made are private" test "$(stat -c '%a %U' "$SHD/new" "$SHD/postern" | sort -u)" = "700 root"
	chmod 777 "$SHD"
	run_postern "$WORK/dl.msg" -C "$RC_SHD" -a shd bob@postern.test
	expect_err "could NOT be kept: the dead letter folder $SHD can be written by other users and is not sticky" \
		"a folder others can write that is not sticky is refused"
	userdel pn-dead 2>/dev/null || true
else
	not_ok "could not create the test user pn-dead"
fi

# issue 12 7f: SIGTERM or SIGHUP during a send keeps the message in
# dead_letter before postern ends, by that same signal.  The send is caught
# where it waits: for a greeting that never comes (a server that accepts
# and stays silent), and between retries; -v says when it is there.
SIGDL="$WORK/dead-sig"
# sig_server - a server that accepts one connection and says nothing
# (bounded: it gives up after 90 s); SIG_PORT is its port
sig_server() {
	rm -f "$WORK/sig.port"
	python3 -c '
import os, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1] + ".t", "w").write(str(s.getsockname()[1])); os.rename(sys.argv[1] + ".t", sys.argv[1])
s.settimeout(90)
try:
    c, _ = s.accept(); c.settimeout(90); c.recv(1)
except OSError:
    pass' "$WORK/sig.port" &
	SIG_SRV=$!
	wait_until "$WAIT_S" test -s "$WORK/sig.port" || true
	SIG_PORT=$(cat "$WORK/sig.port" 2>/dev/null || echo 9)
}
# sig_send SIGNAL WHEN-REGEX ARGS... - postern -v in the background; once
# its stderr matches WHEN-REGEX, SIGNAL; sets RC and ERR
sig_send() {
	local sig=$1 when=$2 pid
	shift 2
	set +e
	# with the signals' default action, whatever the suite inherited (a
	# suite run under nohup ignores SIGHUP, and postern keeps an ignored
	# signal ignored)
	env --default-signal=TERM,HUP "$POSTERN" -v "$@" <"$WORK/dl.msg" >/dev/null 2>"$WORK/sig.err" &
	pid=$!
	if wait_until "$WAIT_S" grep -Eqs -- "$when" "$WORK/sig.err"; then
		kill -s "$sig" "$pid"
	else
		echo "# the send never got to: $when"
	fi
	wait "$pid"
	RC=$?
	set -e
	ERR=$(grep -v -- '^--[->]\|^<--' "$WORK/sig.err")
}
sig_server
RC_SIG=$(config sig "account sigslow : sub
port $SIG_PORT
tls off
auth off
timeout 60
dead_letter $SIGDL

account sigretry : sub
port $port_down
retry 3
retry_delay 60
retry_max_time 600
dead_letter $SIGDL")
sig_send TERM '^--- state GREETING' -C "$RC_SIG" -a sigslow bob@postern.test
kill "$SIG_SRV" 2>/dev/null || true
check "SIGTERM while waiting for the greeting: postern ends by SIGTERM (143)" test "$RC" = 143
expect_err "interrupted by signal .*while waiting for the greeting; the message was kept in $SIGDL/new/" \
	"... and says it was interrupted and where the message was kept"
kept=$(find "$SIGDL/new" -type f 2>/dev/null | head -n 1)
check "... the dead letter is the input byte for byte" eval '[ -n "$kept" ] && cmp -s "$kept" "$WORK/dl.msg"'
check "... its sidecar names the account" has '^account=sigslow$' "$SIGDL/postern/$(basename "$kept")"
rm -f "$kept" "$SIGDL/postern/$(basename "$kept")"
sig_send HUP 'trying again in' -C "$RC_SIG" -a sigretry bob@postern.test
check "SIGHUP between retries: postern ends by SIGHUP (129), not after 60 s more" test "$RC" = 129
expect_err "interrupted by signal .* while waiting to try again; the message was kept in $SIGDL/new/" \
	"... and says it was interrupted between retries and where the message was kept"
kept=$(find "$SIGDL/new" -type f 2>/dev/null | head -n 1)
check "... the dead letter is the input byte for byte" eval '[ -n "$kept" ] && cmp -s "$kept" "$WORK/dl.msg"'
