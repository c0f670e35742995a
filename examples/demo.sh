#!/bin/sh
# demo.sh: on a fresh Debian machine, as root: check (and install) what is needed, build nstools,
# make a busybox root filesystem and run examples/container.sh in it with a command that shows
# what the container sees. One line per step, then the container's own output. Everything it
# makes is removed on exit.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
step() { printf '== %s\n' "$*"; }

step "checking prerequisites (Rust >= 1.85 with rustup, a C linker, busybox-static)"
scripts/prerequisites.sh demo
step "building nstools (static release binaries)"
cargo build --release --quiet --locked
PATH=$top/target/x86_64-unknown-linux-musl/release:$PATH
export PATH

work=$(mktemp -d /tmp/nstools-demo.XXXXXX)
# The container's root is uid 100000 on the host: it must be able to reach the rootfs.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
step "making a busybox root filesystem in $work/rootfs"
examples/make-rootfs.sh "$work/rootfs" >/dev/null

step "running examples/container.sh $work/rootfs /bin/sh -c ..."
examples/container.sh "$work/rootfs" /bin/sh -c '
	echo "hostname: $(hostname)    id: $(id -u)    pid: $$"
	echo "processes:"; ps -o pid,user,comm
	echo "addresses:"; ip -o -4 addr show | sed "s/^/  /"
	echo "route:"; ip route | sed "s/^/  /"
	gw=$(ip route | sed -n "s/^default via \([^ ]*\).*/\1/p")
	ping -c 1 -W 2 "$gw" >/dev/null && echo "the host answers ping at $gw"
	echo "cgroups (relative to the container'"'"'s cgroup namespace):"; sed "s/^/  /" /proc/self/cgroup
'
