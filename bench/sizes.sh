#!/bin/sh
# Sizes of the static musl builds of every tool and of the multicall binary, next to util-linux
# unshare + nsenter (with the shared libraries they load) and busybox-static.
set -eu
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
musl=x86_64-unknown-linux-musl
rustup target list --installed 2>/dev/null | grep -q "$musl" || rustup target add "$musl"
cargo build --release --quiet --target "$musl"
dir=$target/$musl/release

size() { stat -L -c %s "$1"; }
kib() { echo $(( ($1 + 1023) / 1024 )); }
libs_of() { ldd "$1" 2>/dev/null | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u; }

echo "| binary | KiB | budget |"
echo "|---|---:|---|"
for b in src/bin/*.rs; do
	n=$(basename "$b" .rs)
	s=$(size "$dir/$n")
	budget=450
	[ "$n" = nstools ] && budget=600
	verdict=ok
	[ "$(kib "$s")" -le "$budget" ] || verdict="OVER ($budget)"
	echo "| $n (static) | $(kib "$s") | $verdict |"
done
for ref in unshare nsenter; do
	p=$(command -v "$ref")
	total=$(size "$p")
	for l in $(libs_of "$p"); do total=$((total + $(size "$l"))); done
	echo "| util-linux $ref + its shared libraries | $(kib "$total") | |"
done
if [ -x /bin/busybox ]; then
	echo "| busybox-static (all applets) | $(kib "$(size /bin/busybox)") | |"
fi
