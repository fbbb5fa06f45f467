#!/bin/sh
# layers.sh - every #include "x.h" in src/ follows the module map in
# HACKING: a file includes headers of its own layer or lower ones, and
# every file belongs to a module the map names.  TAP.
top="${top_srcdir:-.}"
map="$top/HACKING"
n=0
fail=0
if ! grep -q '^ *L[0-9] ' "$map" 2>/dev/null; then
	echo "not ok 1 - the module map in HACKING can be read"
	echo "1..1"
	exit 1
fi
# module -> layer, from the map's "  L<n> <name>: module module ..." lines
table=$(awk '/^ *L[0-9] / { l = substr($1, 2); sub(/^[^:]*: */, ""); for (i = 1; i <= NF; i++) print $i, l }' "$map")
layer_of() {
	printf '%s\n' "$table" | awk -v m="$1" '$1 == m { print $2; exit }'
}
for f in "$top"/src/*.c "$top"/src/*.h; do
	n=$((n + 1))
	base=$(basename "$f")
	mod=${base%.*}
	mine=$(layer_of "$mod")
	if [ -z "$mine" ]; then
		echo "not ok $n - $base: module $mod is in the map of HACKING"
		fail=1
		continue
	fi
	bad=
	for inc in $(sed -n 's/^#include "\([a-z_0-9]*\)\.h".*/\1/p' "$f"); do
		theirs=$(layer_of "$inc")
		if [ -z "$theirs" ] || [ "$theirs" -gt "$mine" ]; then
			bad="$bad $inc.h(layer ${theirs:-unknown})"
		fi
	done
	if [ -n "$bad" ]; then
		echo "not ok $n - $base (layer $mine) includes only its layer or lower"
		echo "#   includes:$bad"
		fail=1
	else
		echo "ok $n - $base (layer $mine) includes only its layer or lower"
	fi
done
echo "1..$n"
exit $fail
