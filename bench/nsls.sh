#!/bin/sh
# bench/nsls.sh [RUNS]: nsls against util-linux lsns in one run, on this host with 500 extra
# processes, each in a namespace of its own (bench/c/nsload.c: uts, ipc, net, mnt, cgroup and
# user namespaces in turn). The two run interleaved, run by run, so the machine's drift hits
# them alike (bench/c/runs.c: fork+exec+wait4, wall-clock time, ru_maxrss, CPU time). Prints a
# markdown table of medians, ranges, peak RSS and the ratios (of wall-clock time, and of CPU time,
# which the machine's other load disturbs less); the target is nsls at least 3x faster than lsns
# with no higher peak RSS. Needs root (namespaces of every kind) and gcc.
set -eu
cd "$(dirname "$0")/.."
runs=${1:-30}
target=${CARGO_TARGET_DIR:-target}
scripts/build-static.sh >/dev/null
nsls=$target/static/nsls
lsns=$(command -v lsns) || { echo "bench/nsls.sh: no lsns (util-linux) installed" >&2; exit 1; }
mkdir -p "$target/bench-c"
for c in nsload runs; do
	out=$target/bench-c/$c
	[ "$out" -nt "bench/c/$c.c" ] || gcc -O2 -static -o "$out" "bench/c/$c.c"
done

work=$(mktemp -d /tmp/nstools-nsls-bench.XXXXXX)
cleanup() {
	exec 9>&- 2>/dev/null || true # closing the fifo ends nsload and its processes
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkfifo "$work/hold"
"$target/bench-c/nsload" 500 <"$work/hold" >"$work/ready" &
exec 9>"$work/hold"
i=0
until grep -q ready "$work/ready" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 600 ] || { echo "bench/nsls.sh: the 500 processes did not start" >&2; exit 1; }
	sleep 0.1
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v u="$1" 'BEGIN {printf "%.1f", u / 1000}'; }

set -- /proc/[0-9]*
echo "$# processes; $("$lsns" --version)"
echo
echo "| job | variant | median ms | min–max ms | CPU ms | peak RSS KiB | nsls/this | CPU nsls/this |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for job in "default:" "JSON, every column:-J --output-all" "owner tree:-T" \
	"network namespaces:-t net -o NS,NPROCS,NETNSID,NSFS"; do
	name=${job%%:*}
	args=${job#*:}
	: >"$work/ours"
	: >"$work/theirs"
	r=0
	while [ "$r" -lt "$runs" ]; do
		# shellcheck disable=SC2086 # the arguments are words
		"$target/bench-c/runs" 1 "$nsls" $args >>"$work/ours"
		# shellcheck disable=SC2086
		"$target/bench-c/runs" 1 "$lsns" $args >>"$work/theirs"
		r=$((r + 1))
	done
	ours=$(cut -d' ' -f1 "$work/ours" | median)
	ours_cpu=$(cut -d' ' -f3 "$work/ours" | median)
	for v in nsls lsns; do
		f=$work/ours
		[ "$v" = lsns ] && f=$work/theirs
		med=$(cut -d' ' -f1 "$f" | median)
		min=$(cut -d' ' -f1 "$f" | sort -n | head -1)
		max=$(cut -d' ' -f1 "$f" | sort -n | tail -1)
		cpu=$(cut -d' ' -f3 "$f" | median)
		rss=$(cut -d' ' -f2 "$f" | sort -n | tail -1)
		ratio=
		cpu_ratio=
		if [ "$v" = lsns ]; then
			ratio=$(awk -v o="$ours" -v t="$med" 'BEGIN {printf "%.2f×", o / t}')
			cpu_ratio=$(awk -v o="$ours_cpu" -v t="$cpu" 'BEGIN {printf "%.2f×", o / t}')
		fi
		echo "| $name | $v | $(ms "$med") | $(ms "$min")–$(ms "$max") | $(ms "$cpu") | $rss | $ratio | $cpu_ratio |"
	done
done
