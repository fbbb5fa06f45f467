#!/bin/sh
# potfiles.sh - every source file with a message marked for translation
# (_() or N_()) is in po/POTFILES.in, so that xgettext sees it and no
# message silently stays English.  TAP.
top="${top_srcdir:-.}"
list="$top/po/POTFILES.in"
n=0
fail=0
for f in "$top"/src/*.c; do
	base=src/$(basename "$f")
	grep -qE '(^|[^A-Za-z0-9_])N?_\("' "$f" || continue
	n=$((n + 1))
	if grep -qx "$base" "$list"; then
		echo "ok $n - $base is in po/POTFILES.in"
	else
		echo "not ok $n - $base has translatable messages but is not in po/POTFILES.in"
		fail=1
	fi
done
echo "1..$n"
exit $fail
