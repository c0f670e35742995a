# The cgroup v2 jobs of the benchmark (benches/compare.rs, "v2: ..."), run by bench/vm.sh in the
# guest, from the root cgroup: our static tools in /usr/local/bin, the C floors and the compare
# binary in /vm/payload (bench/vm.sh puts them there), its arguments in /vm/payload/args. Times
# are TCG's when the host has no KVM: compare the ratios.

check_v2() {
	args=
	read -r args </vm/payload/args || true
	cd /tmp
	# shellcheck disable=SC2086 # the arguments' words
	NSTOOLS_BENCH_BIN=/usr/local/bin NSTOOLS_BENCH_FLOOR=/vm/payload/floor \
		NSTOOLS_BENCH_ROOT=/vm/payload/root /vm/payload/compare $args
}
