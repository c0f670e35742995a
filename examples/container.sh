#!/bin/sh
# container.sh ROOTFS [COMMAND [ARG...]]: a container built step by step with nstools (as root).
#
#   nscgroup    first, a cgroup with at most 20 processes and 64M of memory
#   nsunshare   new user, pid, mount, uts, ipc, net and cgroup namespaces; holds the program
#   --into-cgroup  the container starts in that cgroup (never outside it), and only then gets
#               its cgroup namespace: inside, /proc/self/cgroup shows / on every line
#   --setup     steps run outside, in the host's namespaces, while the program waits:
#     nsidmap     ids 0-65535 inside are 100000-165535 outside
#     nsveth      a veth pair: host 10.200.0.1/30 <-> container 10.200.0.2/30, default route
#   --setuid=0 --setgid=0  once mapped, the program and its init become root inside (100000 on
#               the host)
#   --init      a tiny pid 1 reaps zombies and forwards signals to the program (pid 2)
#   nspivot     inside: the root becomes ROOTFS with /proc, /sys, /dev; hostname "box"
#
# On exit nothing is left: the veth pair goes with the network namespace, the cgroup is deleted.
# With NSTOOLS_PID_FILE set, the host pid of the container's init is written there while it runs.
set -eu
rootfs=${1:?usage: container.sh ROOTFS [COMMAND [ARG...]]}
shift
[ $# -gt 0 ] || set -- /bin/sh

id=$$
link=nsv$id
cgroup=nstools-demo-$id

cleanup() {
	nscgroup delete --kill "$cgroup" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

nscgroup create "$cgroup" --pids=20 --memory=64M
status=0
nsunshare --user --pid --mount --uts --ipc --net --cgroup --fork --init --kill-child \
	--into-cgroup="$cgroup" --setuid=0 --setgid=0 \
	${NSTOOLS_PID_FILE:+--pid-file="$NSTOOLS_PID_FILE"} \
	--setup "nsidmap --uid=0:100000:65536 --gid=0:100000:65536 \$NS_PID" \
	--setup "nsveth add --netns=\$NS_PID --host=$link --host-addr=10.200.0.1/30 --peer-addr=10.200.0.2/30 --gateway" \
	-- nspivot --hostname=box "$rootfs" -- "$@" || status=$?
exit "$status"
