# 85-load.sh - one real send under valgrind memcheck, then 200 postern
# processes at once against the smarthost: every one exits 0 and every
# message arrives exactly once.

# ---------------------------------------------------------------- valgrind
# postern_has_asan - the binary was built with AddressSanitizer, which
# cannot run under valgrind (and checks memory itself)
postern_has_asan() {
	grep -aq '__asan_init' "$POSTERN" 2>/dev/null
}

VG_RC=$(config vg)
printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: under valgrind\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <valgrind@postern.test>\n\nchecked by memcheck\n.\nwith a lone dot line\n' >"$WORK/vg.msg"
if ! command -v valgrind >/dev/null 2>&1 && [ "${CI:-}" != true ]; then
	ok "valgrind: one send, no memory errors, nothing definitely lost # SKIP valgrind not installed"
elif postern_has_asan; then
	ok "valgrind: one send, no memory errors, nothing definitely lost # SKIP postern is built with AddressSanitizer"
elif ! command -v valgrind >/dev/null 2>&1; then
	not_ok "valgrind: one send, no memory errors, nothing definitely lost" "valgrind is not installed (CI=true): apt-get install valgrind"
else
	fresh
	set +e
	timeout 180 valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		--track-fds=no "$POSTERN" -C "$VG_RC" bob@postern.test <"$WORK/vg.msg" >"$WORK/vg.out" 2>"$WORK/vg.err"
	RC=$?
	set -e
	if [ "$RC" = 0 ]; then
		ok "valgrind: postern exits 0 under memcheck (no memory errors, no definite or indirect leak)"
	else
		not_ok "valgrind: postern exits 0 under memcheck (no memory errors, no definite or indirect leak)" \
			"got exit $RC (99: memcheck found errors)" "$(grep -E '^==[0-9]+== ' "$WORK/vg.err" | head -n 40)"
	fi
	if grep -Eq 'definitely lost: [1-9]|indirectly lost: [1-9]|are definitely lost' "$WORK/vg.err"; then
		not_ok "valgrind: nothing definitely lost" "$(grep -E -A12 'are definitely lost|LEAK SUMMARY' "$WORK/vg.err" | head -n 40)"
	else
		ok "valgrind: nothing definitely lost"
	fi
	f=$(wait_mail bob)
	if [ -n "$f" ] && grep -q '^Message-ID: <valgrind@postern.test>' "$f" && same_as_sent "$f" "$WORK/vg.msg"; then
		ok "valgrind: the message arrives intact"
	else
		not_ok "valgrind: the message arrives intact" "mailbox file: ${f:-none}" "stderr: $(head -c 2000 "$WORK/vg.err")"
	fi
fi

# ---------------------------------------------------------------- load
# 200 processes at once: more than Postfix's default process limit of 100
# smtpd processes, so some connections wait in the listen queue; retries
# absorb a refused connection or a 4xx.  Each process is killed at 120 s.
LOAD_N=200
LOAD_DIR=$WORK/load
LOAD_RC=$(config load 'retry 5
retry_delay 1
retry_max_time 60')
rm -rf "$LOAD_DIR"
mkdir -p "$LOAD_DIR"
for i in $(seq 1 "$LOAD_N"); do
	printf 'From: alice@postern.test\nTo: bob@postern.test\nSubject: load %d of %d\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <load-%d.%d@postern.test>\n\nmessage %d of the load test\n' \
		"$i" "$LOAD_N" "$i" "$$" "$i" >"$LOAD_DIR/msg.$i"
	printf '<load-%d.%d@postern.test>\n' "$i" "$$" >>"$LOAD_DIR/expected"
done
sort -o "$LOAD_DIR/expected" "$LOAD_DIR/expected"

fresh
load_start=$(date +%s)
load_pids=()
for i in $(seq 1 "$LOAD_N"); do
	(
		rc=0
		timeout -k 5 120 "$POSTERN" -C "$LOAD_RC" bob@postern.test <"$LOAD_DIR/msg.$i" \
			>/dev/null 2>"$LOAD_DIR/err.$i" || rc=$?
		echo "$rc" >"$LOAD_DIR/rc.$i"
	) &
	load_pids+=($!)
done
for p in "${load_pids[@]}"; do
	wait "$p" || true
done
load_secs=$(($(date +%s) - load_start))
echo "# load: $LOAD_N processes finished in $load_secs s"

load_zero=0
load_codes=
for i in $(seq 1 "$LOAD_N"); do
	c=$(cat "$LOAD_DIR/rc.$i" 2>/dev/null || echo missing)
	if [ "$c" = 0 ]; then
		load_zero=$((load_zero + 1))
	else
		load_codes="$load_codes $c"
	fi
done
if [ "$load_zero" = "$LOAD_N" ]; then
	ok "load: all $LOAD_N concurrent postern processes exit 0 ($load_secs s)"
else
	not_ok "load: all $LOAD_N concurrent postern processes exit 0 ($load_secs s)" \
		"$load_zero of $LOAD_N exited 0; the others:$(printf '%s' "$load_codes" | tr ' ' '\n' | grep . | sort | uniq -c | awk '{printf " %s x exit %s,", $1, $2}')" \
		"first errors: $(cat "$LOAD_DIR"/err.* 2>/dev/null | sort | uniq -c | sort -rn | head -n 5)" \
		"Postfix log: $(grep -Ec 'warning|reject|too many|fatal' "$POSTFIX_LOG" 2>/dev/null) warning/reject lines; $(grep -E 'warning|reject|too many|fatal' "$POSTFIX_LOG" 2>/dev/null | sed 's/^.*postfix/postfix/' | sort | uniq -c | sort -rn | head -n 5)"
fi

"$top_srcdir/tests/smarthost" wait-mail "$SMARTHOST_DIR" bob "$LOAD_N" 60 >/dev/null 2>"$LOAD_DIR/wait.err" || true
# the queue drains, so that a late duplicate is counted too (bounded)
load_drained() {
	[ -z "$(find "$SMARTHOST_DIR/spool/incoming" "$SMARTHOST_DIR/spool/active" "$SMARTHOST_DIR/spool/deferred" -type f 2>/dev/null)" ]
}
wait_until "$WAIT_S" load_drained || true
load_count=$(mailbox_count bob)
find "$MAILDIR_BASE/bob/new" "$MAILDIR_BASE/bob/cur" -type f -exec grep -h -m1 -i '^Message-ID:' {} + 2>/dev/null |
	sed 's/^[^:]*: *//' | sort >"$LOAD_DIR/got"
load_unique=$(sort -u "$LOAD_DIR/got" | grep -c . || true)
if [ "$load_count" = "$LOAD_N" ] && [ "$load_unique" = "$LOAD_N" ] && cmp -s "$LOAD_DIR/got" "$LOAD_DIR/expected"; then
	ok "load: all $LOAD_N messages arrive exactly once ($load_unique unique Message-IDs)"
else
	not_ok "load: all $LOAD_N messages arrive exactly once ($load_unique unique Message-IDs)" \
		"$load_count files in bob's Maildir, $load_unique unique Message-IDs; $(cat "$LOAD_DIR/wait.err")" \
		"missing: $(comm -23 "$LOAD_DIR/expected" <(sort -u "$LOAD_DIR/got") | head -n 5 | tr '\n' ' ')" \
		"duplicated: $(uniq -d "$LOAD_DIR/got" | head -n 5 | tr '\n' ' ')"
fi

# ------------------------------------------------- load against 421 replies
# The same 200 processes against the scripted server (tests/faultsmtp.py),
# which greets every odd-numbered one of its first 200 connections with
# 421: with retry on, every message arrives exactly once, none twice.
LH_DIR=$WORK/load421
rm -rf "$LH_DIR"
mkdir -p "$LH_DIR/msgs"
LH_SCEN=$(python3 -c 'import json; print(json.dumps({"connections": {str(n): {"greeting": "421 4.7.0 Try again later"} for n in range(1, 200, 2)}}))')
python3 "$top_srcdir/tests/faultsmtp.py" --port-file "$LH_DIR/port" --log "$LH_DIR/log" \
	--message-dir "$LH_DIR/msgs" --max-seconds 170 "$LH_SCEN" 2>"$LH_DIR/server.err" &
LH_PID=$!
wait_until "$WAIT_S" test -s "$LH_DIR/port" || true
cat >"$LH_DIR/rc" <<RC
account default
host 127.0.0.1
port $(cat "$LH_DIR/port" 2>/dev/null || echo 9)
tls off
auth off
from alice@postern.test
timeout 30
retry 5
retry_delay 1
retry_max_time 120
RC
lh_pids=()
lh_start=$(date +%s)
for i in $(seq 1 "$LOAD_N"); do
	(
		rc=0
		timeout -k 5 150 "$POSTERN" -C "$LH_DIR/rc" bob@postern.test <"$LOAD_DIR/msg.$i" \
			>/dev/null 2>"$LH_DIR/err.$i" || rc=$?
		echo "$rc" >"$LH_DIR/rc.$i"
	) &
	lh_pids+=($!)
done
for p in "${lh_pids[@]}"; do
	wait "$p" || true
done
lh_secs=$(($(date +%s) - lh_start))
kill "$LH_PID" 2>/dev/null || true
wait "$LH_PID" 2>/dev/null || true
lh_zero=$(cat "$LH_DIR"/rc.* 2>/dev/null | grep -cx 0 || true)
if [ "$lh_zero" = "$LOAD_N" ]; then
	ok "load with 421 to half the connections: all $LOAD_N processes exit 0 ($lh_secs s)"
else
	not_ok "load with 421 to half the connections: all $LOAD_N processes exit 0 ($lh_secs s)" \
		"$lh_zero exited 0; errors: $(cat "$LH_DIR"/err.* 2>/dev/null | sort | uniq -c | sort -rn | head -n 5)" \
		"server: $(head -c 1000 "$LH_DIR/server.err")"
fi
lh_refused=$(python3 "$top_srcdir/tests/faultsmtp.py" --summary "$LH_DIR/log" | grep -c '^connection .* accepted=no' || true)
check "load with 421: the server turned connections away ($lh_refused), so retries were needed" test "$lh_refused" -ge 100
cat "$LH_DIR"/msgs/*.msg 2>/dev/null | grep -i '^Message-ID:' | sed 's/^[^:]*: *//' | tr -d '\r' | sort >"$LH_DIR/got"
lh_unique=$(sort -u "$LH_DIR/got" | grep -c . || true)
if cmp -s "$LH_DIR/got" "$LOAD_DIR/expected"; then
	ok "load with 421: all $LOAD_N messages arrive exactly once ($lh_unique unique)"
else
	not_ok "load with 421: all $LOAD_N messages arrive exactly once ($lh_unique unique)" \
		"$(grep -c . "$LH_DIR/got") received; duplicated: $(uniq -d "$LH_DIR/got" | head -n 5 | tr '\n' ' ')" \
		"missing: $(comm -23 "$LOAD_DIR/expected" <(sort -u "$LH_DIR/got") | head -n 5 | tr '\n' ' ')"
fi
