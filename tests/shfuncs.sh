#!/bin/sh
# shfuncs.sh - the case files run in one shell after tests/lib.sh: a
# function one of them defines must have a name no other file (nor
# lib.sh) uses, or a later file calls the wrong one.  TAP.
top="${top_srcdir:-.}"
n=0
fail=0
defs=$(for f in "$top"/tests/lib.sh "$top"/tests/cases/*.sh; do
	sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)() *{.*/\1/p' "$f" | sed "s|\$| $(basename "$f")|"
done)
for name in $(printf '%s\n' "$defs" | cut -d' ' -f1 | sort -u); do
	n=$((n + 1))
	files=$(printf '%s\n' "$defs" | awk -v f="$name" '$1 == f { print $2 }' | tr '\n' ' ')
	if [ "$(printf '%s\n' "$defs" | awk -v f="$name" '$1 == f' | wc -l)" = 1 ]; then
		echo "ok $n - $name() is defined once ($files)"
	else
		echo "not ok $n - $name() is defined in more than one file: $files"
		fail=1
	fi
done
echo "1..$n"
exit $fail
