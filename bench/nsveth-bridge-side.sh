#!/bin/bash
# The cost of one more container on a bridge of SMALL containers and on one of LARGE, measured
# side by side: both bridges (and both variants' pairs of bridges) exist at once, and the
# measurements alternate, so the machine's drift and load, and everything global (the number
# of namespaces and links), meet every measurement alike:
#   bench/nsveth-bridge-side.sh NSVETH [SMALL LARGE ROUNDS]       default 10 500 25
# Variants as in bench/nsveth-bridge-scale.sh: `nsveth add --bridge --subnet --peer-addr=auto
# --gateway --masquerade`, and the same with ip and nft commands (addresses precomputed). Each
# round adds one container to each of the four bridges, timed, and deletes it again (not timed).
# Prints the median cost per variant and size, and LARGE against SMALL. Target: nstools within
# 1.3x. Runs in a network namespace of its own, with its own lease store (see the other script).
set -eu
if [ -z "${NSTOOLS_BENCH_INSIDE:-}" ]; then
	NSTOOLS_BENCH_INSIDE=1 exec unshare -n "$0" "$@"
fi
nsveth=$1 small=${2:-10} large=${3:-500} rounds=${4:-25}
tag=ns$(($$ % 100000))
store=$(mktemp -d /tmp/nstools-bench.XXXXXX)
export NSTOOLS_RUN_DIR=$store/run
made=()
trap 'for n in "${made[@]}"; do ip netns del "$n" 2>/dev/null || true; done; "$nsveth" gc 2>/dev/null || true; rm -rf "$store"' EXIT
ip link set lo up
echo 1 >/proc/sys/net/ipv4/ip_forward

us() { echo $((${EPOCHREALTIME/./} - $1)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
netns() { ip netns add "$1" && made+=("$1"); }

# nstools: bridge $1 (subnet 10.$2.0.0/16), container $3 in namespace $4.
ours() {
	"$nsveth" add --netns="$4" --host="$3" --bridge="$1" --subnet="10.$2.0.0/16" \
		--peer-addr=auto --gateway --masquerade
}
# ip+nft: bridge $1 (10.$2.0.0/16, made with its nft table on first use), container $3 ($5-th)
# in namespace $4.
reference() {
	if ! ip link show "$1" >/dev/null 2>&1; then
		ip link add "$1" type bridge
		ip addr add "10.$2.0.1/16" dev "$1"
		ip link set "$1" up
		nft add table ip "$1"
		nft add chain ip "$1" postrouting '{ type nat hook postrouting priority srcnat; }'
		nft add rule ip "$1" postrouting ip saddr "10.$2.0.0/16" ip daddr != "10.$2.0.0/16" masquerade
	fi
	ip link add "$3" type veth peer name eth0 netns "$4"
	ip link set "$3" master "$1" up
	ip -n "$4" link set lo up
	ip -n "$4" link set eth0 up
	ip -n "$4" addr add "10.$2.$((1 + $5 / 250)).$(($5 % 250 + 2))/16" dev eth0
	ip -n "$4" route add default via "10.$2.0.1"
}

# The four bridges: nstools small (10.81) and large (10.82), ip+nft small (10.83) and large (10.84).
for i in $(seq 1 "$large"); do
	for v in os ol rs rl; do
		case $v in os | rs) [ "$i" -le "$small" ] || continue ;; esac
		n=$tag-$v$i && netns "$n"
		case $v in
		os) ours "${tag}os" 81 "${tag}$v$i" "$n" ;;
		ol) ours "${tag}ol" 82 "${tag}$v$i" "$n" ;;
		rs) reference "${tag}rs" 83 "${tag}$v$i" "$n" "$i" ;;
		rl) reference "${tag}rl" 84 "${tag}$v$i" "$n" "$i" ;;
		esac
	done
done
for r in $(seq 1 "$rounds"); do
	for v in os ol rs rl; do netns "$tag-x$v$r"; done
done
sleep 3 # the kernel finishes setting the namespaces up in the background
for r in $(seq 1 "$rounds"); do
	for v in os ol rs rl; do
		n=$tag-x$v$r
		t=${EPOCHREALTIME/./}
		case $v in
		os) ours "${tag}os" 81 "${tag}x$v" "$n" ;;
		ol) ours "${tag}ol" 82 "${tag}x$v" "$n" ;;
		rs) reference "${tag}rs" 83 "${tag}x$v" "$n" 250 ;;
		rl) reference "${tag}rl" 84 "${tag}x$v" "$n" 250 ;;
		esac
		us "$t" >>"$store/$v"
		case $v in
		o?) "$nsveth" del "${tag}x$v" ;;
		r?) ip link del "${tag}x$v" ;;
		esac
	done
done
os=$(median <"$store/os") ol=$(median <"$store/ol") rs=$(median <"$store/rs") rl=$(median <"$store/rl")
echo "| one more container, side by side ($rounds rounds) | on a bridge of $small | on a bridge of $large | $large against $small |"
echo "|---|---:|---:|---:|"
awk -v s="$os" -v l="$ol" 'BEGIN { printf "| nstools | %.3f ms | %.3f ms | %.2fx |\n", s / 1000, l / 1000, l / s }'
awk -v s="$rs" -v l="$rl" 'BEGIN { printf "| ip+nft | %.3f ms | %.3f ms | %.2fx |\n", s / 1000, l / 1000, l / s }'
