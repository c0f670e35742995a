#!/bin/sh
# container.sh [OPTIONS] ROOTFS [COMMAND [ARG...]]: a container built step by step with nstools
# (as root).
#
#   nscgroup    first, a cgroup with its limits (by default at most 20 processes and 64M of
#               memory; see --pids, --memory, --cpus)
#   nsunshare   new user, pid, mount, uts, ipc, net and cgroup namespaces; holds the program
#   --into-cgroup  the container starts in that cgroup (never outside it), and only then gets
#               its cgroup namespace: inside, /proc/self/cgroup shows / on every line
#   --setup     steps run outside, in the host's namespaces, while the program waits:
#     nsidmap     ids 0-65535 inside are 100000-165535 outside
#     nsveth      its network (see --net); by default a veth pair whose host end is a port of
#                 bridge nstools0 (10.200.0.1), an address leased from 10.200.0.0/16, a default
#                 route through the bridge, outbound NAT, and the ports of --publish
#   --setuid=0 --setgid=0  once mapped, the program and its init become root inside (100000 on
#               the host)
#   --init      a tiny pid 1 reaps zombies and forwards signals to the program (pid 2)
#   nspivot     inside: the root becomes ROOTFS with /proc, /sys, /dev; hostname "box"
#
# Options (Docker's four network modes, and a plain pair):
#   --name=NAME         the container's name (default box-PID), for --net=container:NAME
#   --net=bridge        on a bridge with the other containers (the default)
#   --net=pair          a point-to-point veth pair of its own: a /30 of the subnet, NAT
#   --net=none          a network namespace with only lo
#   --net=host          no network namespace: the host's network
#   --net=container:NAME  the network namespace of the running container NAME: its
#                       interfaces, addresses and ports (its other namespaces its own)
#   --subnet=CIDR       where addresses come from (bridge 10.200.0.0/16, pair 10.201.0.0/16)
#   --bridge=NAME       the bridge (default nstools0)
#   --publish=[HOSTADDR:]HOSTPORT:PORT[/tcp|/udp]   forward a port of the host (repeatable)
# and its limits (nscgroup's options of the same names):
#   --pids=N            at most N processes (default 20)
#   --memory=SIZE       memory limit, e.g. 256M (default 64M)
#   --cpus=N            CPU bandwidth in CPUs, e.g. 0.5 (default none)
#
# On exit nothing is left: the veth pair goes with the network namespace, `nsveth del` gives the
# address back, and with the last container the bridge, the NAT rules and the forwarding it
# turned on go too; the cgroup is deleted. Running containers are found by name in
# $NSTOOLS_CONTAINERS (default /run/nstools-containers). With NSTOOLS_PID_FILE set, the host pid
# of the container's init is written there while it runs.
set -eu
me=container.sh
die() {
	echo "$me: $*" >&2
	exit 1
}
usage="usage: $me [--name=NAME] [--net=bridge|pair|none|host|container:NAME] [--subnet=CIDR] [--bridge=NAME] [--publish=SPEC]... [--pids=N] [--memory=SIZE] [--cpus=N] ROOTFS [COMMAND [ARG...]]"
# Values go into the --setup commands, which a shell runs: nothing but these characters.
word() {
	case $2 in
	'' | *[!]A-Za-z0-9.:/_[-]*) die "invalid $1: '$2'" ;;
	esac
}

id=$$
name=box-$id
net=bridge
subnet=
bridge=nstools0
publish=
pids=20
memory=64M
cpus=
while [ $# -gt 0 ]; do
	case $1 in
	--name=*) name=${1#*=} ;;
	--net=*) net=${1#*=} ;;
	--subnet=*) subnet=${1#*=} && word subnet "$subnet" ;;
	--bridge=*) bridge=${1#*=} && word bridge "$bridge" ;;
	--publish=*) word publish "${1#*=}" && publish="$publish --publish=${1#*=}" ;;
	--pids=*) pids=${1#*=} && word pids "$pids" ;;
	--memory=*) memory=${1#*=} && word memory "$memory" ;;
	--cpus=*) cpus=${1#*=} && word cpus "$cpus" ;;
	--) shift && break ;;
	-*) die "unknown option '$1'
$usage" ;;
	*) break ;;
	esac
	shift
done
rootfs=${1:?$usage}
shift
[ $# -gt 0 ] || set -- /bin/sh
case $name in
'' | .* | *[!A-Za-z0-9._-]*) die "invalid name: '$name'" ;;
esac
case $net in
bridge | pair | none | host | container:?*) ;;
*) die "invalid network mode: '$net' (bridge, pair, none, host or container:NAME)" ;;
esac
case $net in
bridge | pair) ;;
*) [ -z "$publish" ] || die "--publish needs --net=bridge or --net=pair" ;;
esac

link=nsv$id
cgroup=nstools-demo-$id
names=${NSTOOLS_CONTAINERS:-/run/nstools-containers}
word NSTOOLS_CONTAINERS "$names"
made_name=

cleanup() {
	nscgroup delete --kill "$cgroup" 2>/dev/null || true
	case $net in
	bridge | pair) nsveth del "$link" 2>/dev/null || true ;;
	esac
	if [ -n "$made_name" ]; then
		rm -rf "${names:?}/$name"
		rmdir "$names" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The name, taken (a directory holding the init's pid) unless a running container has it.
mkdir -p "$names"
if ! mkdir "$names/$name" 2>/dev/null; then
	pid=$(cat "$names/$name/pid" 2>/dev/null || true)
	[ -n "$pid" ] && [ -e "/proc/$pid" ] && die "a container named $name is running"
	rm -rf "${names:?}/$name"
	mkdir "$names/$name"
fi
made_name=1

# The network: a namespace of its own (--net) set up from outside, or none (host), or another
# container's, joined first.
unshare_net=--net
join=
inside_lo=
case $net in
bridge)
	setup_net="nsveth add --netns=\$NS_PID --host=$link --bridge=$bridge --subnet=${subnet:-10.200.0.0/16} --peer-addr=auto --gateway --masquerade$publish"
	;;
pair)
	setup_net="nsveth add --netns=\$NS_PID --host=$link --subnet=${subnet:-10.201.0.0/16} --host-addr=auto --peer-addr=auto --gateway --masquerade$publish"
	;;
none)
	setup_net=true
	inside_lo=1
	;;
host)
	setup_net=true
	unshare_net=
	;;
container:*)
	other=${net#container:}
	pid=$(cat "$names/$other/pid" 2>/dev/null || true)
	[ -n "$pid" ] && [ -e "/proc/$pid/ns/net" ] || die "no running container named $other"
	setup_net=true
	unshare_net=
	join=/proc/$pid/ns/net
	;;
esac

# Inside, with only lo (--net=none), lo is brought up by the container's own `ip`.
[ -z "$inside_lo" ] || set -- /bin/sh -c 'ip link set lo up 2>/dev/null; exec "$@"' sh "$@"

nscgroup create "$cgroup" --pids="$pids" --memory="$memory" ${cpus:+--cpus="$cpus"}
status=0
${join:+nsenter --net="$join" --} \
	nsunshare --user --pid --mount --uts --ipc $unshare_net --cgroup --fork --init --kill-child \
	--into-cgroup="$cgroup" --setuid=0 --setgid=0 \
	${NSTOOLS_PID_FILE:+--pid-file="$NSTOOLS_PID_FILE"} \
	--setup "echo \$NS_PID >'$names/$name/pid'" \
	--setup "nsidmap --uid=0:100000:65536 --gid=0:100000:65536 \$NS_PID" \
	--setup "$setup_net" \
	-- nspivot --hostname=box "$rootfs" -- "$@" || status=$?
exit "$status"
