#!/bin/bash
# nsveth's CNI mode against the reference plugins (Debian's containernetworking-plugins): ADD and
# DEL of the same configurations (ptp and bridge, host-local IPAM, IPv4), interleaved in one run
# (each round runs every variant, in a rotating order), timed around the plugin's exec as a
# runtime does it. Prints a markdown table of medians and ratios.
#   bench/cni.sh [ROUNDS]      (as root; default 40 rounds)
# Everything happens in network namespaces of the script's own processes (a "host" the plugins
# run in, a container they connect, and an anchor container per bridge that keeps it in use, so
# both plugins run in the steady state of a bridge with containers on it); they end with it.
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-40}
target=${CARGO_TARGET_DIR:-target}
if [ -z "${NSTOOLS_CNI_BENCH_INSIDE:-}" ]; then
	dpkg-query -W -f='${Status}' containernetworking-plugins 2>/dev/null | grep -q "ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends containernetworking-plugins >/dev/null
	cargo build --release --quiet --locked --bin nsveth
	unshare -n sleep 100000 &
	host=$!
	trap 'kill $host' EXIT
	sleep 0.2
	NSTOOLS_CNI_BENCH_INSIDE=1 nsenter --net=/proc/$host/ns/net "$0" "$rounds"
	exit
fi

ours=$PWD/$target/x86_64-unknown-linux-musl/release/nsveth
ref=/usr/lib/cni
scratch=$(mktemp -d /tmp/nstools-cni-bench.XXXXXX)
unshare -n sleep 100000 &
ctr=$!
unshare -n sleep 100000 &
anchor_ref=$!
unshare -n sleep 100000 &
anchor_ours=$!
trap 'kill $ctr $anchor_ref $anchor_ours; rm -rf "$scratch"' EXIT
sleep 0.2
export CNI_PATH=$ref CNI_ARGS="IgnoreUnknown=1" NSTOOLS_RUN_DIR=$scratch/run

# conf NAME TYPE EXTRA SUBNET: a configuration; ours says "type": "nsveth" and its mode.
conf() {
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"$1\",\"type\":\"$2\"$3,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$scratch/ipam\",\"ranges\":[[{\"subnet\":\"$4\"}]],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}" >"$scratch/$1.json"
}
conf ref-ptp ptp "" 10.101.0.0/24
conf ours-ptp nsveth ',"mode":"ptp"' 10.102.0.0/24
conf ref-bridge bridge ',"bridge":"bbref","isGateway":true' 10.103.0.0/24
conf ours-bridge nsveth ',"bridge":"bbours","isGateway":true' 10.104.0.0/24
conf ipam nsveth ',"mode":"ptp"' 10.105.0.0/24
plugin() { case $1 in ref-ptp) echo $ref/ptp ;; ref-bridge) echo $ref/bridge ;; ipam) echo $ref/host-local ;; *) echo "$ours" ;; esac; }

# cni VARIANT COMMAND NETNS-PID ID: run one command; its wall-clock time in microseconds on stdout.
cni() {
	local p t0 t1
	p=$(plugin "$1")
	t0=$EPOCHREALTIME
	CNI_COMMAND=$2 CNI_NETNS=/proc/$3/ns/net CNI_CONTAINERID=$4 CNI_IFNAME=eth0 "$p" <"$scratch/$1.json" >/dev/null ||
		{ echo "cni.sh: $1 $2 failed" >&2; exit 1; }
	t1=$EPOCHREALTIME
	echo $(( (${t1/./} - ${t0/./}) ))
}

# ipam: host-local alone, which every ADD and DEL above includes.
variants="ref-ptp ours-ptp ref-bridge ours-bridge ipam"
cni ref-bridge ADD $anchor_ref anchor >/dev/null
cni ours-bridge ADD $anchor_ours anchor >/dev/null
for v in $variants; do cni $v ADD $ctr warm >/dev/null; cni $v DEL $ctr warm >/dev/null; done
: >"$scratch/times"
for i in $(seq "$rounds"); do
	vs=($variants)
	k=$(( i % ${#vs[@]} ))
	for v in "${vs[@]:k}" "${vs[@]:0:k}"; do
		echo "$v ADD $(cni $v ADD $ctr c$i)" >>"$scratch/times"
		echo "$v DEL $(cni $v DEL $ctr c$i)" >>"$scratch/times"
	done
done
cni ref-bridge DEL $anchor_ref anchor >/dev/null
cni ours-bridge DEL $anchor_ours anchor >/dev/null

median() { grep "^$1 $2 " "$scratch/times" | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {printf "%d\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms() { awk -v u="$1" 'BEGIN {printf "%.2f", u/1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f×", a/b}'; }
echo "CNI ADD/DEL, median of $rounds interleaved rounds (ms; host-local IPAM, IPv4)"
echo
echo "| mode | reference ADD | nsveth ADD | ADD ratio | reference DEL | nsveth DEL | DEL ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for m in ptp bridge; do
	ra=$(median ref-$m ADD) oa=$(median ours-$m ADD) rd=$(median ref-$m DEL) od=$(median ours-$m DEL)
	echo "| $m | $(ms $ra) | $(ms $oa) | $(ratio $ra $oa) | $(ms $rd) | $(ms $od) | $(ratio $rd $od) |"
done
ia=$(median ipam ADD) id=$(median ipam DEL)
echo "| host-local alone (in both) | $(ms $ia) | | | $(ms $id) | | |"
echo
echo "Without host-local's share (the plugins' own work): ADD $(ratio $(( $(median ref-ptp ADD) - ia )) $(( $(median ours-ptp ADD) - ia ))) (ptp), $(ratio $(( $(median ref-bridge ADD) - ia )) $(( $(median ours-bridge ADD) - ia ))) (bridge)."
