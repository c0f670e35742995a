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
}

# What a check must leave as it found it.
user_procs() {
	_procs=
	for d in /proc/[0-9]*; do
		read -r s <"$d/stat" 2>/dev/null || continue
		set -- ${s##*) }
		# kernel threads (kthreadd's children) and zombies (init reaps them) do not count
		[ "${d#/proc/}" = 2 ] || [ "$2" = 2 ] || [ "$1" = Z ] || _procs="$_procs ${d#/proc/}"
	done
}
snapshot() {
	find /sys/fs/cgroup -mindepth 1 -type d | sort >"$1.cgroups"
	sort /proc/mounts >"$1.mounts"
	ls /sys/class/net >"$1.links"
	tail -n +2 /proc/swaps >"$1.swaps"
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
		echo "left behind: process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null))"
		kill -KILL "$p" 2>/dev/null
		_left=1
	done
	snapshot /tmp/vm/after
	for what in cgroups mounts links swaps; do
		if ! cmp -s /tmp/vm/before.$what /tmp/vm/after.$what; then
			diff /tmp/vm/before.$what /tmp/vm/after.$what | sed -n "s/^+\([^+]\)/left behind ($what): \1/p"
			_left=1
		fi
	done
	# Clean up: deepest cgroups first, killing what is in them; mounts in reverse; links; swap.
	diff /tmp/vm/before.cgroups /tmp/vm/after.cgroups | sed -n 's/^+\([^+]\)/\1/p' | sort -r |
		while read -r d; do
			echo 0 >"$d/cgroup.freeze" 2>/dev/null
			echo 1 >"$d/cgroup.kill" 2>/dev/null
			for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
		done
	diff /tmp/vm/before.mounts /tmp/vm/after.mounts | sed -n 's/^+\([^+]\)/\1/p' | sort -r |
		while read -r _ m _; do umount -l "$m" 2>/dev/null; done
	diff /tmp/vm/before.links /tmp/vm/after.links | sed -n 's/^+\([^+]\)/\1/p' |
		while read -r l; do ip link del "$l" 2>/dev/null; done
	diff /tmp/vm/before.swaps /tmp/vm/after.swaps | sed -n 's/^+\([^+]\)/\1/p' |
		while read -r s _; do swapoff "$s" 2>/dev/null; done
	return $_left
}

# A fresh boot enables no controller: each check starts from that, whatever the one before did.
reset_controllers() {
	for c in $(cat /sys/fs/cgroup/cgroup.subtree_control); do
		echo "-$c" >/sys/fs/cgroup/cgroup.subtree_control
	done
}

now() { read -r u _ </proc/uptime && echo "$u"; }

if ! setup >/tmp/setup.log 2>&1; then
	echo "@@RESULT setup FAIL 0"
	sed 's/^/@@LOG /' /tmp/setup.log
	poweroff -f
fi
echo "@@BOOTED $(now)"

while read -r name; do
	area=${name%%/*}
	check=${name#*/}
	reset_controllers
	snapshot /tmp/vm/before
	user_procs
	_before_procs=$_procs
	t0=$(now)
	x=
	[ "$trace" = 1 ] && x='set -x;'
	timeout -s KILL "$check_timeout" sh -c ". /vm/lib.sh && . /vm/checks/$area.sh && $x check_$check" \
		</dev/null >/tmp/vm/log 2>&1
	rc=$?
	[ $rc = 0 ] || echo "exit status $rc$([ $rc = 137 ] && echo " (killed: timed out after ${check_timeout}s?)")" >>/tmp/vm/log
	leftovers >>/tmp/vm/log 2>&1 || rc=1
	t1=$(now)
	took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	if [ $rc = 0 ]; then
		echo "@@RESULT $name PASS $took"
	else
		echo "@@RESULT $name FAIL $took"
	fi
	sed 's/^/@@LOG /' /tmp/vm/log
done </vm/selected
echo "@@END"
poweroff -f
