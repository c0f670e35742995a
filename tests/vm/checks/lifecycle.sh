# nscgroup's subcommands on v2 besides the limits: create (nested, undone on failure), set,
# attach, exec (with and without --rm), kill, delete, list, and the refusals that protect the
# caller.

check_create_nested() {
	top=$(uniq nest)
	defer "remove_cgroup $top"
	must nscgroup create "$top/b/c" --memory=16M --pids=8
	expect "memory.max of $top/b/c" "$(cg "$top/b/c/memory.max")" 16777216
	expect "pids.max of $top/b/c" "$(cg "$top/b/c/pids.max")" 8
	for d in "" "/$top" "/$top/b"; do
		on=$(cat "$CG$d/cgroup.subtree_control")
		case " $on " in *" memory "*) ;; *) fail "memory not enabled in $CG$d/cgroup.subtree_control: '$on'" ;; esac
		case " $on " in *" pids "*) ;; *) fail "pids not enabled in $CG$d/cgroup.subtree_control: '$on'" ;; esac
	done
	expect "subtree_control of the leaf" "$(cg "$top/b/c/cgroup.subtree_control")" ""
	# An existing cgroup is kept and gets the limits.
	must nscgroup create "$top/b/c" --pids=9
	expect "pids.max after a second create" "$(cg "$top/b/c/pids.max")" 9
}

# A create that fails half-way (the kernel refuses the cpuset) takes back what it made.
check_create_failure_undone() {
	top=$(uniq undo)
	defer "remove_cgroup $top"
	try nscgroup create "$top/b" --memory=16M --cpuset=7
	[ "$rc" = 1 ] || fail "create with --cpuset=7 on 2 CPUs: status $rc"
	# The kernel's bare ERANGE ("Math result not representable") is explained.
	case $err in *"(CPU 7 is not present: this machine has CPUs 0-1)") ;; *) fail "the error does not explain the CPU list: $err" ;; esac
	[ ! -d "$CG/$top" ] || fail "$top is left after the failed create"
	try nscgroup set "$top" --pids=5
	[ "$rc" = 1 ] || fail "set on a missing cgroup: status $rc"
}

check_attach() {
	g=$(uniq att)
	defer "remove_cgroup $g"
	must nscgroup create "$g" --pids=10
	sleep 60 &
	p1=$!
	sleep 60 &
	p2=$!
	defer "kill $p1 $p2 2>/dev/null"
	must nscgroup attach "$g" "$p1" "$p2"
	expect "cgroup of $p1" "$(cat "/proc/$p1/cgroup")" "0::/$g"
	expect "cgroup of $p2" "$(cat "/proc/$p2/cgroup")" "0::/$g"
	expect pids.current "$(cg "$g/pids.current")" 2
	try nscgroup attach "$g" 999999
	[ "$rc" = 1 ] || fail "attach of a missing pid: status $rc"
}

check_exec() {
	g=$(uniq exec)
	defer "remove_cgroup $g"
	must nscgroup exec "$g" --pids=10 -- cat /proc/self/cgroup
	expect "cgroup seen by the program" "$out" "0::/$g"
	expect "pids.max" "$(cg "$g/pids.max")" 10
	try nscgroup exec "$g" -- sh -c 'exit 7'
	expect "exec status" "$rc" 7
	try nscgroup exec "$g" -- /nonexistent
	expect "exec of a missing program" "$rc" 127
}

check_exec_rm() {
	g=$(uniq rm)
	defer "remove_cgroup $g"
	# No limits at all (issue 13: this failed on the hybrid layout).
	try nscgroup exec "$g" --rm -- sh -c 'exit 5'
	expect "exec --rm status" "$rc" 5
	[ ! -d "$CG/$g" ] || fail "$g is left"
	must nscgroup exec --rm "$g" --pids=5 -- cat /proc/self/cgroup
	expect "cgroup seen by the program" "$out" "0::/$g"
	[ ! -d "$CG/$g" ] || fail "$g is left"
	# What the program leaves running is killed, then the cgroup goes.
	must nscgroup exec --rm "$g" -- sh -c 'sleep 60 & echo $!'
	wait_until 20 "gone $out" || fail "the program's background sleep ($out) survived exec --rm"
	[ ! -d "$CG/$g" ] || fail "$g is left"
	try nscgroup exec --rm "$g" -- sh -c 'kill -TERM $$'
	expect "exec --rm status of a program killed by TERM" "$rc" 143
	try nscgroup exec --rm "$g/sub" --memory=16M -- /nonexistent
	expect "exec --rm of a missing program" "$rc" 127
	[ ! -d "$CG/$g" ] || fail "$g is left after a failed exec"
}

check_kill() {
	g=$(uniq kill)
	defer "remove_cgroup $g"
	must nscgroup create "$g/sub"
	# A shell that ignores TERM survives the default signal; KILL (cgroup.kill) ends everything,
	# in the cgroups below too.
	in_cgroup "$g" sh -c 'trap "" TERM; while :; do sleep 1; done'
	shell=$pid
	in_cgroup "$g/sub" sleep 60
	below=$pid
	must nscgroup kill "$g"
	wait_until 20 "gone $below" || fail "TERM did not end the sleep in $g/sub"
	sleep 0.3
	gone "$shell" && fail "the shell that ignores TERM is gone after TERM"
	in_cgroup "$g/sub" sleep 60
	below=$pid
	must nscgroup kill "$g" KILL
	wait_until 20 "gone $shell && gone $below" || fail "KILL left processes"
	wait_until 20 "[ \"\$(key $g/cgroup.events populated)\" = 0 ]" || fail "$g still populated"
	[ -d "$CG/$g/sub" ] || fail "kill removed the cgroup"
	try nscgroup kill "$g" NOSUCHSIG
	[ "$rc" = 1 ] || fail "an unknown signal: status $rc"
}

check_delete() {
	g=$(uniq del)
	defer "remove_cgroup $g"
	must nscgroup create "$g/a/b" --pids=10
	in_cgroup "$g/a/b" sleep 60
	try nscgroup delete "$g"
	[ "$rc" = 1 ] || fail "delete of a cgroup with processes: status $rc"
	[ -d "$CG/$g/a/b" ] || fail "the refused delete removed something"
	gone "$pid" && fail "the refused delete killed the process"
	must nscgroup delete --kill "$g"
	[ ! -d "$CG/$g" ] || fail "$g still exists after delete --kill"
	wait_until 20 "gone $pid" || fail "pid $pid survived delete --kill"
	try nscgroup delete "$g"
	[ "$rc" = 1 ] || fail "delete of a missing cgroup: status $rc"
}

check_list() {
	g=$(uniq list)
	defer "remove_cgroup $g"
	must nscgroup create "$g/a"
	must nscgroup create "$g/b/c"
	must nscgroup list "$g"
	expect "list $g" "$(echo "$out" | tr '\n' ' ')" "$g/a $g/b $g/b/c "
	must nscgroup list
	echo "$out" | grep -qx "$g/b/c" || fail "list without a path does not show $g/b/c"
}

# kill, freeze and delete refuse the cgroup that holds the caller.
check_refuse_own() {
	g=$(uniq own)
	defer "remove_cgroup $g"
	must nscgroup create "$g"
	for cmd in "freeze /$g" "kill /$g KILL" "delete --kill /$g"; do
		# shellcheck disable=SC2086 # words on purpose
		run_in "$g" nscgroup $cmd
		[ "$rc" = 1 ] || fail "nscgroup $cmd from inside $g: status $rc"
		[ -n "$err" ] || fail "nscgroup $cmd from inside: no message"
		[ -d "$CG/$g" ] || fail "nscgroup $cmd from inside removed $g"
		expect "frozen" "$(key "$g/cgroup.events" frozen)" 0
	done
}

# issue 13: a cgroup made without limits works with every other subcommand.
check_no_limits() {
	g=$(uniq bar)
	defer "remove_cgroup $g"
	must nscgroup create "$g"
	in_cgroup "$g" sleep 60
	must nscgroup freeze "$g"
	must nscgroup thaw "$g"
	must nscgroup stat "$g"
	must nscgroup kill "$g"
	wait_until 20 "gone $pid" || fail "kill did not end the sleep"
	must nscgroup delete "$g"
	[ ! -d "$CG/$g" ] || fail "$g is left"
}

# From a cgroup that holds processes (a systemd login session, session-N.scope), root's relative
# path is a child of that busy cgroup (root is never delegated to: see
# examples/relative_beside_a_delegated_leaf for a user's); v2's no-internal-process rule forbids
# it controllers. README's `nscgroup exec --rm build --memory=... -- make` there must refuse in
# one line naming the file and the rule, and change nothing.
busy_leaf_refusal() {
	s=$(uniq session)
	defer "remove_cgroup $s"
	mkdir "$CG/$s"
	echo "+memory +pids" >"$CG/cgroup.subtree_control"
	before=$(cg "$s/cgroup.subtree_control")
	run_in "$s" nscgroup exec --rm build "$@" -- true
	[ "$rc" = 1 ] || fail "exec --rm $* from a busy cgroup: status $rc"
	expect "subtree_control of the busy cgroup afterwards" "$(cg "$s/cgroup.subtree_control")" "$before"
	[ ! -d "$CG/$s/build" ] || fail "$s/build is left"
	expect "lines of the error" "$(echo "$err" | wc -l)" 1
	case $err in *"$s/cgroup.subtree_control"*) ;; *) fail "the error does not name $s/cgroup.subtree_control: $err" ;; esac
	case $err in *"internal process"* | *"internal-process"*) ;; *) fail "the error does not name the no-internal-process rule: $err" ;; esac
}

check_busy_leaf_memory() { busy_leaf_refusal --memory=64M --pids=64; }

# pids (like cpu and cpuset) is a threaded controller: the kernel lets a busy cgroup enable it, but
# that makes it a thread root and every child an invalid domain (EOPNOTSUPP on cgroup.procs).
check_busy_leaf_pids() { busy_leaf_refusal --pids=64; }

# From Linux 6.14 (and stable kernels that took the change) the kernel kills at birth a child
# created with CLONE_INTO_CGROUP in a cgroup once emptied through cgroup.kill: exec, exec --rm
# below it and nsunshare --into-cgroup start their program there all the same.
check_exec_after_kill() {
	g=$(uniq killed)
	defer "remove_cgroup $g"
	must nscgroup create "$g" --pids=10
	in_cgroup "$g" sleep 60
	must nscgroup kill "$g" KILL
	wait_until 20 "gone $pid" || fail "KILL left the sleep"
	must nscgroup exec "$g" -- cat /proc/self/cgroup
	expect "cgroup of exec's program after a kill" "$out" "0::/$g"
	must nscgroup exec --rm "$g/sub" -- cat /proc/self/cgroup
	expect "cgroup of exec --rm's program below a killed cgroup" "$out" "0::/$g/sub"
	must nsunshare --into-cgroup="$g" -f -- cat /proc/self/cgroup
	expect "cgroup of nsunshare --into-cgroup's program after a kill" "$out" "0::/$g"
}

# Every command line of the EXAMPLES of nscgroup(1) runs, in order, on pure v2 (the host suite
# runs them on the hybrid layout), with stand-ins: cgroup names of this check's own, the pid of
# a process it started, a `make` that succeeds.
check_man_examples() {
	job=$(uniq manjob)
	box=$(uniq manbox)
	bin=/tmp/vm/manbin$$
	defer "remove_cgroup $job; remove_cgroup $box; rm -rf $bin"
	mkdir -p "$bin"
	printf '#!/bin/sh\nexit 0\n' >"$bin/make"
	chmod 755 "$bin/make"
	export PATH="$bin:$PATH"
	sleep 60 &
	sleeper=$!
	defer "kill -KILL $sleeper 2>/dev/null; wait $sleeper 2>/dev/null"
	sed -n '/^\.SH EXAMPLES/,/^\.SH SEE/p' /vm/man/nscgroup.1 | sed -n '/^\.EX$/,/^\.EE$/p' |
		grep -v '^\.E[XE]$' | sed 's/\\-/-/g' >/tmp/vm/examples$$
	defer "rm -f /tmp/vm/examples$$"
	n=0
	while read -r line <&3; do
		words=
		for w in $line; do
			case $w in job) w=$job ;; box) w=$box ;; 1234) w=$sleeper ;; esac
			words="$words $w"
		done
		# shellcheck disable=SC2086 # the example's words
		must $words
		n=$((n + 1))
	done 3</tmp/vm/examples$$
	[ "$n" -ge 5 ] || fail "only $n examples in /vm/man/nscgroup.1"
	wait_until 20 "gone $sleeper" || fail "delete --kill left the attached sleep"
	[ ! -d "$CG/$box" ] || fail "$box is left"
	[ ! -d "$CG/$job" ] || fail "$job is left"
}
