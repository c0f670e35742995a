#!/bin/sh
# reference-container.sh ROOTFS COMMAND...: the container of examples/container.sh built with the
# reference tools only (util-linux unshare/nsenter/mount/pivot_root/umount, iproute2, libcgroup),
# the way a script without nstools does it: a holder process keeps the namespaces, the maps,
# veth and cgroup are set up from outside, then nsenter joins them, prepares ROOTFS and pivots
# into it. For the benchmark; run as root.
set -eu
rootfs=$1
shift
id=$$
link=rv$id
cg=nstools-ref-$id
M=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup | sed 's|/$||')
P=$(sed -n 's/^[0-9]*:pids://p' /proc/self/cgroup | sed 's|/$||')
holder=
cleanup() {
	[ -z "$holder" ] || kill -KILL "$holder" 2>/dev/null || true
	wait 2>/dev/null || true
	cgdelete -g "memory:$M/$cg" -g "pids:$P/$cg" 2>/dev/null || true
}
trap cleanup EXIT

unshare --user --pid --mount --uts --ipc --net --cgroup --fork --kill-child sleep 3600 &
holder=$!
child=
while [ -z "$child" ]; do
	kill -0 "$holder" 2>/dev/null || exit 1
	child=$(cat "/proc/$holder/task/$holder/children" 2>/dev/null || true)
done
child=${child% }

echo "0 100000 65536" >"/proc/$child/uid_map"
echo "0 100000 65536" >"/proc/$child/gid_map"
ip link add "$link" type veth peer name eth0 netns "$child"
ip addr add 10.201.0.1/30 dev "$link"
ip link set "$link" up
nsenter -t "$child" -n ip link set lo up
nsenter -t "$child" -n ip link set eth0 up
nsenter -t "$child" -n ip addr add 10.201.0.2/30 dev eth0
nsenter -t "$child" -n ip route add default via 10.201.0.1
cgcreate -g "memory:$M/$cg" -g "pids:$P/$cg"
cgset -r memory.limit_in_bytes=64M "$M/$cg"
cgset -r pids.max=20 "$P/$cg"

status=0
cgexec -g "memory:$M/$cg" -g "pids:$P/$cg" \
	nsenter -t "$child" --all -S 0 -G 0 sh -c '
	r=$1
	shift
	mount --make-rprivate /
	mount --rbind "$r" "$r"
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	mount -t tmpfs -o nosuid,mode=755 tmpfs "$r/dev"
	for n in null zero full random urandom tty; do
		touch "$r/dev/$n"
		mount --bind "/dev/$n" "$r/dev/$n"
	done
	mkdir "$r/dev/pts" "$r/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts"
	ln -s pts/ptmx "$r/dev/ptmx"
	mount -t tmpfs tmpfs "$r/dev/shm"
	hostname box
	cd "$r"
	pivot_root . .
	umount -l -c .
	exec "$@"
' sh "$rootfs" "$@" || status=$?
exit "$status"
