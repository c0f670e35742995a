# nscgroup's memory limits on v2: memory.max, memory.high, memory.swap.max, checked by what the
# kernel does to a program that allocates (or reads through the page cache) past them.

check_max_oom() {
	g=$(uniq mem)
	defer "remove_cgroup $g"
	must nscgroup create "$g" --memory=32M
	expect memory.max "$(cg "$g/memory.max")" 33554432
	grep -qw memory "$CG/cgroup.subtree_control" || fail "memory not enabled in the root's subtree_control"
	# Below the limit an allocation succeeds; above it the OOM killer ends the program.
	must nscgroup exec "$g" -- dd if=/dev/zero of=/dev/null bs=16M count=1
	try nscgroup exec "$g" -- dd if=/dev/zero of=/dev/null bs=64M count=1
	expect "exec status of a 64M allocation under 32M" "$rc" 137
	expect "oom_kill in memory.events" "$(key "$g/memory.events" oom_kill)" 1
	must nscgroup stat "$g"
	echo "$out" | grep -qx 'memory.oom_kills 1' || fail "stat does not report the OOM kill"
	echo "$out" | grep -qx 'memory.max 33554432' || fail "stat does not report memory.max"
	must nscgroup delete "$g"
	[ ! -d "$CG/$g" ] || fail "$g still exists after delete"
}

check_exec_rm_oom() {
	g=$(uniq memrm)
	defer "remove_cgroup $g"
	try nscgroup exec --rm "$g" --memory=32M -- dd if=/dev/zero of=/dev/null bs=64M count=1
	expect "exec --rm status of a 64M allocation under 32M" "$rc" 137
	echo "$err" | grep -qi oom || fail "exec --rm does not say the program was OOM-killed"
	[ ! -d "$CG/$g" ] || fail "$g is left"
}

# memory.high throttles and reclaims instead of killing: reading 32M of a disk through the page
# cache charges at most about the limit at any time (memory.peak), where an unlimited cgroup's
# charge grows to most of it.
check_high() {
	g=$(uniq high)
	free=$(uniq free)
	defer "remove_cgroup $g; remove_cgroup $free"
	must nscgroup create "$g" --memory-high=8M
	expect memory.high "$(cg "$g/memory.high")" 8388608
	must nscgroup create "$free"
	# (each reads its own half of the disk: pages stay charged to the cgroup that read them first)
	run_in "$g" dd if=/dev/vda of=/dev/null bs=1M count=32
	expect "dd status under memory.high" "$rc" 0
	high=$(cg "$g/memory.peak")
	events=$(key "$g/memory.events" high)
	[ "$events" -gt 0 ] || fail "memory.events high is $events"
	expect "oom_kill" "$(key "$g/memory.events" oom_kill)" 0
	[ "$high" -le $((16 << 20)) ] || fail "memory.peak $high is far above memory.high (8M)"
	run_in "$free" dd if=/dev/vda of=/dev/null bs=1M skip=64 count=32
	unlimited=$(cg "$free/memory.peak")
	[ "$unlimited" -ge $((24 << 20)) ] || fail "without memory.high only $unlimited is charged: the check proves nothing"
	echo "memory.peak: $high under memory.high=8M, $unlimited without"
}

# memory.swap.max: with swap on, the allocation that memory.max kills fits once swap may be used.
check_swap_max() {
	g=$(uniq swap)
	defer "remove_cgroup $g"
	must mkswap /dev/vdb
	must swapon /dev/vdb
	defer "swapoff /dev/vdb"
	must nscgroup create "$g" --memory=16M --swap=0
	expect memory.swap.max "$(cg "$g/memory.swap.max")" 0
	run_in "$g" dd if=/dev/zero of=/dev/null bs=32M count=1
	expect "32M under memory.max=16M, swap.max=0" "$rc" 137
	must nscgroup set "$g" --swap=48M
	expect memory.swap.max "$(cg "$g/memory.swap.max")" 50331648
	run_in "$g" dd if=/dev/zero of=/dev/null bs=32M count=1
	expect "32M under memory.max=16M, swap.max=48M" "$rc" 0
	[ "$(key "$g/memory.events" oom_kill)" = 1 ] || fail "oom_kill is not 1: $(cg "$g/memory.events")"
	must nscgroup set "$g" --swap=max
	expect memory.swap.max "$(cg "$g/memory.swap.max")" max
}

# --oom-group (memory.oom.group): the OOM killer takes the whole cgroup at once, so a sleeping
# bystander dies with the allocator; turned off, only the allocator is killed.
check_oom_group() {
	g=$(uniq oomgroup)
	defer "remove_cgroup $g"
	must nscgroup create "$g" --memory=32M --oom-group
	expect memory.oom.group "$(cg "$g/memory.oom.group")" 1
	in_cgroup "$g" sleep 60
	bystander=$pid
	run_in "$g" dd if=/dev/zero of=/dev/null bs=64M count=1
	expect "status of a 64M allocation under 32M" "$rc" 137
	wait_until 50 "gone $bystander" || fail "the bystander $bystander survived the group OOM kill"
	[ "$(key "$g/memory.events" oom_group_kill)" -ge 1 ] || fail "oom_group_kill is 0: $(cg "$g/memory.events")"
	must nscgroup set "$g" --set=memory.oom.group=0
	expect memory.oom.group "$(cg "$g/memory.oom.group")" 0
	in_cgroup "$g" sleep 60
	run_in "$g" dd if=/dev/zero of=/dev/null bs=64M count=1
	expect "status of a 64M allocation under 32M" "$rc" 137
	sleep 0.5
	gone "$pid" && fail "without --oom-group the bystander was killed too"
	true
}
