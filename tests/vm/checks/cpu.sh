# nscgroup's CPU limits on v2: cpu.max (bandwidth), cpu.weight (share), cpuset.cpus (placement),
# measured on busy loops by the kernel's own accounting (cpu.stat, /proc/PID/stat).

busy() { in_cgroup "$1" sh -c 'while :; do :; done'; }

# usage GROUP SECONDS: CPU time used by the cgroup over SECONDS of wall time, as a fraction of one
# CPU (cpu.stat usage_usec over /proc/uptime).
usage() {
	u0=$(key "$1/cpu.stat" usage_usec)
	t0=$(uptime_s)
	sleep "$2"
	u1=$(key "$1/cpu.stat" usage_usec)
	t1=$(uptime_s)
	awk -v u="$((u1 - u0))" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", u / ((b - a) * 1000000) }'
}

# --cpus=0.1: cpu.max "10000 100000"; a busy loop gets at most about a tenth of a CPU and is
# throttled; without the limit it gets several times more. (Under TCG on a busy host a vCPU may
# get less than a whole CPU: the bounds are loose, the comparison is what counts.)
check_max() {
	g=$(uniq cpumax)
	defer "remove_cgroup $g"
	must nscgroup create "$g" --cpus=0.1
	expect cpu.max "$(cg "$g/cpu.max")" "10000 100000"
	busy "$g"
	share=$(usage "$g" 2)
	echo "share of a CPU under cpu.max 10000/100000: $share"
	within 0.02 0.15 "$share" "CPU share of a busy loop under --cpus=0.1"
	throttled=$(key "$g/cpu.stat" nr_throttled)
	[ "$throttled" -gt 5 ] || fail "nr_throttled is $throttled"
	must nscgroup set "$g" --cpus=max
	expect cpu.max "$(cg "$g/cpu.max")" "max 100000"
	free=$(usage "$g" 1)
	echo "share of a CPU without cpu.max: $free"
	within 0.3 1.1 "$free" "CPU share of a busy loop without a limit"
	within "$(awk -v s="$share" 'BEGIN { print 3 * s }')" 1.1 "$free" "CPU share without the limit (3 times the limited one)"
}

# --cpu-weight: two busy loops on the same CPU share it in the ratio of their weights.
check_weight() {
	lo=$(uniq weightlo)
	hi=$(uniq weighthi)
	defer "remove_cgroup $lo; remove_cgroup $hi"
	must nscgroup create "$lo" --cpu-weight=100
	must nscgroup create "$hi" --cpu-weight=400
	expect "cpu.weight" "$(cg "$lo/cpu.weight") $(cg "$hi/cpu.weight")" "100 400"
	in_cgroup "$lo" taskset -c 0 sh -c 'while :; do :; done'
	in_cgroup "$hi" taskset -c 0 sh -c 'while :; do :; done'
	sleep 0.5
	a0=$(key "$lo/cpu.stat" usage_usec)
	b0=$(key "$hi/cpu.stat" usage_usec)
	sleep 2
	a1=$(key "$lo/cpu.stat" usage_usec)
	b1=$(key "$hi/cpu.stat" usage_usec)
	ratio=$(awk -v a="$((a1 - a0))" -v b="$((b1 - b0))" 'BEGIN { printf "%.2f", b / a }')
	echo "usage of weight 400 over weight 100 on one CPU: $ratio"
	within 2.5 6 "$ratio" "CPU ratio of weights 400:100"
	must nscgroup set "$lo" --cpu-weight=10000
	expect cpu.weight "$(cg "$lo/cpu.weight")" 10000
	try nscgroup set "$lo" --cpu-weight=0
	[ "$rc" = 1 ] || fail "--cpu-weight=0 accepted"
	expect cpu.weight "$(cg "$lo/cpu.weight")" 10000
}

# --cpuset: the cgroup's processes run only on the CPUs given (2 vCPUs here).
check_cpuset() {
	g=$(uniq cpuset)
	defer "remove_cgroup $g"
	must nscgroup create "$g" --cpuset=1
	expect cpuset.cpus "$(cg "$g/cpuset.cpus")" 1
	expect cpuset.cpus.effective "$(cg "$g/cpuset.cpus.effective")" 1
	busy "$g"
	expect "Cpus_allowed_list of a process inside" \
		"$(awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$pid/status")" 1
	sleep 0.5
	s=$(cat "/proc/$pid/stat")
	set -- ${s##*) }
	expect "CPU the busy loop last ran on" "${37}" 1
	must nscgroup set "$g" --cpuset=0-1
	expect cpuset.cpus.effective "$(cg "$g/cpuset.cpus.effective")" 0-1
	expect "Cpus_allowed_list" "$(awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$pid/status")" 0-1
	try nscgroup set "$g" --cpuset=5
	[ "$rc" = 1 ] || fail "--cpuset=5 accepted on a machine with 2 CPUs"
	expect "cpuset.cpus after the refusal" "$(cg "$g/cpuset.cpus")" 0-1
}
