#!/bin/sh
# rootless.sh ROOTFS [COMMAND [ARG...]]: the container of container.sh, built by an unprivileged
# user. Needs nsidmap installed setuid-root (or as newuidmap/newgidmap) and the user's lines in
# /etc/subuid and /etc/subgid. No veth (that needs root on the host): the network namespace has
# only lo, brought up inside. A cgroup only where the user's cgroup is delegated to them.
set -eu
rootfs=${1:?usage: rootless.sh ROOTFS [COMMAND [ARG...]]}
shift
[ $# -gt 0 ] || set -- /bin/sh

id=$$
cgroup=nstools-rootless-$id
setup_cgroup=
if nscgroup create "$cgroup" --pids=20 2>/dev/null; then
	setup_cgroup="--setup=nscgroup attach $cgroup \$NS_PID"
else
	echo "rootless.sh: no delegated cgroup for $(id -un): running without resource limits" >&2
	cgroup=
fi

cleanup() {
	[ -z "$cgroup" ] || nscgroup delete --kill "$cgroup" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

status=0
# shellcheck disable=SC2086 # $setup_cgroup is one word or none
nsunshare --user --pid --mount --uts --ipc --net --cgroup --fork --init --kill-child \
	--setup "nsidmap --auto \$NS_PID" ${setup_cgroup:+"$setup_cgroup"} \
	-- nspivot --hostname=box "$rootfs" -- /bin/sh -c 'ip link set lo up && exec "$@"' sh "$@" \
	|| status=$?
exit "$status"
