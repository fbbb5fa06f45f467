#!/bin/sh
# banned.sh - calls postern's C code must not use (STYLE.md 8), as TAP.
src="${top_srcdir:-.}/src"
n=0
fail=0
for fn in sprintf vsprintf strcpy strcat strncpy strncat strtok atoi sscanf gets alloca; do
	n=$((n + 1))
	hits=$(grep -nE "(^|[^_a-z0-9])$fn[[:space:]]*\(" "$src"/*.c "$src"/*.h || true)
	if [ -n "$hits" ]; then
		echo "not ok $n - no $fn() in src/"
		echo "$hits" | sed 's/^/#   /'
		fail=1
	else
		echo "ok $n - no $fn() in src/"
	fi
done
echo "1..$n"
exit $fail
