#!/bin/sh
# bench/vm.sh [--quick] [FILTER]: the benchmark's cgroup v2 jobs (benches/compare.rs, "v2: ...":
# nscgroup exec --rm and the composed container, each against its C floor, started inside the
# cgroup by clone3 against moved in after start) on a pure cgroup-v2 kernel: in the VM of
# tests/vm (Debian's kernel under qemu, `cgroup_no_v1=all`), run from its root cgroup. Under TCG
# (no KVM) the times are an emulator's: compare the ratios. FILTER (default "v2:") selects jobs.
# Not run by CI.
set -eu
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
quick=
filter=v2:
for a in "$@"; do
	case $a in
	--quick) quick=--quick ;;
	-*) echo "usage: bench/vm.sh [--quick] [FILTER]" >&2; exit 2 ;;
	*) filter=$a ;;
	esac
done
static=$(scripts/build-static.sh | tail -n1)
mkdir -p "$target/bench-c"
for n in floor_cgroup floor_container true peakrss; do
	out=$target/bench-c/$n
	[ "$out" -nt "bench/c/$n.c" ] && [ "$out" -nt bench/c/netlink.h ] && [ "$out" -nt bench/c/cgroup.h ] ||
		gcc -O2 -static -o "$out" "bench/c/$n.c" 2>/dev/null
done
compare=$(cargo bench --quiet --no-run --locked --bench compare --message-format=json | grep '"kind":\["bench"\]' |
	sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n1)
[ -x "$compare" ] || { echo "bench/vm.sh: no compare binary from cargo bench --no-run" >&2; exit 1; }
payload=$target/bench-vm
rm -rf "$payload"
mkdir -p "$payload/floor" "$payload/root/examples" "$payload/root/bench"
for n in floor_cgroup floor_container true peakrss; do cp "$target/bench-c/$n" "$payload/floor/"; done
cp "$compare" "$payload/compare"
cp examples/container.sh "$payload/root/examples/"
cp bench/container-attach.sh "$payload/root/bench/"
echo "$quick $filter" >"$payload/args"
exec tests/vm/run --tools "$static" --bench --payload "$payload"
