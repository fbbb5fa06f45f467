#!/bin/bash
# tests/fuzz/run.sh [SECONDS [BUILDDIR]] - build postern's libFuzzer targets
# and run each one for SECONDS (default 20) on a copy of its seed corpus.
#
# BUILDDIR (default: the current directory) is a configured build tree: only
# its autoconf config.h is used (for an in-tree build that is the top of the
# source tree; tests/bootstrap uses _build/plain).  The sources are found
# from this script's location.  Every src/*.c but main.c is compiled with
# clang -fsanitize=fuzzer,address,undefined into a work directory and linked
# with each tests/fuzz/fuzz_NAME.c; the target then runs with
# -max_total_time=SECONDS on a copy of tests/fuzz/corpus/NAME/, so the
# committed seeds never change.  Targets run side by side, FUZZ_JOBS at a
# time (default: the number of cores).
#
# Output is TAP, one line per target, then "N passed, N failed".  A crash,
# sanitizer report, broken invariant, leak, timeout or out-of-memory input
# is a "not ok" naming the input, copied to $FUZZ_ARTIFACTS (default
# BUILDDIR/fuzz-artifacts, gitignored), with the top of the report; the exit
# status is then 1.  To replay an input, keep the binaries with
# FUZZ_OUT=DIR and run DIR/fuzz_NAME FILE.
#
# Environment: FUZZ_TARGETS (names, default: every fuzz_*.c here),
# FUZZ_JOBS, FUZZ_OUT, FUZZ_ARTIFACTS, FUZZ_CC (default clang).
# Needs clang with its runtime (Debian: clang libclang-rt-14-dev) and the
# -dev packages of gnutls, libidn2 and libsecret-1.  Without them it skips,
# except under CI=true, where that is a failure.  Every run is killed at
# SECONDS + 60.
set -u

secs=${1:-20}
case $secs in
'' | *[!0-9]* | 0)
	echo "usage: tests/fuzz/run.sh [SECONDS [BUILDDIR]]" >&2
	exit 64
	;;
esac
builddir=${2:-$PWD}
if ! builddir=$(cd "$builddir" 2>/dev/null && pwd); then
	echo "run.sh: no build directory ${2:-}" >&2
	exit 64
fi

fuzzdir=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$fuzzdir/../.." && pwd)
CC=${FUZZ_CC:-clang}
artifacts=${FUZZ_ARTIFACTS:-$builddir/fuzz-artifacts}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
if [ -n "${FUZZ_TARGETS:-}" ]; then
	targets=$FUZZ_TARGETS
else
	targets=$(cd "$fuzzdir" && for f in fuzz_*.c; do [ -f "$f" ] && printf '%s ' "${f%.c}"; done)
	targets=${targets//fuzz_/}
fi

skip_all() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - fuzz targets: $1"
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

command -v "$CC" >/dev/null 2>&1 || skip_all "$CC not installed (apt-get install clang libclang-rt-14-dev)"
if [ ! -f "$builddir/config.h" ] || ! grep -q 'define PACKAGE_VERSION' "$builddir/config.h"; then
	skip_all "no autoconf config.h in $builddir: give a configured build tree"
fi
if ! pkgerr=$(pkg-config --cflags --libs gnutls libidn2 libsecret-1 2>&1); then
	skip_all "pkg-config: $pkgerr"
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	"$CC" -fsanitize=fuzzer,address,undefined -x c - -o /dev/null >/dev/null 2>&1; then
	skip_all "$CC cannot link -fsanitize=fuzzer (Debian: apt-get install libclang-rt-14-dev)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
out=${FUZZ_OUT:-$tmp/bin}
mkdir -p "$tmp/obj" "$tmp/tmp" "$out"

# shellcheck disable=SC2054
SAN=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
# -I the build tree first: <config.h> is autoconf's (the rc file parser is src/rcfile.h)
CPP=(-DHAVE_CONFIG_H '-DLOCALEDIR="/usr/share/locale"' -I "$builddir" -I "$srcdir/src")
read -r -a PKG_CFLAGS <<<"$(pkg-config --cflags gnutls libidn2 libsecret-1)"
read -r -a PKG_LIBS <<<"$(pkg-config --libs gnutls libidn2 libsecret-1)"
PKG_LIBS+=(-lunistring) # SASLprep (src/saslprep.c); libunistring has no .pc file
# shellcheck disable=SC2086
set -- $targets
echo "1..$#"
echo "# $($CC --version | head -n 1); $secs s per target, $jobs at a time; sources: $srcdir; config.h: $builddir"

# throttle - wait until fewer than $jobs background jobs run
throttle() {
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
}

# the library, once for all targets; -fsanitize=fuzzer only instruments it
objs=()
for f in "$srcdir"/src/*.c; do
	[ "$(basename "$f")" = main.c ] && continue
	o=$tmp/obj/$(basename "$f" .c).o
	objs+=("$o")
	throttle
	timeout 300 "$CC" "${SAN[@]}" "${CPP[@]}" "${PKG_CFLAGS[@]}" -w -c "$f" -o "$o" 2>"$o.err" &
done
wait
build_ok=true
: >"$tmp/build.log"
for o in "${objs[@]}"; do
	if [ ! -s "$o" ]; then
		build_ok=false
		cat "$o.err" >>"$tmp/build.log"
	fi
done

# fuzz NAME - build and run one target; its TAP line and diagnostics go to
# $tmp/NAME.tap ("ok ..." or "not ok ..." then "#" lines)
fuzz() {
	local t=$1 name=fuzz_$1 res=$tmp/fuzz_$1.tap
	if ! $build_ok; then
		{
			echo "not ok - $name: the library does not build with $CC"
			head -n 20 "$tmp/build.log" | sed 's/^/#   /'
		} >"$res"
		return
	fi
	if [ ! -f "$fuzzdir/$name.c" ]; then
		echo "not ok - $name: no $fuzzdir/$name.c" >"$res"
		return
	fi
	if ! timeout 300 "$CC" "${SAN[@]}" "${CPP[@]}" "${PKG_CFLAGS[@]}" -Wall -Wno-unused-function -o "$out/$name" \
		"$fuzzdir/$name.c" "${objs[@]}" "${PKG_LIBS[@]}" >"$tmp/$name.build.log" 2>&1; then
		{
			echo "not ok - $name: does not build"
			head -n 20 "$tmp/$name.build.log" | sed 's/^/#   /'
		} >"$res"
		return
	fi
	local corpus=$tmp/corpus/$t art=$tmp/art/$t
	mkdir -p "$corpus" "$art" "$tmp/tmp/$t"
	if [ -d "$fuzzdir/corpus/$t" ]; then
		find "$fuzzdir/corpus/$t" -maxdepth 1 -type f -exec cp {} "$corpus"/ \;
	fi
	local seeds rc=0
	seeds=$(find "$corpus" -type f | wc -l)
	(
		cd "$tmp" &&
			TMPDIR=$tmp/tmp/$t \
				ASAN_OPTIONS=detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
				UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS} \
				exec timeout -k 10 $((secs + 60)) "$out/$name" -max_total_time="$secs" -timeout=10 \
				-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" "$corpus"
	) >"$tmp/$name.log" 2>&1 || rc=$?
	local runs cov crash
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name.log" | tail -n 1)
	cov=$(grep -Eo 'cov: [0-9]+' "$tmp/$name.log" | tail -n 1)
	crash=$(find "$art" -type f | head -n 1)
	if [ "$rc" = 0 ] && [ -z "$crash" ]; then
		{
			echo "ok - $name: $secs s, no crash"
			echo "#   ${runs:-?} runs, ${cov:-cov: ?}, corpus $seeds seeds -> $(find "$corpus" -type f | wc -l) inputs"
		} >"$res"
		return
	fi
	{
		echo "not ok - $name: $secs s: exit $rc"
		if [ -n "$crash" ]; then
			mkdir -p "$artifacts"
			local saved
			saved=$artifacts/$name-$(basename "$crash")
			cp "$crash" "$saved"
			echo "input: $saved ($(wc -c <"$crash") bytes)"
			echo "hex: $(head -c 256 "$crash" | od -An -tx1 -v | tr -d ' \n')"
			echo "replay: FUZZ_OUT=DIR tests/fuzz/run.sh 1 BUILDDIR; DIR/$name $saved"
		else
			echo "exit $rc and no crash file (killed by the time limit?)"
		fi
		grep -E '^==[0-9]+==ERROR|runtime error:|fuzz invariant violated|^SUMMARY:|ALARM|out-of-memory|Test unit written' "$tmp/$name.log" | head -n 6
		grep -E '^ *#[0-9]+ ' "$tmp/$name.log" | grep -v -E 'libFuzzer|fuzzer::|compiler-rt|__sanitizer_|libc\.so|nptl/|sysdeps/|stdlib/abort|__libc_start| in main | in _start ' | head -n 12
	} | sed '1!s/^/#   /' >"$res"
}

for t in "$@"; do
	throttle
	fuzz "$t" &
done
wait

n=0
failed=0
for t in "$@"; do
	n=$((n + 1))
	res=$tmp/fuzz_$t.tap
	[ -s "$res" ] || echo "not ok - fuzz_$t: no result" >"$res"
	head -n 1 "$res" | grep -q '^not ok' && failed=$((failed + 1))
	sed "1s/^\(ok\|not ok\) - /\1 $n - /" "$res"
done
echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
