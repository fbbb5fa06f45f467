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
printf 'Subject: nul\n\na\0b\n' >"$WORK/nul.msg"
run_postern "$WORK/nul.msg" -C "$RC_DL2" bob@postern.test
expect_rc 65 "NUL bytes with dead_letter"
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
