#!/bin/sh
# Benchmark nstools against the reference tools and the static C floors, in one run.
#   bench/run.sh [--quick] [FILTER]     FILTER: a substring of the job names
# Builds our static binaries (scripts/build-static.sh) and the floors (gcc -O2 -static bench/c/*.c), then runs the
# interleaved comparison (benches/compare.rs) and prints a markdown table of medians and ratios.
set -eu
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
# The reference tools: installed when missing (as root, Debian), else each missing one is skipped
# with a line saying so.
refs="util-linux uidmap iproute2 cgroup-tools dash busybox-static gcc"
missing=
for p in $refs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing the reference tools:$missing" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 ||
			echo "could not install$missing: jobs that need them are skipped" >&2
	else
		echo "missing$missing: jobs that need them are skipped" >&2
	fi
fi
scripts/build-static.sh >/dev/null
cargo build --release --quiet --locked  # README's build
mkdir -p "$target/bench-c"
for c in bench/c/*.c; do
  out="$target/bench-c/$(basename "$c" .c)"
  [ "$out" -nt "$c" ] && [ "$out" -nt bench/c/netlink.h ] && [ "$out" -nt bench/c/cgroup.h ] || gcc -O2 -static -o "$out" "$c"
done
cargo bench --quiet --bench compare -- "$@"

# Scale: per-container cost with many containers alive (skipped when a FILTER is given).
quick=
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	-*) ;;
	*) exit 0 ;;
	esac
done
echo
echo "| scale | per container | against N=10 |"
echo "|---|---:|---:|"
if [ -n "$quick" ]; then
	bench/scale.sh "$target/static" 10 100
else
	bench/scale.sh "$target/static" 10 100 500
fi
