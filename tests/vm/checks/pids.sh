# nscgroup --pids on v2: pids.max caps the processes a cgroup may hold.

# 100 sleeps started in a cgroup with pids.max=20: the fork that would make the 21st process fails
# (busybox sh then gives up), and the cgroup never holds more than 20.
check_max_20() {
	g=$(uniq pids)
	defer "remove_cgroup $g"
	must nscgroup create "$g" --pids=20
	expect pids.max "$(cg "$g/pids.max")" 20
	run_in "$g" sh -c 'i=0; while [ $i -lt 100 ]; do sleep 60 & i=$((i + 1)); done; echo all started'
	[ "$rc" != 0 ] || fail "all 100 sleeps started"
	n=$(wc -l <"$CG/$g/cgroup.procs")
	current=$(cg "$g/pids.current")
	expect "pids.current against cgroup.procs" "$current" "$n"
	within 15 20 "$current" "processes in the cgroup"
	max=$(key "$g/pids.events" max)
	[ "$max" -gt 0 ] || fail "pids.events max is $max"
	echo "pids.current $current, pids.events max $max"
}

# A limit set on a cgroup that already holds processes applies from then on.
check_set_lowers() {
	g=$(uniq pidset)
	defer "remove_cgroup $g"
	must nscgroup create "$g" --pids=max
	expect pids.max "$(cg "$g/pids.max")" max
	in_cgroup "$g" sleep 60
	must nscgroup set "$g" --pids=1
	expect pids.max "$(cg "$g/pids.max")" 1
	# (moving a process in is not limited, forking there is)
	run_in "$g" sh -c '(exit 0) && echo forked'
	[ "$out" != forked ] || fail "a process forked in a cgroup at pids.max=1"
	expect pids.current "$(cg "$g/pids.current")" 1
}
