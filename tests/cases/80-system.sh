# 80-system.sh - the system-wide mode with real users: a set-group-ID copy
# of postern (root:postern 2755), /etc/postern.conf root:postern 0640, the
# users pn-web and pn-user made here and removed at the end.  The system
# file exists only inside private mount namespaces (unshare -m), where a
# directory of links to the machine's /etc plus postern.conf is mounted over
# /etc: the machine's own files are never changed.

SYS="$WORK/sys"
SYSBIN="$WORK/sysbin"
SYS_USERS="pn-web pn-user"
sys_made_group=
sys_etc_before=$(ls -ld /etc/postern.conf 2>&1 || true)

# sys_skip WHY - the machine cannot run these tests: fail under CI=true
sys_skip() {
	if [ "${CI:-}" = true ]; then not_ok "system-wide tests: $1"; else ok "# SKIP system-wide tests: $1"; fi
}

# sys_remove_users - remove the test users and their groups
sys_remove_users() {
	local u
	for u in $SYS_USERS; do
		if id "$u" >/dev/null 2>&1; then userdel "$u" >/dev/null 2>&1 || true; fi
		if getent group "$u" >/dev/null; then groupdel "$u" >/dev/null 2>&1 || true; fi
	done
}

# sys_cleanup - the users, and the group postern if it was made here
sys_cleanup() {
	sys_remove_users
	if [ -n "$sys_made_group" ]; then groupdel postern >/dev/null 2>&1 || true; fi
	sys_made_group=
}

# sys_trap_cmd trap -- CMD EXIT - CMD, from the output of "trap -p EXIT"
sys_trap_cmd() {
	[ $# -lt 3 ] || printf '%s' "$3"
}
# integration.sh's own EXIT trap still runs, after the users are removed
sys_old_exit=$(eval "sys_trap_cmd $(trap -p EXIT)")
trap 'sys_cleanup; eval "$sys_old_exit"' EXIT

# sys_run USER INPUT CMD... - CMD as USER (with USER's groups; root stays
# root) in a private mount namespace that holds the system file, with an
# environment of PATH (the set-group-ID sendmail first), HOME, USER and
# LOGNAME only (VAR=value words at the start of CMD add to it); sets RC,
# OUT and ERR as run_postern does
sys_run() {
	local u=$1 in=$2 home
	shift 2
	home=$(getent passwd "$u" | cut -d: -f6)
	set +e
	timeout 60 unshare -m --propagation private "$SYS/ns.sh" "$u" \
		env -i PATH="$SYSBIN:/usr/bin:/bin" HOME="$home" USER="$u" LOGNAME="$u" "$@" \
		<"$in" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	ERR=$(cat "$WORK/err")
	OUT=$(cat "$WORK/out")
}

# sys_return_path FILE ADDR - the message came with envelope sender ADDR
sys_return_path() {
	[ -n "$1" ] && grep -q "^Return-Path: <$2>\$" "$1"
}

# sys_no_secret FILE... - neither the password nor its AUTH PLAIN form;
# every file must be there (a missing one proves nothing; an empty stdout
# is a fine answer)
sys_no_secret() {
	local f
	for f in "$@"; do
		[ -f "$f" ] && [ -r "$f" ] || { echo "# file to inspect missing: '$f'"; return 1; }
	done
	! grep -qF -e "$SASL_PASS" -e "$SYS_PLAIN_B64" "$@"
}

# sys_has_group FILE - the "id -G" output in FILE lists the postern group
sys_has_group() {
	[ -s "$1" ] && tr ' ' '\n' <"$1" | grep -qx "$SYS_GID"
}

# sys_lacks_group FILE - FILE has "id -G" output without the postern group
sys_lacks_group() {
	[ -s "$1" ] && ! tr ' ' '\n' <"$1" | grep -qx "$SYS_GID"
}

# sys_env_clean FILE - the environment in FILE (env output) holds PATH
# and LC_ALL as postern sets them and what the shell adds, nothing else
sys_env_clean() {
	[ -s "$1" ] && grep -qx 'PATH=/usr/bin:/bin' "$1" && grep -qx 'LC_ALL=C' "$1" &&
		! grep -Ev '^(PATH|LC_ALL|PWD|IFS|OLDPWD|SHLVL|_)=|^[[:space:]]*$' "$1" | grep -q .
}

# sys_gone PID - the process has ended
sys_gone() {
	! kill -0 "$1" 2>/dev/null
}

# sys_slow WHAT EXE DROPPED CMD... - CMD (a send whose passwordeval waits
# for the file $SYS/slow-go) as pn-user in the background, the process EXE;
# while postern waits for the command, its environment must be unreadable
# by pn-user (not dumpable) and core dumps off; DROPPED=yes: its real,
# effective, saved and file-system groups must all be pn-user's by then.
# Then the file is made, and the send must succeed.  (The passwordeval is
# bounded by the account's timeout, 15 s, if the file never comes.)
sys_slow() {
	local what=$1 exe=$2 dropped=$3 pid g
	shift 3
	g=$(id -g pn-user)
	rm -f "$SYS/slow-go"
	set +e
	unshare -m --propagation private "$SYS/ns.sh" pn-user env -i PATH="$SYSBIN:/usr/bin:/bin" HOME="$UH" \
		"$@" <"$SYS/msg" >/dev/null 2>"$WORK/slow.err" &
	pid=$!
	set -e
	# the child to wait for is the passwordeval's shell itself: ns.sh's own
	# short children (id, mount) under the same pid must not end the wait
	local child seen
	wait_until "$WAIT_S" pgrep -P "$pid" -x sh >/dev/null || true
	child=$(pgrep -P "$pid" -x sh 2>/dev/null | head -n 1)
	if [ -z "$child" ]; then
		not_ok "$what: postern started its passwordeval" "no passwordeval child of $pid after $WAIT_S s"
	else
		check "$what: the watched process is postern" test "$(readlink "/proc/$pid/exe")" = "$exe"
		seen=$(setpriv --reuid=pn-web --regid="$(id -g pn-web)" --clear-groups cat "/proc/$child/cmdline" |
			tr '\0' ' ')
		check "$what: another user sees the passwordeval shell as '$seen', not its command" \
			test -n "$seen" -a "${seen#*slow-go}" = "$seen"
		if setpriv --reuid=pn-user --regid="$g" --init-groups cat "/proc/$pid/environ" >/dev/null 2>&1; then
			not_ok "$what: pn-user cannot read /proc/PID/environ of its own postern (not dumpable)"
		else
			ok "$what: pn-user cannot read /proc/PID/environ of its own postern (not dumpable)"
		fi
		check "$what: core dumps are off (/proc/PID/limits)" grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits"
		if [ "$dropped" = yes ]; then
			check "$what: the postern group is given up for good (real, effective, saved, fs)" \
				grep -Eq "^Gid:[[:space:]]+${g}[[:space:]]+${g}[[:space:]]+${g}[[:space:]]+${g}\$" "/proc/$pid/status"
		fi
	fi
	: >"$SYS/slow-go"
	wait_until "$WAIT_S" sys_gone "$pid" || true
	kill "$pid" 2>/dev/null || true
	set +e
	wait "$pid"
	RC=$?
	set -e
	ERR=$(cat "$WORK/slow.err")
	expect_rc 0 "$what: the send after the slow passwordeval"
}

if ! command -v unshare >/dev/null || ! command -v setpriv >/dev/null || ! command -v useradd >/dev/null ||
	! command -v userdel >/dev/null || ! command -v groupadd >/dev/null || ! command -v findmnt >/dev/null; then
	sys_skip "unshare, setpriv, findmnt or the shadow tools (useradd) are missing"
elif ! unshare -m --propagation private sh -c 'mount --bind / /mnt' 2>/dev/null; then
	sys_skip "cannot make a private mount namespace (unshare -m)"
else
	# the group, the users (leftovers of an interrupted run are replaced)
	if ! getent group postern >/dev/null; then
		groupadd --system postern && sys_made_group=yes
	fi
	SYS_GID=$(getent group postern | cut -d: -f3)
	mkdir -p "$SYS/home" "$SYS/etc" "$SYS/realetc" "$SYS/rec" "$SYSBIN"
	chmod 755 "$SYS" "$SYS/home" "$SYS/etc" "$SYSBIN"
	sys_remove_users
	for u in $SYS_USERS; do
		useradd --system --user-group --home-dir "$SYS/home/$u" --create-home --shell /bin/sh "$u" ||
			not_ok "useradd $u"
	done
	WH="$SYS/home/pn-web"
	UH="$SYS/home/pn-user"
	SYS_PLAIN_B64=$(printf '\0%s\0%s' "$SASL_USER" "$SASL_PASS" | base64 -w0)

	# postern (made set-group-ID below, as the manual says), its sendmail
	# name, a plain copy, and a set-group-ID id(1) to prove that the
	# namespace honours the bit
	install -m 755 "$POSTERN" "$SYSBIN/postern"
	install -m 755 "$POSTERN" "$SYSBIN/postern-plain"
	ln -sf postern "$SYSBIN/sendmail"
	install -m 755 /usr/bin/id "$SYSBIN/id-sgid"
	chown root:postern "$SYSBIN/id-sgid"
	chmod 2755 "$SYSBIN/id-sgid"

	# the test's /etc: links to the machine's /etc (mounted on realetc in
	# the namespace), its own links copied as they are, and postern.conf
	for f in /etc/* /etc/.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		n=${f#/etc/}
		if [ -L "$f" ]; then cp -P "$f" "$SYS/etc/$n"; else ln -s "$SYS/realetc/$n" "$SYS/etc/$n"; fi
	done
	rm -f "$SYS/etc/postern.conf" "$SYS/etc/msmtprc"
	cat >"$SYS/ns.sh" <<NS
#!/bin/sh
# ns.sh USER CMD... - run by "unshare -m": the test's /etc over /etc, then
# CMD as USER with USER's groups (root: as root)
set -e
g=\$(id -g "\$1")
mount --bind /etc "$SYS/realetc"
mount --bind "$SYS/etc" /etc
u=\$1
shift
[ "\$u" != root ] || exec "\$@"
exec setpriv --reuid="\$u" --regid="\$g" --init-groups "\$@"
NS
	chmod 755 "$SYS/ns.sh"

	# what only the group may read or write
	printf '%s\n' "$SASL_PASS" >"$SYS/secret"
	: >"$SYS/sys.log"
	: >"$SYS/group.log"
	chown root:postern "$SYS/secret" "$SYS/sys.log" "$SYS/group.log" "$SYS/rec"
	chmod 640 "$SYS/secret"
	chmod 660 "$SYS/sys.log" "$SYS/group.log"
	chmod 770 "$SYS/rec"
	# the system account's passwordeval: its groups and environment, then
	# the password from a file only the group can read; id and env are
	# found through PATH, so a PATH of the caller's would run its own.
	# "sh -p": without it, dash and bash give up the group
	cat >"$SYS/eval-sys.sh" <<EV
#!/bin/sh -p
id -G >"$SYS/rec/ids"
env >"$SYS/rec/env"
cat "$SYS/secret"
EV
	chmod 755 "$SYS/eval-sys.sh"

	sys_down=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	sys_root_home=$(getent passwd root | cut -d: -f6)
	cat >"$SYS/etc/postern.conf" <<RC
# /etc/postern.conf of 80-system.sh - root:postern 0640
defaults
host $SMARTHOST_HOST
port $PORT_SUBMISSION
tls_trust_file $SMARTHOST_CA
timeout 15
user $SASL_USER

account alerts
password "$SASL_PASS"
from cron@postern.test
default_for root

account web
password "$SASL_PASS"
from www@postern.test
default_for pn-web
logfile $SYS/sys.log

account evalacct
passwordeval $SYS/eval-sys.sh
from frank@postern.test

account slow
passwordeval until [ -e $SYS/slow-go ]; do sleep 0.05; done; cat $SYS/secret
from erin@postern.test

account tilde
password "$SASL_PASS"
from carol@postern.test
port $sys_down
logfile ~/pn80-system.log
dead_letter ~/pn80-dead

account default
password "$SASL_PASS"
from admin@postern.test

account loginsys
from oauth@postern.test
auth xoauth2
oauth2_client_id sys-client
oauth2_token_url https://127.0.0.1:$sys_down/token
oauth2_device_url https://127.0.0.1:$sys_down/devicecode
oauth2_token_store $SYS/rec/loginsys.tokens
RC
	chmod 600 "$SYS/etc/postern.conf"
	# step 4 of SYSTEM-WIDE INSTALLATION in postern.conf(5)
	set +e
	make -s -C "$top_srcdir/sendmail-wrapper" install-setgid POSTERN="$SYSBIN/postern" \
		CONF="$SYS/etc/postern.conf" >"$WORK/out" 2>&1
	RC=$?
	set -e
	ERR=$(cat "$WORK/out")
	expect_rc 0 "make -C sendmail-wrapper install-setgid (the group taken from postern --version)"
	check "it made postern root:postern 2755" test "$(stat -c '%U:%G %a' "$SYSBIN/postern")" = "root:postern 2755"
	check "it made the system file root:postern 0640" \
		test "$(stat -c '%U:%G %a' "$SYS/etc/postern.conf")" = "root:postern 640"

	# pn-user's own files: rc files without a password (passwordeval
	# commands that record their groups, run by postern's sh -c itself, not
	# by a script whose own sh would give up the group), a fake id and env
	# early in PATH
	mkdir -p "$UH/.config/postern" "$UH/evil"
	printf '%s\n' "$SASL_PASS" >"$UH/pw.txt"
	printf '#!/bin/sh\n: >"%s/poisoned"\n' "$UH" >"$UH/evil/hook.sh"
	chmod 755 "$UH/evil/hook.sh"
	for t in id env; do
		printf '#!/bin/sh\n: >"%s/poisoned"\nexec /usr/bin/%s "$@"\n' "$UH" "$t" >"$UH/evil/$t"
		chmod 755 "$UH/evil/$t"
	done
	sys_user_account() { # NAME PASSWORDEVAL [EXTRA]
		printf 'account %s\nhost %s\nport %s\ntls_trust_file %s\ntimeout 15\nuser %s\npasswordeval %s\nfrom admin@postern.test\n%s\n\n' \
			"$1" "$SMARTHOST_HOST" "$PORT_SUBMISSION" "$SMARTHOST_CA" "$SASL_USER" "$2" "${3:-}"
	}
	{
		sys_user_account mine "id -G >$UH/ids-userfile; cat $UH/pw.txt"
		sys_user_account steal "cat $SYS/secret"
		sys_user_account grouplog "cat $UH/pw.txt" "logfile $SYS/group.log"
		sys_user_account slowuser "until [ -e $SYS/slow-go ]; do sleep 0.05; done; cat $UH/pw.txt"
	} >"$UH/.config/postern/config"
	{
		sys_user_account default "id -G >$UH/ids-c; cat $UH/pw.txt"
		sys_user_account steal "cat $SYS/secret"
		sys_user_account grouplog "cat $UH/pw.txt" "logfile $SYS/group.log"
		sys_user_account aliased "cat $UH/pw.txt" "aliases /etc/postern.conf"
		sys_user_account slow "until [ -e $SYS/slow-go ]; do sleep 0.05; done; cat $UH/pw.txt"
	} >"$UH/c.rc"
	chown -R pn-user: "$UH"
	chmod 600 "$UH/c.rc" "$UH/.config/postern/config" "$UH/pw.txt"
	printf 'To: bob@postern.test\nSubject: system-wide\n\nfrom a user of the host\n' >"$SYS/msg"
	chmod 644 "$SYS/msg"

	# --- the set-up itself: the bit works in the namespace, the file is there
	sys_run pn-user /dev/null findmnt -no OPTIONS -T "$SYSBIN"
	check "the mount holding the set-group-ID copy is not nosuid" test -n "$OUT" -a "${OUT#*nosuid}" = "$OUT"
	sys_run pn-user /dev/null id-sgid
	check "set-group-ID works for pn-user in the namespace (egid postern)" grep -q "egid=$SYS_GID(postern)" "$WORK/out"
	check "pn-user and pn-web are not in the postern group" \
		sh -c "! id -G pn-user | tr ' ' '\n' | grep -qx $SYS_GID && ! id -G pn-web | tr ' ' '\n' | grep -qx $SYS_GID"
	sys_run root /dev/null stat -c '%U:%G %a' /etc/postern.conf
	check "in the namespace /etc/postern.conf is root:postern 0640" test "$OUT" = "root:postern 640"
	check "outside it the machine's /etc is unchanged" test "$(ls -ld /etc/postern.conf 2>&1 || true)" = "$sys_etc_before"
	"$SYSBIN/postern" --version >"$WORK/out" 2>&1 || true
	check "postern's compiled-in system file is /etc/postern.conf" grep -qx 'system file: /etc/postern.conf' "$WORK/out"

	# --- sending through the system accounts, chosen per calling user
	fresh
	sys_run root "$SYS/msg" sendmail -t
	expect_rc 0 "root sends with plain sendmail -t (set-group-ID copy)"
	check "root's mail went through the account alerts (default_for root)" sys_return_path "$(wait_mail bob)" cron@postern.test

	fresh
	sys_run pn-web "$SYS/msg" sendmail -t
	expect_rc 0 "pn-web sends with plain sendmail -t"
	check "pn-web's mail went through the account web (default_for pn-web)" sys_return_path "$(wait_mail bob)" www@postern.test
	check "the system account's logfile (root:postern 660) was written with the group" \
		grep -q 'host=smtp.postern.test .*from=www@postern.test .*exitcode=EX_OK' "$SYS/sys.log"

	if command -v php >/dev/null; then
		fresh
		cat >"$SYS/mail.php" <<'PHP'
<?php
exit(mail("bob@postern.test", "from PHP", "sent by mail()\n") ? 0 : 1);
PHP
		chmod 644 "$SYS/mail.php"
		sys_run pn-web /dev/null php -n -d 'sendmail_path=sendmail -t -i' "$SYS/mail.php"
		expect_rc 0 "pn-web sends with PHP mail()"
		f=$(wait_mail bob)
		check "PHP's mail arrives through the account web" sys_return_path "$f" www@postern.test
		check "PHP's mail is the one sent by mail()" grep -q '^Subject: from PHP$' "$f"
	elif [ "${CI:-}" = true ]; then
		not_ok "PHP mail(): php-cli is not installed"
	else
		ok "# SKIP PHP mail(): php-cli is not installed"
	fi

	fresh
	sys_run pn-user "$SYS/msg" sendmail -t
	expect_rc 0 "pn-user (no default_for) sends with sendmail -t"
	check "pn-user's mail went through the account default" sys_return_path "$(wait_mail bob)" admin@postern.test

	# the command line may shape a system account's message, never send
	# its password elsewhere
	sys_run pn-user "$SYS/msg" sendmail --port=1 -t
	expect_rc 77 "pn-user's --port=1 on a system account is refused"
	expect_err "option --port could send its password elsewhere" "... saying why"
	sys_run pn-user "$SYS/msg" sendmail --tls-trust-file=/dev/null --tls-certcheck=off -a web -t
	expect_rc 77 "--tls-certcheck=off on a system account is refused too"
	fresh
	sys_run pn-user "$SYS/msg" sendmail --timeout=20 --set-msgid-header=off -t
	expect_rc 0 "--timeout and --set-msgid-header are taken for a system account"
	check "... and the message arrives" test -n "$(wait_mail bob)"
	# -C FILE replaces the user file; the system file is still read (msmtp)
	fresh
	sys_run pn-user "$SYS/msg" sendmail -C "$UH/c.rc" -a alerts -t
	expect_rc 0 "with -C, an account of the system file is still there (as in msmtp)"
	check "... and its mail goes out as that account" sys_return_path "$(wait_mail bob)" cron@postern.test

	# --- the system file and its password stay out of the user's reach
	sys_run pn-web /dev/null cat /etc/postern.conf
	check "pn-web cannot read /etc/postern.conf" test "$RC" != 0 -a -z "$OUT"
	sys_run root /dev/null cat /etc/postern.conf
	check "(root can: the namespace does hold the file)" grep -q '^account web$' "$WORK/out"

	fresh
	sys_run pn-web "$SYS/msg" sendmail -C /etc/postern.conf -t
	expect_rc 78 "sendmail -C /etc/postern.conf as pn-web (read with pn-web's own rights)"
	expect_err "cannot read configuration file /etc/postern.conf" "the error says the file cannot be read"
	check "that error does not give the password away" sys_no_secret "$WORK/out" "$WORK/err"
	check "nothing was sent with -C /etc/postern.conf" no_mail bob

	ln -s /etc/postern.conf "$WORK/sys-link.rc"
	sys_run pn-web "$SYS/msg" sendmail -C "$WORK/sys-link.rc" -t
	expect_rc 78 "-C with a symbolic link to /etc/postern.conf"
	check "the link gives nothing away either" sys_no_secret "$WORK/out" "$WORK/err"

	# pn-web's user file is a link to the system file: read without the group
	mkdir -p "$WH/.config/postern"
	ln -s /etc/postern.conf "$WH/.config/postern/config"
	chown -h -R pn-web: "$WH/.config"
	sys_run pn-web "$SYS/msg" sendmail -t
	expect_rc 78 "a user file that links to /etc/postern.conf is refused"
	expect_err "cannot read configuration file $WH/.config/postern/config" "the link is read with pn-web's rights"
	check "the refused user file gives nothing away" sys_no_secret "$WORK/out" "$WORK/err"
	rm -rf "$WH/.config"

	sys_run pn-web "$SYS/msg" sendmail --resend /etc/postern.conf
	check "--resend /etc/postern.conf fails for pn-web" test "$RC" != 0
	check "--resend gives nothing of the system file away" sys_no_secret "$WORK/out" "$WORK/err"

	# a dead letter that only the group may read is not sent for pn-user
	SYS_DL_RC=$(config sysdown "account down : sub
port $sys_down
dead_letter $SYS/dead")
	run_postern "$SYS/msg" -C "$SYS_DL_RC" -a down -t
	sys_kept=$(find "$SYS/dead/new" -type f 2>/dev/null | head -n 1)
	check "(root kept a dead letter to try --resend on)" test "$RC" = 75 -a -n "$sys_kept"
	chown -R root:postern "$SYS/dead"
	chmod -R u=rwX,g=rX,o= "$SYS/dead"
	chmod 755 "$SYS/dead"
	fresh
	sys_run pn-user /dev/null sendmail -a default --resend "$sys_kept"
	check "--resend of a dead letter only the group can read fails for pn-user" test "$RC" != 0
	check "that dead letter is neither sent nor removed" test -e "$sys_kept"
	check "nothing was sent from it" no_mail bob

	sys_run pn-user "$SYS/msg" sendmail -C "$UH/c.rc" -a aliased root
	check "an aliases file pn-user cannot read is not read for it" test "$RC" != 0
	check "the unreadable aliases file gives nothing away" sys_no_secret "$WORK/out" "$WORK/err"

	fresh
	sys_run pn-user "$SYS/msg" sendmail -v -t
	expect_rc 0 "pn-user sends through the system account with -v"
	# auth on may take a method without an initial response: then the
	# client's answers are the redacted lines
	check "the -v transcript shows AUTH redacted" grep -Eq '(AUTH [A-Z0-9-]* *|^--> )\[redacted\]' "$WORK/out" "$WORK/err"
	check "the -v transcript holds no password" sys_no_secret "$WORK/out" "$WORK/err"

	# "~" in the system file is root's home, not the caller's: the caller
	# cannot choose where the log file opened with the group goes
	sys_run pn-user "$SYS/msg" sendmail -a tilde -t
	expect_rc 75 "a system account with ~/ paths and its smarthost down, as pn-user"
	expect_err "cannot open log file $sys_root_home/pn80-system.log" "its ~/ logfile is in root's home"
	expect_err "could NOT be kept: .*$sys_root_home/pn80-dead" "its ~/ dead_letter is in root's home (not writable for pn-user)"
	check "nothing of it was made in pn-user's home" test ! -e "$UH/pn80-system.log" -a ! -e "$UH/pn80-dead"
	check "nor in root's" test ! -e "$sys_root_home/pn80-system.log" -a ! -e "$sys_root_home/pn80-dead"

	# --- a command in a file the user can write runs without the group
	rm -f "$UH/ids-c" "$UH/ids-userfile"
	fresh
	sys_run pn-user "$SYS/msg" sendmail -C "$UH/c.rc" -t
	expect_rc 0 "pn-user sends with -C and its own passwordeval"
	check "passwordeval of a -C file ran without the postern group" sys_lacks_group "$UH/ids-c"
	sys_run pn-user "$SYS/msg" sendmail -a mine -t
	expect_rc 0 "pn-user sends through an account of its user file (passwordeval)"
	check "passwordeval of the user file ran without the postern group" sys_lacks_group "$UH/ids-userfile"

	fresh
	sys_run pn-user "$SYS/msg" sendmail -C "$UH/c.rc" -a steal -t
	expect_rc 78 "a -C passwordeval that reads a group-only file fails"
	check "its stderr holds no password" sys_no_secret "$WORK/err"
	sys_run pn-user "$SYS/msg" sendmail -a steal -t
	expect_rc 78 "a user-file passwordeval that reads a group-only file fails"
	check "its stderr holds no password" sys_no_secret "$WORK/err"
	check "nothing was sent with a stolen password" no_mail bob

	# --- --oauth2-login for a system account: root only (its store is
	# written with the group); refused before any request (the endpoints
	# are a closed port: a request would fail with 75)
	sys_run pn-user /dev/null postern --oauth2-login -a loginsys
	expect_rc 77 "pn-user's --oauth2-login for a system account is refused"
	expect_err "account loginsys is defined in the system file: only root may run --oauth2-login for it" "... saying only root may"
	check "... and no token store was made" test ! -e "$SYS/rec/loginsys.tokens"
	sys_run root /dev/null postern --oauth2-login -a loginsys
	expect_rc 75 "root's --oauth2-login for it goes as far as the device endpoint (a closed port here)"

	# --- log files named by the user are opened without the group
	fresh
	sys_run pn-user "$SYS/msg" sendmail -a grouplog -t
	expect_rc 0 "a user-file logfile postern cannot open does not stop delivery"
	expect_err "cannot open log file $SYS/group.log" "the unopenable logfile of the user file is reported"
	sys_run pn-user "$SYS/msg" sendmail -C "$UH/c.rc" -a grouplog -t
	expect_rc 0 "a -C logfile postern cannot open does not stop delivery"
	sys_run pn-user "$SYS/msg" sendmail -X "$SYS/group.log" -t
	expect_rc 0 "-X naming a group-only file, with a system account"
	expect_err "cannot open log file $SYS/group.log" "the unopenable -X file is reported"
	check "no log line reached the group-writable file" test ! -s "$SYS/group.log"
	check "the messages were still delivered" test -n "$(wait_mail bob 3)"

	# --- the system file's passwordeval: with the group, in a clean
	# environment that the caller's variables and PATH do not reach
	rm -f "$SYS/rec/ids" "$SYS/rec/env" "$UH/poisoned"
	fresh
	sys_run pn-user "$SYS/msg" PATH="$UH/evil:$SYSBIN:/usr/bin:/bin" PN_POISON=leaked IFS=/ ENV="$UH/evil/hook.sh" \
		BASH_ENV="$UH/evil/hook.sh" sendmail -a evalacct -t
	expect_rc 0 "a system account's passwordeval gives the password"
	check "the message sent with its output arrives" sys_return_path "$(wait_mail bob)" frank@postern.test
	check "the system passwordeval has the postern group (reads a group-only file)" sys_has_group "$SYS/rec/ids"
	check "its environment is PATH=/usr/bin:/bin and LC_ALL=C, none of the caller's" sys_env_clean "$SYS/rec/env"
	check "the caller's PATH did not run its own id or env with the group" test -s "$SYS/rec/ids" -a ! -e "$UH/poisoned"

	# --- not dumpable while it waits for a secret
	sys_run pn-user /dev/null sh -c 'sleep 5 & p=$!; cat /proc/$p/environ >/dev/null; r=$?; kill $p; exit $r'
	check "(pn-user can read /proc/PID/environ of its own ordinary process)" test "$RC" = 0
	fresh
	sys_slow "set-group-ID, system passwordeval" "$SYSBIN/postern" no sendmail -a slow -t
	sys_slow "set-group-ID, user-file passwordeval" "$SYSBIN/postern" yes sendmail -a slowuser -t
	sys_slow "plain postern, -C passwordeval" "$SYSBIN/postern-plain" no postern-plain -C "$UH/c.rc" -a slow -t
	check "the three slow sends arrive" test -n "$(wait_mail bob 3)"

	# --- OAuth 2.0: a system account's client secret and tokens are the
	# group's, as its password is (tests/oauthserver.py, and faultsmtp.py
	# checking the token); the store's directory as the manual says
	SO="$SYS/oauth"
	mkdir -p "$SO"
	install -d -o root -g postern -m 2770 "$SYS/oauth2"
	python3 "$top_srcdir/tests/oauthserver.py" --port-file "$SO/oport" --cert "$SMARTHOST_DIR/tls/server.pem" \
		--key "$SMARTHOST_DIR/tls/server-key.pem" --dir "$SO" --client sysapp:sysappsecret --max-seconds 300 \
		>"$SO/out" 2>"$SO/err" &
	so_pid=$!
	wait_until "$WAIT_S" sh -c "[ -s '$SO/oport' ] || ! kill -0 $so_pid 2>/dev/null" || true
	so_url="https://$SMARTHOST_HOST:$(cat "$SO/oport" 2>/dev/null || echo 9)"
	python3 "$top_srcdir/tests/faultsmtp.py" --port-file "$SO/sport" --log "$SO/slog" --max-seconds 300 \
		--tls-cert "$SMARTHOST_DIR/tls/server.pem" --tls-key "$SMARTHOST_DIR/tls/server-key.pem" \
		"{\"oauth_introspect\": \"$so_url/introspect\", \"oauth_ca\": \"$SMARTHOST_CA\"}" >"$SO/sout" 2>"$SO/serr" &
	ss_pid=$!
	wait_until "$WAIT_S" sh -c "[ -s '$SO/sport' ] || ! kill -0 $ss_pid 2>/dev/null" || true
	cat >>"$SYS/etc/postern.conf" <<RC

account oauthsys
port $(cat "$SO/sport" 2>/dev/null || echo 9)
auth xoauth2
from admin@postern.test
oauth2_client_id sysapp
oauth2_client_secret sysappsecret
oauth2_grant client_credentials
oauth2_token_url $so_url/token
oauth2_trust_file $SMARTHOST_CA
oauth2_token_store $SYS/oauth2/oauthsys
RC
	sys_run pn-user "$SYS/msg" sendmail -a oauthsys bob@postern.test
	expect_rc 0 "pn-user sends through a system OAuth 2.0 account (client credentials)"
	check "one token request was made" test "$(grep -c '"grant_type": "client_credentials"' "$SO/requests.log")" = 1
	check "the token store is group postern, mode 0660" \
		test "$(stat -c '%G %a' "$SYS/oauth2/oauthsys" 2>&1)" = "postern 660"
	sys_run pn-user /dev/null cat "$SYS/oauth2/oauthsys"
	check "pn-user cannot read the store itself" test "$RC" != 0 -a -z "$OUT"
	sys_run pn-web "$SYS/msg" sendmail -a oauthsys bob@postern.test
	expect_rc 0 "pn-web sends through it with the token pn-user's send cached"
	check "that send made no token request" test "$(grep -c '"path": "/token"' "$SO/requests.log")" = 1
	check "both tokens were accepted by the server" test "$(grep -o '"active": true' "$SO/slog" | wc -l)" = 2
	check "the client secret is in no output" sh -c "! grep -q sysappsecret '$WORK/err' '$WORK/out'"
	# root signs in for a system account (device flow): the store is
	# written with the group, and a user's send then uses it
	cat >>"$SYS/etc/postern.conf" <<RC

account loginsys2
port $(cat "$SO/sport" 2>/dev/null || echo 9)
auth xoauth2
from admin@postern.test
oauth2_client_id sysapp
oauth2_client_secret sysappsecret
oauth2_token_url $so_url/token
oauth2_device_url $so_url/devicecode
oauth2_trust_file $SMARTHOST_CA
oauth2_token_store $SYS/oauth2/loginsys2
RC
	sys_run root /dev/null postern --oauth2-login -a loginsys2
	expect_rc 0 "root signs in for a system account with the set-group-ID postern (device flow)"
	check "... its store is group postern, mode 0660" \
		test "$(stat -c '%G %a' "$SYS/oauth2/loginsys2" 2>&1)" = "postern 660"
	check "... and holds the refresh token" grep -q '^refresh_token ' "$SYS/oauth2/loginsys2"
	check "... the client secret is in no output" sh -c "! grep -q sysappsecret '$WORK/err' '$WORK/out'"
	sys_run pn-user "$SYS/msg" sendmail -a loginsys2 bob@postern.test
	expect_rc 0 "pn-user sends through the account root signed in for"
	kill "$so_pid" "$ss_pid" 2>/dev/null || true
	wait "$so_pid" "$ss_pid" 2>/dev/null || true

	# --- the users are removed, the machine's /etc is as it was
	sys_cleanup
	check "the test users are removed" sh -c '! id pn-web >/dev/null 2>&1 && ! id pn-user >/dev/null 2>&1'
	check "the machine's /etc/postern.conf is as it was" test "$(ls -ld /etc/postern.conf 2>&1 || true)" = "$sys_etc_before"
fi
sys_cleanup
if [ -n "$sys_old_exit" ]; then trap -- "$sys_old_exit" EXIT; else trap - EXIT; fi
