#!/bin/sh
# rootless.sh ROOTFS [COMMAND [ARG...]]: the container of container.sh, built by an unprivileged
# user. Needs nsidmap installed setuid-root (or as newuidmap/newgidmap) and the user's lines in
# /etc/subuid and /etc/subgid. No veth (that needs root on the host): the network namespace has
# only lo, brought up inside.
#
# Limits need a cgroup delegated to the user (the user owns its directory, cgroup.procs and
# cgroup.subtree_control), as systemd's Delegate=yes makes user@UID.service. Run from a leaf
# below it, the way systemd starts a user's programs:
#   systemd-run --user --scope -p Delegate=yes examples/rootless.sh ROOTFS
# nscgroup then makes the container's cgroup beside the script's own (a relative path starts at
# the delegated parent, see nscgroup(1)), and nsunshare --into-cgroup starts the container in it.
# Without such a cgroup the container runs without limits, and says why.
set -eu
rootfs=${1:?usage: rootless.sh ROOTFS [COMMAND [ARG...]]}
shift
[ $# -gt 0 ] || set -- /bin/sh

id=$$
cgroup=nstools-rootless-$id
into=
if why=$(nscgroup create "$cgroup" --pids=20 --memory=64M 2>&1); then
	into=--into-cgroup=$cgroup
else
	echo "rootless.sh: running without resource limits: $why" >&2
	cgroup=
fi

cleanup() {
	[ -z "$cgroup" ] || nscgroup delete --kill "$cgroup" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

status=0
# shellcheck disable=SC2086 # $into is one word or none
nsunshare --user --pid --mount --uts --ipc --net --cgroup --fork --init --kill-child $into \
	--setup "nsidmap --auto \$NS_PID" \
	-- nspivot --hostname=box "$rootfs" -- /bin/sh -c 'ip link set lo up && exec "$@"' sh "$@" \
	|| status=$?
exit "$status"
