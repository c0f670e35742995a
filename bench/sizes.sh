#!/bin/sh
# Sizes of the static musl builds of every tool and of the multicall binary (and of nsveth and
# the multicall with the CNI mode the minimal build leaves out), next to util-linux
# unshare + nsenter (with the shared libraries they load) and busybox-static.
set -eu
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
musl=x86_64-unknown-linux-musl
scripts/build-static.sh --plain >/dev/null
plain=$target/$musl/release
scripts/build-static.sh >/dev/null
dir=$target/static

size() { stat -L -c %s "$1"; }
kib() { echo $(( ($1 + 1023) / 1024 )); }
libs_of() { ldd "$1" 2>/dev/null | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u; }

echo "| binary | static KiB | budget | plain musl KiB |"
echo "|---|---:|---|---:|"
for b in src/bin/*.rs; do
	n=$(basename "$b" .rs)
	s=$(size "$dir/$n")
	budget=450
	[ "$n" = nstools ] && budget=800
	verdict=ok
	[ "$(kib "$s")" -le "$budget" ] || verdict="OVER ($budget)"
	echo "| $n | $(kib "$s") | $verdict | $(kib "$(size "$plain/$n")") |"
done
# nsveth's CNI mode, which the minimal build leaves out (the cni feature): what it adds.
scripts/build-static.sh --cni >/dev/null
for n in nsveth nstools; do
	s=$(size "$target/static-cni/$n")
	echo "| $n with CNI mode (\`--cni\`) | $(kib "$s") | +$(kib $((s - $(size "$dir/$n")))) KiB | |"
done
for ref in unshare nsenter; do
	p=$(command -v "$ref")
	total=$(size "$p")
	for l in $(libs_of "$p"); do total=$((total + $(size "$l"))); done
	echo "| util-linux $ref + its shared libraries | $(kib "$total") | | |"
done
if [ -x /bin/busybox ]; then
	echo "| busybox-static (all applets) | $(kib "$(size /bin/busybox)") | | |"
fi
