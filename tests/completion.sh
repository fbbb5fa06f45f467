#!/bin/bash
# completion.sh - --help lists every option the command line takes, and
# the bash completion (completion/postern.bash), run by bash itself,
# offers options, values, account names from the rc files (through
# --list-accounts) and file names.  TAP; needs no server.
set -u
top="${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}"
POSTERN=${POSTERN:-$top/postern}
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fail=1; echo "not ok $n - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
# is GOT WANT DESC
is() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got:  $1" "want: $2"; fi; }

T=$(mktemp -d /tmp/postern-completion.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/dir"
ln -s "$POSTERN" "$T/bin/postern"
export PATH="$T/bin:$PATH"
help=$(LC_ALL=C postern --help)

# every long option cli.c takes (read from its source, so that a new one
# is checked too) and every single-letter option is in --help's first
# column, with the two spaces before it
longs=$( (grep -oE 'strcmp\(w, "[a-z][a-z0-9-]*"\)' "$top/src/cli.c" | cut -d'"' -f2
	grep -oE "\\{\"[a-z][a-z0-9-]*\", '[A-Za-z]'\\}" "$top/src/cli.c" | cut -d'"' -f2) | sort -u)
missing=
for o in $longs; do
	printf '%s\n' "$help" | grep -qE -- "^  (-[^ ]*( [A-Z]+)?, )*--$o([=, ]|$)" || missing="$missing --$o"
done
check_n=$(echo "$longs" | wc -l)
if [ "$check_n" -ge 15 ] && [ -z "$missing" ]; then ok "--help lists the $check_n long options of cli.c"; else
	not_ok "--help lists the $check_n long options of cli.c" "missing:$missing"; fi
missing=
for o in t i f r F C a N R V X L v d P S q bs bv bi bp oi; do
	printf '%s\n' "$help" | grep -qE -- "^  (.*[ ,])?-$o([ ,]|$)" || missing="$missing -$o"
done
is "$missing" "" "--help lists the single-letter options"
for h in "Sending:" "Choosing the account:" "Other modes (nothing is sent):" "Diagnostics and logging:" "TLS:" "Authentication:"; do
	if printf '%s\n' "$help" | grep -qx -- "$h"; then ok "--help has the group '$h'"; else not_ok "--help has the group '$h'"; fi
done

# comp WORD... - what _postern offers for the last word, one a line
comp() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _postern; printf "%s\n" "${COMPREPLY[@]}"' \
		comp "$top/completion/postern.bash" "$@" 2>"$T/comp.err"
}

# options: the completion offers exactly the long options --help lists
want=$(printf '%s\n' "$help" | sed -n 's/^  \(-[^ ].*\)$/\1/p' | sed 's/  .*//' | grep -oE -- '--[a-z0-9-]+' | sort -u)
got=$(comp postern -- | sed 's/=$//' | sort -u)
is "$got" "$want" "'--' offers every long option of --help ($(printf '%s\n' "$want" | wc -l))"
is "$(comp postern --tls-tr)" "--tls-trust-file=" "a value option is offered with its '='"
is "$(comp postern --read-r)" "--read-recipients" "a flag is offered alone"
is "$(comp postern --log-format = '' | tr '\n' ' ')" "text json " "--log-format= offers its words"
is "$(comp postern --tls = o | tr '\n' ' ')" "on off " "--tls= offers on and off"
is "$(comp postern --tls-trust-file = sys)" "system" "--tls-trust-file= offers system"

# account names, read as postern reads the files
cat >"$T/rc" <<'RC'
defaults
host mail.example.com
account work
from a@example.com
account home : work
account default : work
RC
chmod 600 "$T/rc"
is "$(comp postern -C "$T/rc" -a '' | tr '\n' ' ')" "work home default " "-a offers the accounts of -C FILE"
is "$(comp postern -C"$T/rc" -a h)" "home" "-a offers only those that fit (-CFILE)"
is "$(comp postern --file="$T/rc" --account = w)" "work" "--account= with --file="
is "$(comp postern --file = "$T/rc" -a d)" "default" "--file = FILE as bash splits it"
# shellcheck disable=SC2088 # the tilde as the user typed it
is "$(HOME=$T comp postern -C '~/rc' -a w)" "work" "-C ~/FILE as typed, not yet expanded"
is "$(comp postern -C "$T/none" -a '')" "" "no account from a file that is not there"
is "$(cat "$T/comp.err")" "" "... and nothing on the terminal"
printf 'account ev\neval touch %s/ran; echo host x\naccount ev2\n' "$T" >"$T/ev"
chmod 600 "$T/ev"
is "$(comp postern -C "$T/ev" -a '' | tr '\n' ' ')" "ev ev2 " "-a with a file holding an eval line"
is "$(test -e "$T/ran" && echo ran)" "" "... whose command is not run"
# an account name is the file's text: completing it runs nothing in it
printf 'account $(touch${IFS}%s/sub)\naccount `touch${IFS}%s/bq`\n' "$T" "$T" >"$T/meta"
chmod 600 "$T/meta"
is "$(comp postern -C "$T/meta" -a '' | wc -l)" "2" "-a offers names with shell syntax in them as they are"
is "$(ls "$T" | grep -cE '^(sub|bq)$')" "0" "... and runs none of it"
printf 'account bad\nnosuchcommand x\n' >"$T/bad"
chmod 600 "$T/bad"
"$POSTERN" -C "$T/bad" --list-accounts >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out")" "78:" "--list-accounts: a broken file lists nothing and exits 78"

# files after -C, -X, --resend and --file=
: >"$T/dir/conf-one"
is "$(comp postern -C "$T/dir/conf")" "$T/dir/conf-one" "-C offers files"
is "$(comp postern --resend "$T/dir/c")" "$T/dir/conf-one" "--resend offers files"
is "$(comp postern --file = "$T/dir/c")" "$T/dir/conf-one" "--file= offers files"
is "$(comp postern -f '')" "" "nothing is offered for an address"

echo "1..$n"
exit $fail
