#!/bin/sh
# Benchmark nstools against the reference tools and the static C floors, in one run.
#   bench/run.sh [--quick] [FILTER]     FILTER: a substring of the job names
# Builds our static binaries (scripts/build-static.sh) and the floors (gcc -O2 -static bench/c/*.c), then runs the
# interleaved comparison (benches/compare.rs) and prints a markdown table of medians and ratios.
set -eu
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
scripts/build-static.sh >/dev/null
mkdir -p "$target/bench-c"
for c in bench/c/*.c; do
  out="$target/bench-c/$(basename "$c" .c)"
  [ "$out" -nt "$c" ] || gcc -O2 -static -o "$out" "$c"
done
exec cargo bench --quiet --bench compare -- "$@"
