#!/bin/sh
# translations.sh - every catalogue of po/LINGUAS translates every message
# of the sources as they are now: each po file is merged with a template
# made afresh from po/POTFILES.in (as "make -C po update-po" would), and
# msgfmt must then count nothing untranslated and nothing fuzzy, with every
# printf directive kept (-c).  A new message without its translation, or
# one whose English changed, fails here.  TAP.
top="${top_srcdir:-.}"
for tool in xgettext msgmerge msgfmt; do
	if ! command -v "$tool" >/dev/null; then
		echo "1..0 # SKIP $tool is not installed"
		exit 0
	fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-po.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
# result OK DESC [DIAG] - one TAP line
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/#   /'
		fail=1
	fi
}
(cd "$top" && xgettext --language=C --keyword=_ --keyword=N_ --from-code=UTF-8 \
	--add-comments=TRANSLATORS: --package-name=postern -f po/POTFILES.in -o "$tmp/fresh.pot")
result $? "xgettext makes a template from po/POTFILES.in"
for lang in $(sed 's/#.*//' "$top/po/LINGUAS"); do
	po="$top/po/$lang.po"
	msgmerge --quiet -o "$tmp/$lang.po" "$po" "$tmp/fresh.pot" 2>"$tmp/err"
	result $? "po/$lang.po merges with a fresh template" "$(cat "$tmp/err")"
	stats=$(LC_ALL=C msgfmt -c --check-format --statistics -o /dev/null "$tmp/$lang.po" 2>&1)
	rc=$?
	result $rc "po/$lang.po: msgfmt -c finds no error after the merge" "$stats"
	case $stats in
	*fuzzy* | *untranslated* | '') bad=1 ;;
	*) bad=0 ;;
	esac
	result $bad "po/$lang.po translates every message, none fuzzy ($stats)" \
		"$(LC_ALL=C msgattrib --no-obsolete --untranslated "$tmp/$lang.po" 2>/dev/null | grep -A2 '^#:' | head -40)
$(LC_ALL=C msgattrib --no-obsolete --only-fuzzy "$tmp/$lang.po" 2>/dev/null | grep -A2 '^#:' | head -40)"
done
echo "1..$n"
exit $fail
