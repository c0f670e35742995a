#!/bin/bash
# Per-container cost of connecting containers to one bridge with a leased address, a default
# route and outbound NAT, as more of them exist:
#   bench/nsveth-bridge-scale.sh NSVETH N...        e.g. target/static/nsveth 10 500 10 500
#   NSTOOLS_BENCH_ALONE=1 bench/nsveth-bridge-scale.sh ...   nstools only
# For each N, N containers (network namespaces made beforehand, not timed) are connected one
# after the other, each by two variants taking turns, so that both meet the same machine:
#   nstools   nsveth add --bridge --subnet --peer-addr=auto --gateway --masquerade
#             (the bridge, its gateway address, the NAT table and forwarding come with the first)
#   ip+nft    the same with iproute2 and nft commands, addresses precomputed (no allocation);
#             the first container also makes the bridge, the nft table and rule, and forwarding.
# Prints, per N and variant, the median time to connect one container while the others stay,
# and its ratio to the first N; an N given again is measured again (alternating the sizes
# spreads the machine's drift over both), and a last line gives, per N, the median of its
# rounds. Target: nstools at N=500 within 1.3x of N=10.
#
# Both variants share the host: the reference's ports (which keep IPv6, see nsveth(8)) make
# every device event of the host cost more, nsveth's too; NSTOOLS_BENCH_ALONE measures nsveth
# without them.
#
# It runs in a network namespace of its own playing the host (it re-executes itself under
# `unshare -n`), with its own lease store: the machine's links, routes, nf_tables and sysctls are
# never touched. Needs root, iproute2 and nftables. bash for $EPOCHREALTIME (no fork to time).
set -eu
if [ -z "${NSTOOLS_BENCH_INSIDE:-}" ]; then
	NSTOOLS_BENCH_INSIDE=1 exec unshare -n "$0" "$@"
fi
nsveth=$1
shift
tag=nb$(($$ % 100000))
store=$(mktemp -d /tmp/nstools-bench.XXXXXX)
export NSTOOLS_RUN_DIR=$store/run
made=()

teardown() {
	local n
	for n in "${made[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	made=()
	# The kernel removes the namespaces' pairs asynchronously; then gc reclaims their leases and
	# removes the bridge, the NAT table and the forwarding with the last.
	for _ in $(seq 100); do
		ip -o link show 2>/dev/null | grep -q "${tag}[or][0-9]" || break
		sleep 0.1
	done
	"$nsveth" gc 2>/dev/null || true
	ip link del "${tag}r" 2>/dev/null || true
	nft delete table ip "${tag}ref" 2>/dev/null || true
	echo 0 >/proc/sys/net/ipv4/ip_forward
}
trap 'teardown; rm -rf "$store"' EXIT
ip link set lo up

us() { echo $((${EPOCHREALTIME/./} - $1)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The ip+nft variant for container $1 (1-based) in namespace $2.
reference() {
	local i=$1 ns=$2 host=${tag}r$1
	if [ "$i" -eq 1 ]; then
		ip link add "${tag}r" type bridge
		ip addr add 10.91.0.1/16 dev "${tag}r"
		ip link set "${tag}r" up
		nft add table ip "${tag}ref"
		nft add chain ip "${tag}ref" postrouting '{ type nat hook postrouting priority srcnat; }'
		nft add rule ip "${tag}ref" postrouting ip saddr 10.91.0.0/16 ip daddr != 10.91.0.0/16 masquerade
		echo 1 >/proc/sys/net/ipv4/ip_forward
	fi
	ip link add "$host" type veth peer name eth0 netns "$ns"
	ip link set "$host" master "${tag}r" up
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add "10.91.$((1 + i / 250)).$((i % 250 + 2))/16" dev eth0
	ip -n "$ns" route add default via 10.91.0.1
}

first_ours= first_ref=
echo "| scale | nstools per container | against N=${1} | ip+nft per container | against N=${1} |"
echo "|---|---:|---:|---:|---:|"
for n in "$@"; do
	: >"$store/ours" && : >"$store/ref"
	for i in $(seq 1 "$n"); do
		ip netns add "$tag-o$i" && made+=("$tag-o$i")
		ip netns add "$tag-r$i" && made+=("$tag-r$i")
	done
	sleep 3 # the kernel finishes setting the namespaces up in the background
	for i in $(seq 1 "$n"); do
		t=${EPOCHREALTIME/./}
		"$nsveth" add --netns="$tag-o$i" --host="${tag}o$i" --bridge="${tag}b" \
			--subnet=10.90.0.0/16 --peer-addr=auto --gateway --masquerade
		us "$t" >>"$store/ours"
		[ -z "${NSTOOLS_BENCH_ALONE:-}" ] || { echo 0 >>"$store/ref" && continue; }
		t=${EPOCHREALTIME/./}
		reference "$i" "$tag-r$i"
		us "$t" >>"$store/ref"
	done
	ours=$(median <"$store/ours") ref=$(median <"$store/ref")
	: "${first_ours:=$ours}" "${first_ref:=$ref}"
	echo "$ours" >>"$store/rounds-ours-$n" && echo "$ref" >>"$store/rounds-ref-$n"
	awk -v n="$n" -v o="$ours" -v fo="$first_ours" -v r="$ref" -v fr="$first_ref" 'BEGIN {
		printf "| %d containers | %.3f ms | %.2fx | %.3f ms | %.2fx |\n", n, o / 1000, o / fo, r / 1000, fr ? r / fr : 0 }'
	teardown
	sleep 5 # let the kernel finish tearing the namespaces down before the next N
done
if [ "$#" -gt "$(printf '%s\n' "$@" | sort -u | wc -l)" ]; then
	first=$1 base_ours=$(median <"$store/rounds-ours-$1") base_ref=$(median <"$store/rounds-ref-$1")
	for n in $(printf '%s\n' "$@" | awk '!seen[$0]++'); do
		ours=$(median <"$store/rounds-ours-$n") ref=$(median <"$store/rounds-ref-$n")
		rounds=$(wc -l <"$store/rounds-ours-$n")
		awk -v n="$n" -v k="$rounds" -v o="$ours" -v fo="$base_ours" -v r="$ref" -v fr="$base_ref" -v f="$first" 'BEGIN {
			printf "| %d containers, median of %d rounds | %.3f ms | %.2fx | %.3f ms | %.2fx |\n", n, k, o / 1000, o / fo, r / 1000, fr ? r / fr : 0 }'
	done
fi
