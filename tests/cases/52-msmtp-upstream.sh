# 52-msmtp-upstream.sh - msmtp's own test scripts (tests/test-*.sh of
# msmtp's release tarball) against postern invoked as msmtp, one check per
# script: passed when the script exits 0.
#
# The scripts are msmtp's, not ours: never kept in this repository.
# tests/fetch-upstream (run by tests/bootstrap) puts msmtp's release
# tarball from Debian's pool and the msmtp-mta package into the cache; this
# file uses the network on loopback only.  The tarball's sha256 is checked
# again here; the scripts run from X/tests of a temporary tree laid out as
# msmtp's build tree:
#   X/src/msmtp   postern under the name msmtp (see mu_wrapper)
#   X/src/msmtpd  Debian's msmtpd, unpacked from the msmtp-mta package with
#                 "apt-get download" and "dpkg -x" (msmtp-mta conflicts
#                 with postfix, so it is never installed)
#   X/tests/      the scripts, which write their files here
# When the tarball or msmtp-mta is not in the cache, the scripts that need
# them are skipped, saying why.
#
# UPSTREAM_MSMTP=/usr/bin/msmtp runs the same scripts against that msmtp
# instead of postern, to show that the harness passes with a correct msmtp.
# MSMTP_UPSTREAM_TARBALL=FILE uses a local copy of the tarball (its sha256
# is still checked); POSTERN_TEST_CACHE=DIR is the cache (default
# ~/.cache/postern-tests), so that CI can keep it between runs.

# shellcheck source=tests/upstream.env
. "$top_srcdir/tests/upstream.env"
MU_CACHE=${POSTERN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/postern-tests}
MU="$WORK/msmtp-upstream"
MU_X="$MU/X"
MU_SCRIPTS="test-basic.sh test-auth-plain.sh test-header-handling.sh"
# MU_TODO: the scripts postern does not pass yet, and why; each is
# reported "not ok ... # TODO" (an expected failure).  When one passes it
# is reported "ok ... # TODO", which the test driver counts as an
# unexpected pass (XPASS): then take it off this list.
MU_TODO=""
mu_todo_why() {
	case $1 in
	*) echo "not passed yet" ;; # a script of a newer msmtp: say here what it needs
	esac
}

# mu_skip_all WHY SCRIPT... - each SCRIPT cannot run: SKIP, saying why
mu_skip_all() {
	local why=$1 s
	shift
	for s in "$@"; do ok "# SKIP msmtp's $s: $why"; done
}

# mu_sha256_ok FILE - FILE is the release tarball
mu_sha256_ok() {
	[ -s "$1" ] && [ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$MU_SHA256" ]
}

# mu_tarball - the path of the verified tarball in $MU_TAR; 1 (the reason
# in $MU_WHY) when it cannot be had
mu_tarball() {
	local c="$MU_CACHE/$MU_TARBALL" tmp
	if [ -n "${MSMTP_UPSTREAM_TARBALL:-}" ]; then
		MU_TAR=$MSMTP_UPSTREAM_TARBALL
		mu_sha256_ok "$MU_TAR" && return 0
		MU_WHY="$MSMTP_UPSTREAM_TARBALL is not msmtp $MU_VERSION's tarball (sha256 differs)"
		return 1
	fi
	MU_TAR=$c
	mu_sha256_ok "$c" && return 0
	MU_WHY="$c is not there or not msmtp $MU_VERSION's tarball (tests/fetch-upstream fetches it)"
	return 1
}

# mu_msmtpd - msmtpd unpacked from Debian's msmtp-mta (the .deb kept in the
# cache) into $MU/mta; 1 (the reason in $MU_WHY) when it cannot be had
mu_msmtpd() {
	local deb
	deb=$(find "$MU_CACHE" -maxdepth 1 -name "msmtp-mta_*.deb" 2>/dev/null | sort | tail -n 1)
	if [ -z "$deb" ]; then
		MU_WHY="no msmtp-mta package in $MU_CACHE (tests/fetch-upstream downloads it)"
		return 1
	fi
	mkdir -p "$MU/mta"
	if ! dpkg-deb -x "$deb" "$MU/mta" 2>"$MU/dpkg.err" || [ ! -x "$MU/mta/usr/bin/msmtpd" ]; then
		MU_WHY="cannot unpack msmtpd from $deb: $(head -n 1 "$MU/dpkg.err")"
		return 1
	fi
}

# mu_wrapper TARGET - X/src/msmtp: TARGET run under the name msmtp (its
# argv[0] is the script's own path, .../src/msmtp, as a link gives it).
# msmtp's scripts start msmtpd in the background and run msmtp at once, so
# a plain link would race msmtpd's start; the wrapper first waits, bounded,
# until the --port=N the script gives is listening.
mu_wrapper() {
	cat >"$MU_X/src/msmtp" <<WRAP
#!/bin/bash
target='$1'
port=
for a; do case \$a in --port=*) port=\${a#--port=} ;; esac; done
if [ -n "\$port" ]; then
	hex=\$(printf ':%04X' "\$port")
	end=\$((SECONDS + $WAIT_S))
	until awk -v p="\$hex" '\$4 == "0A" && substr(\$2, length(\$2) - 4) == p { f = 1 } END { exit !f }' \\
		/proc/net/tcp6 /proc/net/tcp; do
		[ "\$SECONDS" -le "\$end" ] || break
		sleep 0.05
	done
fi
exec -a "\$0" "\$target" "\$@"
WRAP
	chmod 755 "$MU_X/src/msmtp"
}

# mu_port_busy SCRIPT - the fixed port SCRIPT's msmtpd listens on is taken
# already (another run of these scripts): its msmtpd would not start
mu_port_busy() {
	local port hex
	port=$(grep -o -m 1 -- '--port=[0-9]*' "$MU_X/tests/$1" | cut -d= -f2)
	[ -n "$port" ] || return 1
	hex=$(printf ':%04X' "$port")
	awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
		/proc/net/tcp6 /proc/net/tcp
}

# mu_old_msmtp - UPSTREAM_MSMTP predates 1.8.27, the first msmtp that
# encodes a non-ASCII -F name (RFC 2047)
mu_old_msmtp() {
	local v
	v=$("$UPSTREAM_MSMTP" --version 2>/dev/null | sed -n '1s/^msmtp version //p')
	[ -n "$v" ] && [ "$(printf '%s\n%s\n' "$v" 1.8.27 | sort -V | head -n 1)" != 1.8.27 ]
}

# mu_run SCRIPT - run one of msmtp's scripts from X/tests; RC and its output
# in $MU/SCRIPT.out
mu_run() {
	set +e
	(cd "$MU_X/tests" && env -i PATH=/usr/bin:/bin HOME="$MU/home" XDG_CONFIG_HOME="$MU/home/.config" \
		timeout 300 bash "./$1") >"$MU/$1.out" 2>&1
	RC=$?
	set -e
}

# mu_report SCRIPT WHAT - the check of one script: passed on exit 0
mu_report() {
	local s=$1 what=$2 todo=
	case " $MU_TODO " in *" $s "*) [ -n "${UPSTREAM_MSMTP:-}" ] || todo=" # TODO $(mu_todo_why "$s")" ;; esac
	if [ "$RC" = 0 ]; then
		ok "msmtp's $s passes with $what$todo"
	elif [ -n "$todo" ]; then
		TAP_N=$((TAP_N + 1))
		echo "not ok $TAP_N - msmtp's $s passes with $what$todo"
		sed 's/^/#   /' "$MU/$s.out" | tail -n 5
	else
		not_ok "msmtp's $s passes with $what (exit $RC)" "$(tail -n 20 "$MU/$s.out")"
	fi
}

mkdir -p "$MU_X/src" "$MU_X/tests" "$MU/home/.config"
MU_WHY=
if [ -n "${UPSTREAM_MSMTP:-}" ]; then
	mu_target=$UPSTREAM_MSMTP
	mu_what="$UPSTREAM_MSMTP ($("$UPSTREAM_MSMTP" --version 2>/dev/null | head -n 1))"
else
	mu_target=$POSTERN
	mu_what="postern invoked as msmtp"
fi
if ! mu_tarball; then
	mu_skip_all "$MU_WHY" $MU_SCRIPTS
elif ! tar -xJf "$MU_TAR" -C "$MU_X" --strip-components=1 --wildcards "msmtp-$MU_VERSION/tests/test-*.sh" \
	2>"$MU/tar.err"; then
	mu_skip_all "cannot extract the scripts from $MU_TAR: $(head -n 1 "$MU/tar.err")" $MU_SCRIPTS
else
	mu_wrapper "$mu_target"
	mu_msmtpd_why=""
	mu_note=""
	if mu_msmtpd; then cp "$MU/mta/usr/bin/msmtpd" "$MU_X/src/msmtpd"; else mu_msmtpd_why=$MU_WHY; fi
	if [ -n "${UPSTREAM_MSMTP:-}" ] && mu_old_msmtp; then
		# msmtp before 1.8.27 writes a non-ASCII -F name raw: that one
		# comparison is left out of this copy of the script
		sed -i '/VGVzdCDDnHNlcg==?= <test@example.com>/d' "$MU_X/tests/test-header-handling.sh"
		mu_note=", without its RFC 2047 -F check (new in msmtp 1.8.27)"
	fi
	for mu_s in $MU_SCRIPTS; do
		if [ ! -f "$MU_X/tests/$mu_s" ]; then
			not_ok "msmtp's $mu_s is in the $MU_VERSION tarball"
		elif grep -q 'src/msmtpd' "$MU_X/tests/$mu_s" && [ -n "$mu_msmtpd_why" ]; then
			mu_skip_all "it needs msmtpd: $mu_msmtpd_why" "$mu_s"
		elif mu_port_busy "$mu_s"; then
			mu_skip_all "the fixed port of its msmtpd is in use (another run of these scripts?)" "$mu_s"
		else
			mu_run "$mu_s"
			mu_report "$mu_s" "$mu_what$([ "$mu_s" != test-header-handling.sh ] || echo "$mu_note")"
		fi
	done
fi
