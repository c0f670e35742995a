#!/bin/sh
# Per-container cost when many containers exist: N containers (a process in a new network
# namespace, a veth pair with addresses, a cgroup with a pids limit) built one after the other
# with nstools and kept alive, for each N given; then everything is removed.
#   bench/scale.sh BINDIR N...      e.g. bench/scale.sh target/static 10 100 500
# Prints, per N, the median per-container time over the N builds and its ratio to the first N.
set -eu
bin=$1
shift
tag=s$(($$ % 10000))
work=$(mktemp -d /tmp/nstools-scale.XXXXXX)
pids=$work/pids

teardown() {
	# nsunshare holds SIGTERM while its child runs (as util-linux does); --kill-child takes the
	# child along when it is killed.
	[ -f "$pids" ] && while read -r p; do kill -KILL "$p" 2>/dev/null || true; done <"$pids"
	wait 2>/dev/null || true
	for d in $(ls "$work" 2>/dev/null | grep '^cg-' || true); do
		"$bin/nscgroup" delete --kill "$tag-${d#cg-}" 2>/dev/null || true
	done
	rm -f "$pids" "$work"/cg-* "$work"/fifo-*
}
trap 'teardown; rm -rf "$work"' EXIT

now_us() { echo $(($(date +%s%N) / 1000)); }

first=
for n in "$@"; do
	: >"$work/times"
	i=1
	while [ "$i" -le "$n" ]; do
		fifo=$work/fifo-$i
		mkfifo "$fifo"
		: >"$work/cg-$i"
		start=$(now_us)
		"$bin/nsunshare" -n --kill-child \
			--setup "$bin/nsveth add --netns=\$NS_PID --host=$tag-$i --host-addr=10.$((100 + i / 250)).$((i % 250)).1/24 --peer-addr=10.$((100 + i / 250)).$((i % 250)).2/24 --gateway && $bin/nscgroup create $tag-$i --pids=20 && $bin/nscgroup attach $tag-$i \$NS_PID" \
			-- sh -c 'echo up >"$0"; exec sleep 3600' "$fifo" &
		echo $! >>"$pids"
		read -r _ <"$fifo"
		echo $(($(now_us) - start)) >>"$work/times"
		i=$((i + 1))
	done
	median=$(sort -n "$work/times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	[ -n "$first" ] || first=$median
	ratio=$(awk -v m="$median" -v f="$first" 'BEGIN {printf "%.2f", m / f}')
	echo "| $n containers | $(awk -v m="$median" 'BEGIN {printf "%.3f", m / 1000}') ms per container | ${ratio}x the first N |"
	teardown
	sleep 1 # let the kernel finish tearing the namespaces down before the next N
done
