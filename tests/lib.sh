# lib.sh - helpers for postern's integration tests (sourced by integration.sh).
#
# Every check prints one TAP line.  Each postern run records its exit code in
# $RC, its stderr in $ERR and its stdout in $OUT.  Nothing here waits without
# a bound.

TAP_N=0
TAP_FAILED=0

# ok DESC / not_ok DESC [DIAG...] - one TAP result
ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}
not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	shift
	for line in "$@"; do printf '%s\n' "$line" | sed 's/^/#   /'; done
}

# check DESC CMD... - ok when CMD succeeds
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc" "failed: $*" "stderr: $(head -c 2000 "$WORK/err" 2>/dev/null)"; fi
}

# run_postern INPUT ARGS... - run the built postern with INPUT on stdin
run_postern() {
	local input=$1
	shift
	set +e
	timeout 60 "$POSTERN" "$@" <"$input" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
	OUT=$(cat "$WORK/out")
}

# run_postern_pipe INPUT ARGS... - the same, the input through a pipe, as
# cron and PHP give it (a regular file is read in place, a pipe is not)
run_postern_pipe() {
	local input=$1
	shift
	run_postern <(cat "$input") "$@"
}

# expect_rc WANT DESC - the last run's exit code
expect_rc() {
	if [ "$RC" = "$1" ]; then ok "$2 (exit $1)"; else not_ok "$2 (exit $1)" "got exit $RC" "stderr: $ERR"; fi
}

# expect_err PATTERN DESC - the last run's stderr matches an extended regex
expect_err() {
	if printf '%s' "$ERR" | grep -Eq -- "$1"; then ok "$2"; else not_ok "$2" "stderr did not match: $1" "stderr: $ERR"; fi
}

# expect_one_line DESC - a failure says exactly one line on stderr, and
# at most one "hint:" line after it (hint.c)
expect_one_line() {
	local n h
	n=$(printf '%s\n' "$ERR" | grep -a . | grep -aEvc '^(postern|msmtp): hint: ' || true)
	h=$(printf '%s\n' "$ERR" | sed -n '2,$p' | grep -aEc '^(postern|msmtp): hint: ' || true)
	if [ "$n" = 1 ] && [ "$h" -le 1 ]; then ok "$1"; else not_ok "$1" "stderr has $n lines and $h hints:" "$ERR"; fi
}

# config NAME [EXTRA-LINES] - an rc file for the smarthost, mode 0600
config() {
	local f="$WORK/$1.rc"
	cat >"$f" <<RC
defaults
host $SMARTHOST_HOST
tls_trust_file $SMARTHOST_CA
timeout 30
from alice@postern.test
user $SASL_USER
password "$SASL_PASS"

account sub
port $PORT_SUBMISSION
auth on

account smtps : sub
port $PORT_SMTPS
tls_starttls off

account cram : sub
port $PORT_CRAM

account default : sub
RC
	[ $# -lt 2 ] || printf '%s\n' "$2" >>"$f"
	chmod 600 "$f"
	echo "$f"
}

# WAIT_S - the bound of every wait for something to happen (a mail, a
# server, a process, a line in a file): generous, so that a machine busy
# with other work is only slower, never failing; a wait that succeeds ends
# as soon as its event is there, so only a broken test waits this long
WAIT_S=${WAIT_S:-60}

# wait_until SECONDS CMD... - run CMD every 0.05 s until it succeeds, at
# most SECONDS; fails when time runs out
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -le "$end" ] || return 1
		sleep 0.05
	done
}

# mailbox_count USER - messages delivered to USER so far
mailbox_count() {
	find "$MAILDIR_BASE/$1/new" "$MAILDIR_BASE/$1/cur" -type f 2>/dev/null | wc -l
}

# wait_mail USER [COUNT] - path of USER's newest message, bounded wait
wait_mail() {
	"$top_srcdir/tests/smarthost" wait-mail "$SMARTHOST_DIR" "$1" "${2:-1}" "$WAIT_S" | tail -n 1
}

# queue_empty - the smarthost's queue holds no message in flight
queue_empty() {
	[ -z "$(find "$SMARTHOST_DIR/spool/incoming" "$SMARTHOST_DIR/spool/active" -type f 2>/dev/null)" ]
}

# no_mail USER - after a failed send, nothing reaches USER (the queue is
# empty first, so that a late delivery is still seen); USER's Maildir must
# exist, or nothing would be checked
no_mail() {
	if [ ! -d "$MAILDIR_BASE/$1/new" ]; then
		echo "# no Maildir for $1"
		return 1
	fi
	wait_until "$WAIT_S" queue_empty || { echo "# the queue did not drain"; return 1; }
	[ "$(mailbox_count "$1")" = 0 ]
}

# delivered_body FILE - the delivered message without the headers Postfix
# prepended (Return-Path, Delivered-To, Received and its continuations)
delivered_body() {
	awk 'BEGIN { pre = 1 }
	     pre && /^(Return-Path|X-Original-To|Delivered-To|Received):/ { inrcv = 1; next }
	     pre && inrcv && /^[ \t]/ { next }
	     { pre = 0; inrcv = 0; print }' "$1"
}

# same_as_sent FILE INPUT - what arrived is the input, line ends as LF
same_as_sent() {
	inspectable "$1" "$2" || return 1
	cmp -s <(delivered_body "$1") <(tr -d '\r' <"$2" | sed '$a\')
}

# fresh - empty every mailbox before a test, once the queue has drained:
# a message of the last test still in flight would land after the clearing
# and be taken for this test's
fresh() {
	wait_until "$WAIT_S" queue_empty || echo "# fresh: the smarthost's queue did not drain"
	"$top_srcdir/tests/smarthost" clear "$SMARTHOST_DIR" >/dev/null
}

# body_has FILE REGEX - a line of the delivered body matches
body_has() {
	delivered_body "$1" | LC_ALL=C grep -Eq -- "$2"
}

# inspectable FILE... - every file exists, is readable and not empty; a
# check about a file's contents that does not find the file checked
# nothing, so it must fail (with a "# ..." line saying why).  A pipe
# (<(...)) is copied to $WORK/inspect.N first: it can be read only once.
# Sets INSPECT to the list of paths to read.
inspectable() {
	local f n=0 copy
	INSPECT=()
	if [ $# = 0 ]; then
		echo "# no file to inspect"
		return 1
	fi
	for f in "$@"; do
		n=$((n + 1))
		if [ -z "$f" ] || [ ! -e "$f" ]; then
			echo "# file to inspect missing: '${f}'"
			return 1
		fi
		if [ ! -r "$f" ]; then
			echo "# file to inspect unreadable: $f"
			return 1
		fi
		if [ ! -f "$f" ]; then
			copy="$WORK/inspect.$n"
			cat -- "$f" >"$copy" || { echo "# cannot read $f"; return 1; }
			f=$copy
		fi
		if [ ! -s "$f" ]; then
			echo "# file to inspect is empty: $f"
			return 1
		fi
		INSPECT+=("$f")
	done
}

# lacks REGEX FILE... - no file has a matching line (any case); every file
# must be there and hold something
lacks() {
	local re=$1
	shift
	inspectable "$@" || return 1
	! grep -Eqi -- "$re" "${INSPECT[@]}"
}

# has REGEX FILE... - every file has a matching line (at least one file)
has() {
	local re=$1 f
	shift
	inspectable "$@" || return 1
	for f in "${INSPECT[@]}"; do grep -Eq -- "$re" "$f" || return 1; done
}
