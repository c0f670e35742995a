#!/bin/sh
# Load: N containers built at once and torn down, ROUNDS times, with 0 leaks and 0 wrong results.
#   bench/load.sh BINDIR [N [ROUNDS]]     e.g. bench/load.sh target/x86_64-unknown-linux-musl/release 200 2
#
# Each container is examples/container.sh's, step by step: nscgroup create (pids 20, memory 64M);
# nsunshare with user, pid, mount, uts, ipc, net and cgroup namespaces, --fork --init
# --kill-child, started in its cgroup (--into-cgroup), its setup commands writing the id maps
# (nsidmap) and giving it a veth pair (nsveth); nspivot into a busybox root with its own
# hostname; then nscgroup delete --kill. container.sh itself cannot run 200 at once: its fixed
# 10.200.0.0/30 would be given to every container, so here container I gets 10.251.A.B/30 of
# its own (A = I / 64, B = 4 * (I % 64)), and its own link, cgroup and hostname names.
#
# Right result: inside, each container checks its hostname, its address and default route, a
# ping to its host end, that it is root (uid 0) as pid 2 under an init, that its cgroup namespace
# is rooted in its cgroup, and prints "ok I"; every nsunshare exits 0. The ping may be sent twice:
# under this load the kernel sometimes activates the new veth's queue a moment after nsveth add
# has returned, and drops what is sent before (counted as "first ping lost"). No leak: after each round,
# no link, cgroup, process or mount of the round is left, and the root filesystem is as it was.
# Prints one line per round (wall time, right results, leaks) and exits 1 on any wrong result or
# leak. Needs root, busybox-static and iproute2 (for the leak checks).
set -eu
bin=$(cd "${1:?usage: load.sh BINDIR [N [ROUNDS]]}" && pwd)
n=${2:-200}
rounds=${3:-2}
[ "$n" -le 1024 ] || { echo "load.sh: at most 1024 containers (addresses)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
tag=ld$(($$ % 100000))
work=$(mktemp -d /tmp/nstools-load.XXXXXX)
chmod 755 "$work" # the containers' root (uid 100000 on the host) passes through it
rootfs=$work/rootfs
"$here/../examples/make-rootfs.sh" "$rootfs" >/dev/null
export PATH="$bin:$PATH"

cleanup() {
	for p in $(pgrep -f "nstools-load-$tag" 2>/dev/null || true); do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	i=0
	while [ "$i" -lt "$n" ]; do
		nscgroup delete --kill "$tag-$i" 2>/dev/null || true
		i=$((i + 1))
	done
	rm -rf "$work"
}
trap cleanup EXIT

# What container I runs inside: its checks, then "ok I".
check='i=$1 a=$2 b=$3
fail() { echo "wrong: $*"; exit 1; }
[ "$(hostname)" = "c$i" ] || fail hostname "$(hostname)"
ip -o addr show dev eth0 | grep -q " 10.251.$a.$((b + 2))/30 " || fail address "$(ip -o addr)"
ip route | grep -q "^default via 10.251.$a.$((b + 1)) " || fail route "$(ip route)"
gw=10.251.$a.$((b + 1))
if ! ping -c 1 -W 2 "$gw" >/dev/null 2>&1; then
	ping -c 1 -W 2 "$gw" >/dev/null 2>&1 || fail ping "$(ip -o link)"
	echo late >&2
fi
[ "$(id -u)" = 0 ] && [ "$$" = 2 ] || fail ids "$(id -u) $$"
grep -qx "0::/" /proc/self/cgroup || fail cgroup "$(cat /proc/self/cgroup)"
echo "ok $i"'

# Container I, built, run and torn down; its stdout, stderr and status in $work.
container() {
	i=$1 a=$(($1 / 64)) b=$((4 * ($1 % 64)))
	out=$work/out-$i
	st=0
	if nscgroup create "$tag-$i" --pids=20 --memory=64M 2>"$out.create"; then
		nsunshare --user --pid --mount --uts --ipc --net --cgroup --fork --init --kill-child \
			--into-cgroup="$tag-$i" --setuid=0 --setgid=0 \
			--setup "nsidmap --uid=0:100000:65536 --gid=0:100000:65536 \$NS_PID" \
			--setup "nsveth add --netns=\$NS_PID --host=l$tag-$i --host-addr=10.251.$a.$((b + 1))/30 --peer-addr=10.251.$a.$((b + 2))/30 --gateway" \
			-- nspivot --hostname="c$i" "$rootfs" -- /bin/sh -c "$check" "nstools-load-$tag" "$i" "$a" "$b" \
			>"$out" 2>"$out.err" || st=$?
	else
		st=create
	fi
	nscgroup delete --kill "$tag-$i" 2>>"$out.err" || st="$st+delete"
	echo "$st" >"$out.status"
}

# What a round may have left: links, cgroups, processes and mounts of this run.
leaks() {
	links=$(ip -o link show | grep -c "l$tag-" || true)
	cgroups=$(find /sys/fs/cgroup -name "$tag-*" 2>/dev/null | wc -l)
	procs=$(pgrep -f "nstools-load-$tag" 2>/dev/null | wc -l || true)
	mounts=$(grep -c "$work" /proc/self/mountinfo || true)
	echo "$links $cgroups $procs $mounts"
}

before=$(cd "$rootfs" && find . | sort | cksum)
failed=0
round=1
while [ "$round" -le "$rounds" ]; do
	rm -f "$work"/out-*
	start=$(date +%s%N)
	i=0
	while [ "$i" -lt "$n" ]; do
		container "$i" &
		i=$((i + 1))
	done
	wait
	built=$(date +%s%N)
	# The kernel takes a dead network namespace's links a moment later.
	left=$(leaks)
	tries=0
	while [ "$left" != "0 0 0 0" ] && [ "$tries" -lt 100 ]; do
		sleep 0.1
		left=$(leaks)
		tries=$((tries + 1))
	done
	settled=$(date +%s%N)
	right=0
	wrong=""
	i=0
	while [ "$i" -lt "$n" ]; do
		if [ "$(cat "$work/out-$i.status")" = 0 ] && [ "$(cat "$work/out-$i")" = "ok $i" ]; then
			right=$((right + 1))
		else
			wrong="$wrong $i"
		fi
		i=$((i + 1))
	done
	late=$(cat "$work"/out-*.err | grep -c '^late$' || true)
	[ "$(cd "$rootfs" && find . | sort | cksum)" = "$before" ] || left="$left rootfs-changed"
	set -- $left
	echo "round $round: $n containers built, run and torn down in $(((built - start) / 1000000)) ms" \
		"(their links gone $(((settled - built) / 1000000)) ms later); right $right/$n" \
		"(first ping lost in $late);" \
		"left: links $1, cgroups $2, processes $3, mounts $4${5:+, $5}"
	if [ -n "$wrong" ] || [ "$left" != "0 0 0 0" ]; then
		failed=1
		for w in $wrong; do
			echo "  container $w: status $(cat "$work/out-$w.status"), stdout '$(cat "$work/out-$w")'," \
				"stderr '$(cat "$work/out-$w.err" "$work/out-$w.create" 2>/dev/null | tr '\n' ' ')'"
		done
	fi
	round=$((round + 1))
done
exit "$failed"
