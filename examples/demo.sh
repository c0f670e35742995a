#!/bin/sh
# demo.sh: on a fresh Debian machine, as root: install what is needed, build nstools, make a
# busybox root filesystem and run examples/container.sh in it with a command that shows what the
# container sees. Everything it makes is removed on exit.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
.ci/install-deps
cargo build --release --quiet
PATH=$top/target/release:$PATH
export PATH

work=$(mktemp -d /tmp/nstools-demo.XXXXXX)
chmod 755 "$work" # the container's root is uid 100000 on the host: it must reach the rootfs
trap 'rm -rf "$work"' EXIT
examples/make-rootfs.sh "$work/rootfs" >/dev/null

examples/container.sh "$work/rootfs" /bin/sh -c '
	echo "hostname: $(hostname)    id: $(id -u)    pid: $$"
	echo "processes:"; ps -o pid,user,comm
	echo "addresses:"; ip -o -4 addr show | sed "s/^/  /"
	echo "route:"; ip route | sed "s/^/  /"
	ping -c 1 -W 2 10.200.0.1 >/dev/null && echo "the host answers ping at 10.200.0.1"
	echo "cgroups (relative to the container'"'"'s cgroup namespace):"; sed "s/^/  /" /proc/self/cgroup
'
