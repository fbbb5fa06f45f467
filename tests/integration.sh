#!/bin/bash
# integration.sh - postern against a real Postfix + Dovecot SASL smarthost
# started here on loopback ports (tests/smarthost), as TAP.  Each file in
# tests/cases/ is one group of tests, sourced in order.
#
# CASES='70-*' runs only the matching files.  Needs root (to start Postfix).  Where it cannot start the smarthost it
# skips on a developer's machine, but fails under CI=true.
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
POSTERN=${POSTERN:-$top_srcdir/postern}
. "$top_srcdir/tests/lib.sh"
# The cases run "make -C sendmail-wrapper ..." as an operator would; flags
# of the make that runs the suite (-w, -j, variables) must not leak in.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

skip_or_fail() {
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - integration smarthost: $1"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

[ "$(id -u)" = 0 ] || skip_or_fail "needs root to start Postfix"
command -v postfix >/dev/null && command -v dovecot >/dev/null || skip_or_fail "postfix or dovecot not installed"

WORK=$(mktemp -d /tmp/postern-it.XXXXXX)
chmod 755 "$WORK"
SMARTHOST_DIR="$WORK/smarthost"
cleanup() {
	"$top_srcdir/tests/smarthost" stop "$SMARTHOST_DIR" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
[ -n "${KEEP:-}" ] || trap cleanup EXIT
if ! "$top_srcdir/tests/smarthost" start "$SMARTHOST_DIR" >"$WORK/start.log" 2>&1; then
	sed 's/^/# /' "$WORK/start.log"
	skip_or_fail "the smarthost did not start"
fi
. "$SMARTHOST_DIR/env"

# CASES=GLOB runs only the matching files (e.g. CASES='70-*'), for development
for case in "$top_srcdir"/tests/cases/${CASES:-*}.sh; do
	echo "# $(basename "$case")"
	. "$case"
done
echo "1..$TAP_N"
[ "$TAP_FAILED" = 0 ]
