# nscgroup freeze/thaw on v2 (cgroup.freeze): the kernel reports the cgroup frozen, and a busy
# loop inside gets no CPU time until it is thawed.

check_freeze_thaw() {
	g=$(uniq frz)
	defer "remove_cgroup $g"
	must nscgroup create "$g"
	in_cgroup "$g" sh -c 'while :; do :; done'
	must nscgroup freeze "$g"
	expect "frozen in cgroup.events as freeze returns" "$(key "$g/cgroup.events" frozen)" 1
	expect cgroup.freeze "$(cg "$g/cgroup.freeze")" 1
	must nscgroup stat "$g"
	echo "$out" | grep -qx 'frozen 1' || fail "stat does not say frozen"
	c0=$(cputicks "$pid")
	u0=$(key "$g/cpu.stat" usage_usec)
	sleep 0.5
	expect "CPU ticks of the frozen loop" "$(cputicks "$pid")" "$c0"
	expect "usage_usec of the frozen cgroup" "$(key "$g/cpu.stat" usage_usec)" "$u0"
	must nscgroup thaw "$g"
	expect "frozen in cgroup.events as thaw returns" "$(key "$g/cgroup.events" frozen)" 0
	sleep 0.5
	c1=$(cputicks "$pid")
	[ "$c1" -gt "$c0" ] || fail "the thawed loop does not run"
}

# A frozen cgroup can still be killed and deleted.
check_delete_kill_frozen() {
	g=$(uniq frzdel)
	defer "remove_cgroup $g"
	must nscgroup create "$g"
	in_cgroup "$g" sleep 60
	must nscgroup freeze "$g"
	must nscgroup delete --kill "$g"
	[ ! -d "$CG/$g" ] || fail "$g still exists"
	wait_until 20 "gone $pid" || fail "pid $pid survived delete --kill"
}
