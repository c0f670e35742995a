# Helpers for the checks in tests/vm/checks/ (sourced into each check's own shell, busybox sh).
#
# A check is a function `check_NAME` in checks/AREA.sh; it passes by returning 0 and fails by
# `fail MESSAGE` (or any non-zero exit: `set -eu` is on). It looks at effects from outside the tool
# under test: cgroupfs files, /proc, the kernel's own counters. What it makes it removes with
# `defer`; the runner verifies afterwards that nothing is left.
set -eu

CG=/sys/fs/cgroup
# busybox sh prefers its applets to PATH: a tool that shares an applet's name needs its path.
NSENTER=/usr/local/bin/nsenter

fail() {
	echo "FAIL: $*"
	exit 1
}

# defer COMMAND: run COMMAND (a string) when the check's shell exits, last deferred first.
_deferred=
defer() { _deferred="$1
$_deferred"; }
_run_deferred() {
	_rc=$?
	set +e
	eval "$_deferred"
	exit $_rc
}
trap _run_deferred EXIT

# expect WHAT ACTUAL EXPECTED
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }

# within LOW HIGH VALUE WHAT: LOW <= VALUE <= HIGH (numbers; awk, so decimals work).
within() {
	awk -v l="$1" -v h="$2" -v v="$3" 'BEGIN { exit !(v + 0 >= l + 0 && v + 0 <= h + 0) }' ||
		fail "$4: $3 is not within $1..$2"
}

# try COMMAND...: run it; its status in $rc, stdout in $out, stderr in $err (never fails).
try() {
	rc=0
	"$@" >/tmp/vm/try.out 2>/tmp/vm/try.err || rc=$?
	out=$(cat /tmp/vm/try.out)
	err=$(cat /tmp/vm/try.err)
	echo "\$ $* -> $rc${out:+; stdout: $out}${err:+; stderr: $err}"
}

# must COMMAND...: like try, but the command must succeed.
must() {
	try "$@"
	[ "$rc" = 0 ] || fail "$* failed with status $rc"
}

# A cgroup file's content, or a key's value in a flat-keyed file.
cg() { cat "$CG/$1"; }
key() { awk -v k="$2" '$1 == k { print $2 }' "$CG/$1"; }

# uniq NAME: a cgroup (or link) name of this check's own.
uniq() { echo "$1$$"; }

# remove_cgroup PATH: kill what is in it and remove it with everything below (the kernel's way,
# not the tool's), for cleanup.
remove_cgroup() {
	[ -d "$CG/$1" ] || return 0
	echo 0 >"$CG/$1/cgroup.freeze" 2>/dev/null || true
	echo 1 >"$CG/$1/cgroup.kill" 2>/dev/null || true
	find "$CG/$1" -depth -type d | while read -r d; do
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
	done
}

# in_cgroup PATH COMMAND...: start COMMAND in the background inside the cgroup, moved there by
# writing cgroup.procs ourselves; its pid in $pid. Killed at exit.
in_cgroup() {
	_g=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/$_g" "$@" &
	pid=$!
	defer "kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null"
	# wait until it is in (the shell above writes before it executes)
	wait_until 50 "grep -qx '0::/$_g' /proc/$pid/cgroup" || fail "pid $pid did not enter $_g"
}

# wait_until TENTHS CONDITION: poll a shell condition every 0.1 s, at most TENTHS times.
wait_until() {
	_n=$1
	while [ "$_n" -gt 0 ]; do
		eval "$2" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# gone PID: the process no longer exists (a zombie counts as gone).
gone() {
	_s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	_s=${_s##*) }
	[ "${_s%% *}" = Z ]
}

# cputicks PID: user + system CPU time of a process, in clock ticks.
cputicks() {
	_s=$(cat "/proc/$1/stat")
	set -- ${_s##*) }
	echo $((${12} + ${13}))
}

# uptime_s: seconds since boot, two decimals.
uptime_s() { read -r _u _ </proc/uptime && echo "$_u"; }

# make_rootfs: $rootfs, a root filesystem for containers: a copy of the one
# examples/make-rootfs.sh made when the image was built, with a /results directory anyone may write.
make_rootfs() {
	rootfs=/tmp/vm/rootfs$$
	cp -a /vm/rootfs "$rootfs"
	defer "rm -rf $rootfs"
	mkdir -p "$rootfs/results" "$rootfs/mnt"
	chmod 755 "$rootfs" && chmod 777 "$rootfs/results"
}

# run_in PATH COMMAND...: run COMMAND in the foreground inside the cgroup (moved there by writing
# cgroup.procs ourselves), as `try` does.
run_in() {
	_g=$1
	shift
	try sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG/$_g" "$@"
}
