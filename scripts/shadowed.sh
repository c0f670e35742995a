#!/bin/sh
# shadowed.sh BINDIR NAME... -- INSTALLED...: after `make install`, say which commands of other
# packages in PATH an installed name shadows, and which shared names were left out and why.
set -eu
bindir=$1; shift
names=
while [ "$1" != -- ]; do names="$names $1"; shift; done
shift
installed=" $* "
# The first NAME in PATH outside BINDIR, or nothing.
elsewhere() {
	IFS=:
	for d in $PATH; do
		[ "$d" != "$bindir" ] && [ -x "$d/$1" ] && { echo "$d/$1"; return; }
	done
	return 0
}
for n in $names; do
	other=$(elsewhere "$n")
	[ -n "$other" ] || continue
	case $installed in
	*" $n "*) echo "note: $bindir/$n shadows $other wherever $bindir comes first in PATH" >&2 ;;
	*)
		case $n in
		nsenter) how="make install NSENTER=1" ;;
		*) how="make install SETUID=1 SHADOW_NAMES=1" ;;
		esac
		echo "note: not installing $n: it would shadow $other; to install it: $how" >&2
		;;
	esac
done
