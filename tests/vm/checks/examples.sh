# examples/container.sh (as root) and examples/rootless.sh (as a user with a delegated cgroup
# subtree) on pure v2: each effect checked from inside (results the container writes into its
# rootfs) and from the host, and nothing left afterwards.

# What a container does inside: report, wait for the host's checks, start 100 sleeps against the
# pids limit, allocate past the memory limit. Once the pids limit is reached no fork succeeds, so
# from there on it uses builtins only (fifos read with `read`, its sleeps found through /proc).
INSIDE='
r=/results
{ echo "pid=$$"; echo "hostname=$(hostname)"; echo "uid=$(id -u)"; echo "init=$(cat /proc/1/comm)"
  echo "procs=$(ls /proc | grep -c "^[0-9]")"; } > $r/info
mount -t tmpfs tmpfs /mnt && echo mounted > $r/tmpfs
ip link set lo up 2>/dev/null
ping -c 1 -W 5 10.200.0.1 >/dev/null 2>&1 && echo ok > $r/ping-host
echo ready > $r/ready
read x < $r/go
( i=0; while [ $i -lt 100 ]; do sleep 60 & i=$((i+1)); done ) 2>/dev/null
n=0; for d in /proc/[0-9]*; do n=$((n+1)); done; echo $n > $r/procs-after-fork
echo started > $r/started
read x < $r/go2
for d in /proc/[0-9]*; do
  read c < $d/comm 2>/dev/null && [ "$c" = sleep ] && kill -9 ${d#/proc/} 2>/dev/null
done
sleep 0.5
dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null; echo "$?" > $r/dd
echo oom-done > $r/oom-done
read x < $r/go3
echo done > $r/done
'

# poke FIFO: write a line the container waits for (giving up after 30 s).
poke() { timeout 30 sh -c "echo go >$1" || fail "nobody reads $1"; }

# field FILE KEY: KEY=value lines.
field() { sed -n "s/^$2=//p" "$1"; }

start_container() {
	make_rootfs
	r=$rootfs/results
	for f in go go2 go3; do mkfifo -m 666 "$r/$f"; done
	pidfile=/tmp/vm/container$$.pid
	NSTOOLS_PID_FILE=$pidfile sh /vm/examples/container.sh "$rootfs" /bin/sh -c "$INSIDE" \
		>/tmp/vm/container.out 2>&1 &
	script=$!
	# On failure: kill nsunshare (its --kill-child takes the container along), then container.sh
	# cleans up as it exits.
	defer "kill -KILL \$(cat /proc/$script/task/$script/children 2>/dev/null) 2>/dev/null
		kill $script 2>/dev/null; wait $script 2>/dev/null"
	wait_until 300 "[ -e $r/ready ] || gone $script" || true
	[ -e "$r/ready" ] || fail "the container did not start: $(cat /tmp/vm/container.out "$r/info" 2>/dev/null)"
	init=$(cat "$pidfile")
	program=$(cat "/proc/$init/task/$init/children")
	program=${program% }
}

check_container() {
	start_container
	# From the host, while it runs.
	for ns in user pid mnt uts ipc net cgroup; do
		[ "$(readlink "/proc/$program/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ] ||
			fail "the container's $ns namespace is the host's"
	done
	expect "the container's uids on the host" "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$program/status")" \
		"100000 100000 100000 100000"
	expect "the host's hostname" "$(hostname)" vm
	must ping -c 1 -W 5 10.200.0.2
	cgline=$(cat "/proc/$program/cgroup")
	group=${cgline#0::/}
	case $group in nstools-demo-*) ;; *) fail "the container's cgroup is '$cgline'" ;; esac
	expect "pids.max of the container" "$(cg "$group/pids.max")" 20
	expect "memory.max of the container" "$(cg "$group/memory.max")" 67108864
	grep -q " $rootfs/mnt " /proc/self/mountinfo && fail "the container's tmpfs is visible on the host"
	# The pids limit: 100 sleeps started inside, at most 20 processes in the cgroup.
	poke "$r/go"
	wait_until 300 "[ -e $r/started ]" || fail "the container did not start its sleeps"
	current=$(cg "$group/pids.current")
	within 10 20 "$current" "pids.current of the container after 100 sleeps"
	[ "$(key "$group/pids.events" max)" -gt 0 ] || fail "pids.events max is 0"
	# The memory limit: a 100M allocation is OOM-killed.
	poke "$r/go2"
	wait_until 300 "[ -e $r/oom-done ]" || fail "the container did not finish its allocation"
	expect "status of a 100M allocation in the container" "$(cat "$r/dd")" 137
	[ "$(key "$group/memory.events" oom_kill)" -ge 1 ] || fail "memory.events oom_kill is 0"
	poke "$r/go3"
	wait "$script" || fail "container.sh failed: $(cat /tmp/vm/container.out)"
	# From inside.
	info=$r/info
	cat "$info"
	expect "the program's pid inside" "$(field "$info" pid)" 2
	expect "pid 1 inside" "$(field "$info" init)" nsunshare
	expect "hostname inside" "$(field "$info" hostname)" box
	expect "uid inside" "$(field "$info" uid)" 0
	within 1 5 "$(field "$info" procs)" "processes visible inside"
	within 1 21 "$(cat "$r/procs-after-fork")" "processes inside after 100 sleeps"
	expect "tmpfs mounted inside" "$(cat "$r/tmpfs")" mounted
	expect "ping from the container to the host" "$(cat "$r/ping-host" 2>/dev/null)" ok
	expect "the container finished" "$(cat "$r/done")" done
	# Nothing left (the runner also compares cgroups, mounts, links and processes).
	wait_until 50 "gone $init" || fail "the container's init $init is left"
	[ ! -d "$CG/$group" ] || fail "the cgroup $group is left"
	[ ! -e "$pidfile" ] || fail "the pid file is left"
	ip -o link | grep -q nsv && fail "a veth is left: $(ip -o link | grep nsv)"
	true
}

# issue 13 (3): the container sees its own cgroup as its root (0::/, as with runc and crun), and
# its pid 1 as its own root, not as an unmapped uid (nobody).
check_container_sees_own_root() {
	make_rootfs
	try sh /vm/examples/container.sh "$rootfs" /bin/sh -c \
		'cat /proc/self/cgroup; awk "/^Uid:/ { print \$2 }" /proc/1/status'
	expect "container.sh status" "$rc" 0
	set -- $out
	expect "/proc/self/cgroup inside the container" "${1:-}" "0::/"
	expect "uid of pid 1 inside the container" "${2:-}" 0
}

# The delegation of a cgroup subtree to user 1000 the way systemd's Delegate=yes does it: the
# user owns user@1000.service and its cgroup.procs, cgroup.subtree_control and cgroup.threads;
# its limits (pids.max, memory.max, ...) stay root's. The controllers are enabled above it.
# The user's shell lives in a leaf the user made, session.scope.
DELEGATED=/user.slice/user-1000.slice/user@1000.service
delegate() {
	defer "remove_cgroup user.slice"
	mkdir -p "$CG$DELEGATED"
	for d in "" /user.slice /user.slice/user-1000.slice; do
		echo "+cpu +io +memory +pids" >"$CG$d/cgroup.subtree_control"
	done
	echo 200 >"$CG$DELEGATED/pids.max"
	chown 1000:1000 "$CG$DELEGATED" "$CG$DELEGATED/cgroup.procs" \
		"$CG$DELEGATED/cgroup.subtree_control" "$CG$DELEGATED/cgroup.threads"
}

# as_delegated_user COMMAND: run the shell command as user 1000 in $DELEGATED/session.scope, a
# leaf of the user's (made as the user's manager would, owned by the user).
as_delegated_user() {
	_s=$CG$DELEGATED/session.scope
	if [ ! -d "$_s" ]; then
		mkdir "$_s"
		chown 1000:1000 "$_s" "$_s/cgroup.procs" "$_s/cgroup.subtree_control" "$_s/cgroup.threads"
	fi
	try sh -c 'echo $$ >"$0/cgroup.procs" && exec su -s /bin/sh user -c "$1"' "$_s" \
		"cd /home/user && PATH=$PATH && $1"
}

# rootless.sh run by the user from its session.scope: the container's cgroup is made beside it,
# in the delegated user@1000.service (a relative path starts at the delegated parent), and the
# container starts in it (nsunshare --into-cgroup): its pids and memory limits hold, and inside,
# the cgroup is its root.
check_rootless() {
	delegate
	make_rootfs
	r=$rootfs/results
	inside='echo uid=$(id -u) host=$(hostname) lo=$(cat /sys/class/net/lo/operstate) pid=$$ >/results/info
		cat /proc/self/cgroup >/results/cgroup
		( i=0; while [ $i -lt 100 ]; do sleep 60 & i=$((i+1)); done ) 2>/dev/null
		n=0; for d in /proc/[0-9]*; do n=$((n+1)); done; echo $n > /results/procs
		for d in /proc/[0-9]*; do
			read c < $d/comm 2>/dev/null && [ "$c" = sleep ] && kill -9 ${d#/proc/} 2>/dev/null
		done
		sleep 0.5
		dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null; echo $? > /results/dd'
	as_delegated_user "sh /vm/examples/rootless.sh $rootfs /bin/sh -c '$inside'"
	expect "rootless.sh status" "$rc" 0
	case $err in *"running without resource limits"*) fail "rootless.sh ran without a cgroup: $err" ;; esac
	cat "$r/info"
	grep -q "uid=0 host=box" "$r/info" || fail "not root in a container named box: $(cat "$r/info")"
	grep -q "pid=2" "$r/info" || fail "the program is not pid 2"
	grep -q "lo=down" "$r/info" && fail "lo is down inside"
	expect "/proc/self/cgroup inside the rootless container" "$(cat "$r/cgroup")" "0::/"
	within 1 21 "$(cat "$r/procs")" "processes inside after 100 sleeps"
	expect "status of a 100M allocation in the rootless container" "$(cat "$r/dd")" 137
	[ -z "$(ls -d "$CG$DELEGATED"/nstools-rootless-* 2>/dev/null)" ] || fail "the container's cgroup is left"
}

# A relative path from the user's leaf (session.scope) names a cgroup beside it, in the
# delegated user@1000.service, where the user may enable controllers: limits are enforced.
check_relative_beside_a_delegated_leaf() {
	delegate
	as_delegated_user "nscgroup exec --rm job --pids=20 --memory=32M -- sh -c '
		cat /proc/self/cgroup
		( i=0; while [ \$i -lt 100 ]; do sleep 60 & i=\$((i+1)); done ) 2>/dev/null
		cat $CG$DELEGATED/job/pids.current'"
	expect "exec --rm job as the user" "$rc" 0
	set -- $out
	expect "the job's cgroup" "${1:-}" "0::$DELEGATED/job"
	within 15 20 "${2:-}" "pids.current of the user's job after 100 sleeps"
	expect "subtree_control of the user's session.scope" "$(cg "${DELEGATED#/}/session.scope/cgroup.subtree_control")" ""
	[ ! -d "$CG$DELEGATED/job" ] || fail "the job's cgroup is left"
	# exec without --rm, create, stat and delete find it there too.
	as_delegated_user "nscgroup create job --pids=10 && nscgroup exec job -- cat /proc/self/cgroup &&
		nscgroup stat job && nscgroup delete job"
	expect "create, exec, stat, delete as the user" "$rc" 0
	case $out in "0::$DELEGATED/job"*"pids.max 10"*) ;; *) fail "exec/stat of job as the user: $out" ;; esac
	[ ! -d "$CG$DELEGATED/job" ] || fail "the job's cgroup is left"
}

# Where the parent is not delegated (the user's shell in user@1000.service itself, whose parent is
# root's), a relative path stays below the user's own cgroup, which holds the user's shell:
# refused in one line naming the rule, nothing changed.
check_relative_below_a_busy_cgroup_is_refused() {
	delegate
	try sh -c 'echo $$ >"$0/cgroup.procs" && exec su -s /bin/sh user -c "$1"' "$CG$DELEGATED" \
		"PATH=$PATH nscgroup exec --rm job --pids=20 -- true"
	expect "exec --rm job as the user in $DELEGATED" "$rc" 1
	expect "lines of the error" "$(echo "$err" | wc -l)" 1
	case $err in *"$DELEGATED/cgroup.subtree_control: the no-internal-process rule"*"it is your own cgroup"*) ;;
	*) fail "the error does not name the rule and the caller's own cgroup: $err" ;; esac
	expect "subtree_control of $DELEGATED" "$(cg "${DELEGATED#/}/cgroup.subtree_control")" ""
	[ ! -d "$CG$DELEGATED/job" ] || fail "$DELEGATED/job is left"
}

# The user works within the delegated subtree with absolute paths: limits are enforced, and what
# is not delegated (the subtree's own limits, cgroups outside it) is refused.
check_delegated_limits() {
	delegate
	as_delegated_user "nscgroup exec --rm $DELEGATED/job --pids=20 -- sh -c '
		( i=0; while [ \$i -lt 100 ]; do sleep 60 & i=\$((i+1)); done ) 2>/dev/null
		cat $CG$DELEGATED/job/pids.current $CG$DELEGATED/job/pids.max'"
	expect "exec --rm as the user" "$rc" 0
	set -- $out
	expect "pids.max of the user's job" "${2:-}" 20
	within 15 20 "$1" "pids.current of the user's job after 100 sleeps"
	[ ! -d "$CG$DELEGATED/job" ] || fail "the job's cgroup is left"
	as_delegated_user "nscgroup set $DELEGATED --pids=max"
	[ "$rc" = 1 ] || fail "the user raised the delegated cgroup's own pids.max: status $rc"
	expect "pids.max of the delegated cgroup" "$(cg "${DELEGATED#/}/pids.max")" 200
	as_delegated_user "nscgroup create /stolen --pids=5"
	[ "$rc" = 1 ] || fail "the user created a cgroup outside the delegated subtree: status $rc"
	[ ! -d "$CG/stolen" ] || fail "/stolen was created"
}
