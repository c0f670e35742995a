# The system the other checks rely on: pure cgroup v2 with nsdelegate, what the kernel offers.

check_pure_v2() {
	expect "cgroup mounts" "$(awk '$3 ~ /^cgroup/ { print $2, $3 }' /proc/mounts)" "/sys/fs/cgroup cgroup2"
	grep -q ' /sys/fs/cgroup cgroup2 [^ ]*nsdelegate' /proc/mounts || fail "cgroup2 is not mounted with nsdelegate"
	grep -q cgroup_no_v1=all /proc/cmdline || fail "cgroup_no_v1=all not on the command line"
	for c in cpuset cpu io memory pids; do
		grep -qw "$c" "$CG/cgroup.controllers" || fail "controller $c missing: $(cg cgroup.controllers)"
	done
	expect "own cgroup" "$(cat /proc/self/cgroup)" "0::/"
	expect "CPUs" "$(nproc)" 2
}
