#!/bin/sh
# Run by busybox init once: set the system up (pure cgroup v2 with nsdelegate), run the selected
# checks one by one, report each on the console for tests/vm/run, power off.
#
# Console protocol (lines the host reads; everything else is shown only with --verbose):
#   @@BOOTED <uptime>            set up, about to run the first check
#   @@RESULT <check> PASS|FAIL <seconds>
#   @@LOG <line>                 the check's output, after its @@RESULT
#   @@END                        every selected check ran
# After each check the runner also verifies that it left nothing behind (cgroups, processes,
# mounts, network links, swap) and removes what it finds, so that one check cannot spoil the next.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
. /vm/config

setup() {
	mount -t proc proc /proc &&
		mount -t sysfs sysfs /sys &&
		mount -t devtmpfs devtmpfs /dev &&
		mkdir -p /dev/pts /dev/shm &&
		mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts &&
		mount -t tmpfs -o mode=1777 shm /dev/shm &&
		mount -t tmpfs -o mode=1777 tmp /tmp &&
		mount -t tmpfs -o mode=0755 run /run &&
		mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || return 1
	hostname vm
	ip link set lo up || return 1
	while read -r ko; do
		insmod "/lib/modules/nstools/$ko" || return 1
	done </lib/modules/nstools/order
	# An unprivileged user with subordinate ids, and nsidmap installed setuid-root as README says.
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'user:x:1000:1000:user:/home/user:/bin/sh' \
		'nobody:x:65534:65534:nobody:/:/bin/false' >/etc/passwd
	printf '%s\n' 'root:x:0:' 'user:x:1000:' 'nogroup:x:65534:' >/etc/group
	echo 'user:200000:65536' >/etc/subuid
	echo 'user:200000:65536' >/etc/subgid
	mkdir -p /home/user && chown 1000:1000 /home/user
	cp -L /usr/local/bin/nsidmap /usr/local/bin/nsidmap.new &&
		mv /usr/local/bin/nsidmap.new /usr/local/bin/nsidmap &&
		chmod 4755 /usr/local/bin/nsidmap || return 1
	mkdir -p /tmp/vm
	mkfifo /tmp/vm/tick
}

# What a check must leave as it found it: cgroups, mounts, network links, swap (one file, in
# sections), and user processes (a list of pids, read with builtins only: no process of ours
# appears in it).
snapshot() {
	{
		echo "# cgroup"
		find /sys/fs/cgroup -mindepth 1 -type d
		echo "# mount"
		cat /proc/mounts
		echo "# link"
		ls /sys/class/net
		echo "# swap"
		cat /proc/swaps
	} >"$1"
}
user_procs() {
	_procs=
	for d in /proc/[0-9]*; do
		read -r s 2>/dev/null <"$d/stat" || continue
		s=${s##*) }
		state=${s%% *}
		s=${s#* }
		# kernel threads (kthreadd and its children) and zombies (init reaps them) do not count
		[ "$state" = Z ] || [ "${s%% *}" = 2 ] || [ "${d#/proc/}" = 2 ] || _procs="$_procs ${d#/proc/}"
	done
}

# Report and remove what the check left; returns 1 when it left anything.
leftovers() {
	_left=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		user_procs
		_new=
		for p in $_procs; do
			case " $_before_procs " in *" $p "*) ;; *) _new="$_new $p" ;; esac
		done
		[ -n "$_new" ] || break
		sleep 0.1
	done
	for p in $_new; do
		echo "left behind: process $p ($(tr '\0\n' '  ' 2>/dev/null <"/proc/$p/cmdline" | cut -c1-100))"
		kill -KILL "$p" 2>/dev/null
		_left=1
	done
	snapshot /tmp/vm/after
	cmp -s /tmp/vm/before /tmp/vm/after && return $_left
	# Lines of the snapshot that are new, as "SECTION LINE"; removed deepest cgroup first.
	awk 'NR == FNR { if (/^# /) s = $2; else seen[s " " $0] = 1; next }
		/^# / { s = $2; next }
		!((s " " $0) in seen) { print s, $0 }' /tmp/vm/before /tmp/vm/after | sort -r >/tmp/vm/new
	while read -r what a b _; do
		echo "left behind: $what $a${b:+ $b}"
		_left=1
		case $what in
		cgroup)
			echo 0 >"$a/cgroup.freeze" 2>/dev/null
			echo 1 >"$a/cgroup.kill" 2>/dev/null
			for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$a" 2>/dev/null && break; sleep 0.1; done ;;
		mount) umount -l "$b" 2>/dev/null ;;
		link) ip link del "$a" 2>/dev/null ;;
		swap) swapoff "$a" 2>/dev/null ;;
		esac
	done </tmp/vm/new
	return $_left
}

# A fresh boot enables no controller: each check starts from that, whatever the one before did.
reset_controllers() {
	read -r _on </sys/fs/cgroup/cgroup.subtree_control
	for c in $_on; do
		echo "-$c" >/sys/fs/cgroup/cgroup.subtree_control
	done
}

# now: centiseconds since boot (builtins only)
now() {
	read -r _u _ </proc/uptime
	_now=${_u%.*}${_u#*.}
	while [ "${_now#0}" != "$_now" ]; do _now=${_now#0}; done
	_now=${_now:-0}
}

if ! setup >/setup.log 2>&1; then
	echo "@@RESULT setup FAIL 0"
	sed 's/^/@@LOG /' /setup.log
	poweroff -f
fi
now
echo "@@BOOTED $_u"

while read -r name; do
	area=${name%%/*}
	check=${name#*/}
	reset_controllers
	snapshot /tmp/vm/before
	user_procs
	_before_procs=$_procs
	now
	t0=$_now
	x=
	[ "$trace" = 1 ] && x='set -x;'
	sh -c ". /vm/lib.sh && . /vm/checks/$area.sh && $x check_$check" </dev/null >/tmp/vm/log 2>&1 &
	pid=$!
	# Wait for it, killing it at the deadline. (busybox timeout's watcher would outlive the
	# check by up to a second and count as left behind.) Builtins only: no process of ours.
	deadline=$((t0 + check_timeout * 100))
	while read -r s 2>/dev/null <"/proc/$pid/stat" && s=${s##*) } && [ "${s%% *}" != Z ]; do
		now
		if [ "$_now" -ge "$deadline" ]; then
			kill -KILL "$pid"
			echo "killed: it ran longer than ${check_timeout}s" >>/tmp/vm/log
			break
		fi
		read -r -t 0.05 _ <>/tmp/vm/tick || true
	done
	wait "$pid"
	rc=$?
	[ $rc = 0 ] || echo "exit status $rc" >>/tmp/vm/log
	leftovers >>/tmp/vm/log 2>&1 || rc=1
	now
	took=$((_now - t0))
	took=$((took / 100)).$((took % 100 / 10))
	if [ $rc = 0 ]; then
		echo "@@RESULT $name PASS $took"
	else
		echo "@@RESULT $name FAIL $took"
	fi
	while IFS= read -r l; do echo "@@LOG $l"; done </tmp/vm/log
done </vm/selected
echo "@@END"
poweroff -f
