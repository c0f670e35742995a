# The other tools once on pure v2: nsunshare, nsenter, nspivot, nsidmap, nsveth (with a bridge).
# (nsenter by its path: busybox sh runs its own nsenter applet for the bare name)

check_nsunshare() {
	must nsunshare --user --map-root-user --pid --fork --mount-proc -- sh -c 'echo $$ $(id -u) $(ls /proc | grep -c "^[0-9]")'
	set -- $out
	expect "pid, uid inside" "$1 $2" "1 0"
	within 1 5 "$3" "processes in the new /proc"
	# An unprivileged user (kernel.unprivileged_userns_clone=1) does the same.
	try su -s /bin/sh user -c "PATH=$PATH nsunshare -Urpf --mount-proc -- sh -c 'echo \$\$ \$(id -u)'"
	expect "pid, uid inside as the user" "$out" "1 0"
	# A cgroup namespace made inside a cgroup sees it as its root.
	g=$(uniq nsu)
	defer "remove_cgroup $g"
	mkdir "$CG/$g"
	run_in "$g" nsunshare --cgroup -- cat /proc/self/cgroup
	expect "/proc/self/cgroup in a new cgroup namespace" "$out" "0::/"
}

check_nsmount_proc() {
	must nsunshare --mount --pid --fork -- nsmount-proc -- sh -c 'echo $$; ls /proc | grep -c "^[0-9]"'
	set -- $out
	expect "pid inside" "$1" 1
	within 1 5 "$2" "processes in the fresh /proc"
	try nsmount-proc -- true
	[ "$rc" != 0 ] || fail "nsmount-proc ran in the original mount namespace"
}

check_nsenter() {
	g=$(uniq nse)
	defer "remove_cgroup $g"
	mkdir "$CG/$g"
	in_cgroup "$g" nsunshare --uts --cgroup -- sh -c 'hostname inner && exec sleep 60'
	wait_until 50 "[ \"\$(readlink /proc/$pid/exe)\" = /bin/busybox ] && grep -q sleep /proc/$pid/cmdline" ||
		fail "the target did not start"
	must "$NSENTER" -t "$pid" -u hostname
	expect "hostname in the target's uts namespace" "$out" inner
	must "$NSENTER" -t "$pid" -u -c cat /proc/self/cgroup
	expect "cgroup after joining the target's" "$out" "0::/$g"
	must "$NSENTER" -t "$pid" -C -c cat /proc/self/cgroup
	expect "cgroup in the target's cgroup namespace" "$out" "0::/"
	expect "the host's hostname" "$(hostname)" vm
}

check_nspivot() {
	make_rootfs
	must nsunshare --mount --uts --pid --fork -- nspivot --hostname=pv "$rootfs" -- \
		sh -c 'hostname; ls -d /results; cat /proc/1/comm; [ -e /dev/null ] && echo dev'
	expect "inside nspivot" "$(echo "$out" | tr '\n' ' ')" "pv /results sh dev "
	grep -q " $rootfs" /proc/mounts && fail "a mount of the rootfs is visible outside"
	true
}

check_nsidmap() {
	nsunshare --user -- sleep 60 &
	pid=$!
	defer "kill $pid 2>/dev/null"
	wait_until 50 "grep -q sleep /proc/$pid/cmdline" || fail "the target did not start"
	must nsidmap --uid=0:100000:65536 --gid=0:100000:65536 "$pid"
	expect uid_map "$(awk '{ print $1, $2, $3 }' "/proc/$pid/uid_map")" "0 100000 65536"
	expect gid_map "$(awk '{ print $1, $2, $3 }' "/proc/$pid/gid_map")" "0 100000 65536"
	# As the user, with its /etc/subuid range (nsidmap is setuid-root, as README installs it).
	try su -s /bin/sh user -c "PATH=$PATH; nsunshare --user -- sleep 60 & p=\$!; sleep 0.5;
		nsidmap --uid=0:300000:10 \$p; echo refused=\$?; nsidmap --auto \$p && cat /proc/\$p/uid_map; kill \$p"
	echo "$out" | grep -q refused=1 || fail "a range outside /etc/subuid was not refused"
	echo "$out" | awk '$1 == 0 && $2 == 1000 && $3 == 1 { a = 1 } $1 == 1 && $2 == 200000 && $3 == 65535 { b = 1 } END { exit !(a && b) }' ||
		fail "--auto did not map the user's own uid and its subuid range"
}

check_nsveth_bridge() {
	br=$(uniq br)
	defer "ip link del $br 2>/dev/null"
	nsunshare --net -- sleep 60 &
	a=$!
	nsunshare --net -- sleep 60 &
	b=$!
	defer "kill $a $b 2>/dev/null"
	wait_until 50 "grep -q sleep /proc/$a/cmdline && grep -q sleep /proc/$b/cmdline" || fail "targets did not start"
	must nsveth add --netns="$a" --host="va$$" --peer-addr=10.201.0.1/24 --bridge="$br"
	must nsveth add --netns="$b" --host="vb$$" --peer-addr=10.201.0.2/24 --bridge="$br"
	expect "master of va$$" "$(basename "$(readlink "/sys/class/net/va$$/master")")" "$br"
	must "$NSENTER" -t "$a" -n ping -c 1 -W 5 10.201.0.2
	must "$NSENTER" -t "$b" -n ping -c 1 -W 5 10.201.0.1
	must nsveth list
	echo "$out" | grep -q "va$$" || fail "nsveth list does not show va$$"
	must nsveth del "va$$"
	[ ! -e "/sys/class/net/va$$" ] || fail "va$$ is left after nsveth del"
}
