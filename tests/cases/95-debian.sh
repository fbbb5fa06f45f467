# 95-debian.sh - the Debian package: debian/ builds postern and postern-mta
# (dpkg-buildpackage -us -uc -b, from a copy of the source tree, which
# stays clean), lintian finds no error, and both install into a clean
# Debian 12 root (debootstrap --variant=minbase bookworm), where cron-style
# mail goes through the installed /usr/sbin/sendmail to the smarthost; then
# the set-group-ID recipe of debian/postern.README.Debian, and purge.
#
# Packages: debhelper dpkg-dev fakeroot lintian debootstrap (a missing one
# gives SKIP lines, or a failure under CI=true).  The root is the tarball
# that tests/fetch-upstream made from Debian's mirror (tests/bootstrap runs
# it) in $POSTERN_TEST_CACHE: the test itself uses the network on loopback
# only; without the tarball (the mirror could not be reached) the tests of
# the installed packages are SKIP lines.
# Everything in the root runs in a private mount namespace (unshare -m,
# /proc and /dev mounted there), which shares the network namespace: the
# root reaches the smarthost on 127.0.0.1.  The root is removed at the end.

DEB_N=11 # the tests of this file, for the SKIP lines
DEB_DIR=$WORK/deb
DEB_ROOT=$DEB_DIR/root
DEB_CACHE=${POSTERN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/postern-tests}
DEB_TARBALL=$DEB_CACHE/debian12-minbase-adduser-root.tar.gz

# deb_skip WHY N [CI-FAILS] - N tests cannot run: N SKIP lines, or one
# failure under CI=true when CI-FAILS is given (a tool that bootstrap
# installs is missing; an unreachable mirror is no fault of the tree)
deb_skip() {
	local i
	if [ "${CI:-}" = true ] && [ -n "${3:-}" ]; then
		not_ok "$1 (CI=true)"
		return
	fi
	for i in $(seq "$2"); do ok "# SKIP $1"; done
}

# deb_tools - what is missing of the packaging tools, if anything
deb_tools() {
	local t
	for t in dpkg-buildpackage dh lintian debootstrap fakeroot unshare chroot; do
		command -v "$t" >/dev/null || printf '%s ' "$t"
	done
	unshare -m --propagation private true 2>/dev/null || printf 'unshare -m '
}

# deb_copy_src DIR - the source tree into DIR, writable: at the top of a
# git checkout the files git knows or would add (not the builds), else (a
# dist tree, which may lie inside a checkout's build directory) all of it
deb_copy_src() {
	mkdir -p "$1"
	if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ]; then
		git -C "$top_srcdir" ls-files -z -co --exclude-standard |
			(cd "$top_srcdir" && tar -c --ignore-failed-read --null -T - 2>/dev/null) | tar -x -C "$1"
	else
		tar -C "$top_srcdir" --exclude=./_build -c . | tar -x -C "$1"
	fi && chmod -R u+w "$1"
}

# deb_build - build the packages into $DEB_DIR (the unit tests are left to
# the suite itself: nocheck)
deb_build() {
	deb_copy_src "$DEB_DIR/src" || return 1
	(cd "$DEB_DIR/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
		timeout 900 dpkg-buildpackage -us -uc -b) >"$DEB_DIR/build.log" 2>&1
}

# deb_make_root - a clean Debian 12 root in $DEB_ROOT, from the tarball
# of tests/fetch-upstream
deb_make_root() {
	mkdir -p "$DEB_ROOT"
	[ -s "$DEB_TARBALL" ] && tar -C "$DEB_ROOT" -xzf "$DEB_TARBALL" 2>"$DEB_DIR/untar.log"
}

# deb_in CMD... - run CMD as root in the Debian root, in a private mount
# namespace with /proc and /dev, with a clean environment; output to
# $DEB_DIR/in.out.  Its status is CMD's: outside a condition, give it
# "|| ..." (the suite runs under set -e)
deb_in() {
	timeout 300 unshare -m --propagation private /bin/sh -c '
		r=$1; shift
		mount -t proc proc "$r/proc" && mount --bind /dev "$r/dev" || exit 125
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"' \
		sh "$DEB_ROOT" "$@" >"$DEB_DIR/in.out" 2>&1
}

# deb_in_ok DESC CMD... - a test that CMD succeeds in the root
deb_in_ok() {
	local desc=$1
	shift
	if deb_in "$@"; then ok "$desc"; else not_ok "$desc" "failed in the root: $*" "$(head -c 3000 "$DEB_DIR/in.out")"; fi
}

# deb_setup_conf - /etc/postern.conf in the root (root:root 600, as the
# administrator writes it before choosing the system-wide mode) for the
# smarthost, with its CA, its name and an aliases file for cron's "root"
deb_setup_conf() {
	cp "$SMARTHOST_CA" "$DEB_ROOT/etc/postern-test-ca.pem"
	printf '127.0.0.1 %s\n' "$SMARTHOST_HOST" >>"$DEB_ROOT/etc/hosts"
	printf 'root: admin@postern.test\n' >"$DEB_ROOT/etc/postern.aliases"
	chmod 644 "$DEB_ROOT/etc/postern.aliases"
	cat >"$DEB_ROOT/etc/postern.conf" <<RC
# /etc/postern.conf of 95-debian.sh
defaults
aliases /etc/postern.aliases
tls_trust_file /etc/postern-test-ca.pem
timeout 30

account default
host $SMARTHOST_HOST
port $PORT_SUBMISSION
auth on
user $SASL_USER
password "$SASL_PASS"
from alice@postern.test
RC
	chmod 600 "$DEB_ROOT/etc/postern.conf"
}

# deb_cron_msg FILE MARK - the message cron writes to sendmail's stdin for
# a job's output, 8-bit text included
deb_cron_msg() {
	printf '%s\n' 'From: root (Cron Daemon)' 'To: root' \
		'Subject: Cron <root@deb12> /usr/local/bin/nightly' \
		'MIME-Version: 1.0' 'Content-Type: text/plain; charset=UTF-8' \
		'Content-Transfer-Encoding: 8bit' \
		'X-Cron-Env: <SHELL=/bin/sh>' 'X-Cron-Env: <HOME=/root>' \
		'X-Cron-Env: <PATH=/usr/bin:/bin>' 'X-Cron-Env: <LOGNAME=root>' '' \
		"nightly job: $2" 'résumé 8-bit' >"$1"
}

# deb_send_check DESC USER MARK - USER (root, or nobody) sends cron's message
# through the root's /usr/sbin/sendmail; it must reach admin with its body
deb_send_check() {
	local f
	fresh
	deb_cron_msg "$DEB_ROOT/tmp/cron.msg" "$3"
	RC=0
	if [ "$2" = root ]; then
		deb_in /bin/sh -c '/usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem root </tmp/cron.msg' || RC=$?
	else
		deb_in setpriv --reuid="$2" --regid="$2" --clear-groups env HOME=/nonexistent /bin/sh -c \
			'/usr/sbin/sendmail -FCronDaemon -i -B8BITMIME -oem root </tmp/cron.msg' || RC=$?
	fi
	f=$(wait_mail admin)
	if [ "$RC" = 0 ] && [ -n "$f" ] && body_has "$f" "^nightly job: $3\$" && body_has "$f" '^résumé 8-bit$' &&
		body_has "$f" '^Subject: Cron <root@deb12> /usr/local/bin/nightly$'; then
		ok "$1"
	else
		not_ok "$1" "exit $RC: $(head -c 2000 "$DEB_DIR/in.out")" "delivered: ${f:-nothing}"
	fi
}

# deb_mode PATH - owner:group mode of PATH, the names as the root has them
deb_mode() {
	deb_in stat -c '%U:%G %a' "$1" || true
	cat "$DEB_DIR/in.out"
}

# deb_remove_root - remove the root, once nothing is mounted in it (the
# namespaces that mounted there are gone; this is the check)
deb_remove_root() {
	[ -z "${KEEP:-}" ] && [ -d "$DEB_ROOT" ] || return 0
	if [ -n "$(findmnt -rn -o TARGET | grep -F "$DEB_ROOT" || true)" ]; then
		echo "# $DEB_ROOT still has mounts; left in place"
		return 0
	fi
	rm -rf "$DEB_ROOT"
}

# deb_installed_tests - everything after the root is ready
deb_installed_tests() {
	local mta
	cp "$DEB_DIR"/postern_*.deb "$DEB_DIR"/postern-mta_*.deb "$DEB_ROOT/tmp/"
	deb_in_ok "dpkg -i postern postern-mta in a clean Debian 12 root" \
		/bin/sh -c 'dpkg -i /tmp/postern_*.deb /tmp/postern-mta_*.deb'
	deb_in dpkg -L postern-mta || true
	mta=$(cat "$DEB_DIR/in.out")
	if printf '%s\n' "$mta" | grep -qx /usr/sbin/sendmail && printf '%s\n' "$mta" | grep -qx /usr/bin/mailq &&
		printf '%s\n' "$mta" | grep -qx /usr/bin/newaliases && [ "$(readlink -f "$DEB_ROOT/usr/sbin/sendmail")" = "$DEB_ROOT/usr/bin/postern" ]; then
		ok "dpkg -L postern-mta: /usr/sbin/sendmail, mailq, newaliases, links to postern"
	else
		not_ok "dpkg -L postern-mta: /usr/sbin/sendmail, mailq, newaliases, links to postern" "$mta"
	fi
	deb_in getent group postern || : >"$DEB_DIR/in.out"
	if [ -s "$DEB_DIR/in.out" ] && [ "$(deb_mode /var/lib/postern/oauth2)" = "root:postern 2770" ] &&
		[ "$(deb_mode /usr/bin/postern)" = "root:root 755" ]; then
		ok "postinst: the postern group, /var/lib/postern/oauth2 root:postern 2770, postern not set-group-ID"
	else
		not_ok "postinst: the postern group, /var/lib/postern/oauth2 root:postern 2770, postern not set-group-ID" \
			"oauth2: $(deb_mode /var/lib/postern/oauth2); postern: $(deb_mode /usr/bin/postern)"
	fi
	deb_setup_conf
	deb_send_check "cron's sendmail -FCronDaemon -i -B8BITMIME -oem root, as root, through the installed /usr/sbin/sendmail" root "as-root-$$"
	deb_statoverride_tests
	deb_in_ok "purge" dpkg --purge postern-mta postern
	if [ ! -e "$DEB_ROOT/var/lib/postern" ] && grep -q '^postern:' "$DEB_ROOT/etc/group" && deb_in dpkg -l; then
		ok "purge removes /var/lib/postern and keeps the postern group (files outside the package may belong to it); dpkg still works"
	else
		not_ok "purge removes /var/lib/postern and keeps the postern group; dpkg still works" \
			"$(ls -ld "$DEB_ROOT/var/lib/postern" 2>&1)" "$(grep postern "$DEB_ROOT/etc/group" "$DEB_ROOT/var/lib/dpkg/statoverride" 2>&1)"
	fi
}

# deb_statoverride_tests - the set-group-ID recipe of README.Debian: the
# mode, kept by dpkg when the package is installed again, and an ordinary
# user (nobody) sends through the system file it cannot read
deb_statoverride_tests() {
	deb_in /bin/sh -c 'dpkg-statoverride --update --add root postern 2755 /usr/bin/postern &&
		chown root:postern /etc/postern.conf && chmod 640 /etc/postern.conf &&
		dpkg -i /tmp/postern_*.deb' || true
	if [ "$(deb_mode /usr/bin/postern)" = "root:postern 2755" ]; then
		ok "dpkg-statoverride recipe: /usr/bin/postern root:postern 2755, kept when the package is installed again"
	else
		not_ok "dpkg-statoverride recipe: /usr/bin/postern root:postern 2755, kept when the package is installed again" \
			"mode: $(deb_mode /usr/bin/postern)" "$(head -c 2000 "$DEB_DIR/in.out")"
	fi
	if deb_in setpriv --reuid=65534 --regid=65534 --clear-groups cat /etc/postern.conf; then
		not_ok "set-group-ID: nobody sends through /etc/postern.conf (root:postern 640)" "nobody could read /etc/postern.conf"
	else
		deb_send_check "set-group-ID: nobody sends through /etc/postern.conf (root:postern 640), which it cannot read" \
			65534 "as-nobody-$$"
	fi
}

# deb_mta_fields - postern-mta is an MTA as Debian policy 7.5 and 11.6 ask:
# it provides, conflicts with and replaces mail-transport-agent
deb_mta_fields() {
	local f fields=
	for f in Provides Conflicts Replaces; do
		fields="$fields$f: $(dpkg-deb -f "$DEB_DIR"/postern-mta_*.deb "$f") "
	done
	if [ "$fields" = "Provides: mail-transport-agent Conflicts: mail-transport-agent Replaces: mail-transport-agent " ]; then
		ok "postern-mta: Provides, Conflicts and Replaces mail-transport-agent"
	else
		not_ok "postern-mta: Provides, Conflicts and Replaces mail-transport-agent" "$fields"
	fi
}

# deb_main - build, lint, make the root, then the tests in it
deb_main() {
	local missing
	missing=$(deb_tools)
	if [ -n "$missing" ]; then
		deb_skip "Debian package: missing $missing" "$DEB_N" ci-fails
		return
	fi
	mkdir -p "$DEB_DIR"
	if ! deb_build; then
		not_ok "dpkg-buildpackage -us -uc -b builds postern and postern-mta" "$(tail -n 30 "$DEB_DIR/build.log")"
		deb_skip "Debian package: the build failed" $((DEB_N - 1))
		return
	fi
	ok "dpkg-buildpackage -us -uc -b builds postern and postern-mta"
	if lintian --fail-on error "$DEB_DIR"/postern_*.changes >"$DEB_DIR/lintian.out" 2>&1; then
		ok "lintian: no errors"
	else
		not_ok "lintian: no errors" "$(cat "$DEB_DIR/lintian.out")"
	fi
	grep -E '^[WIP]:' "$DEB_DIR/lintian.out" | sed 's/^/# lintian: /' || true
	deb_mta_fields
	if ! deb_make_root; then
		deb_skip "no Debian 12 root in $DEB_TARBALL (tests/fetch-upstream makes it from Debian's mirror)" $((DEB_N - 3))
		deb_remove_root
		return
	fi
	deb_installed_tests
	deb_remove_root
}

deb_main
