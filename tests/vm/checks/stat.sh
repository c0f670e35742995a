# nscgroup stat on v2, text and JSON, against the cgroup's own files.

setup_busy_group() {
	g=$(uniq st)
	defer "remove_cgroup $g"
	must nscgroup create "$g" --memory=64M --pids=50
	in_cgroup "$g" sleep 60
	in_cgroup "$g" sleep 60
}

check_text() {
	setup_busy_group
	must nscgroup stat "$g"
	for k in memory.current memory.peak memory.max pids.current pids.max cpu.usage_usec populated frozen; do
		echo "$out" | grep -q "^$k [0-9a-z]*\$" || fail "stat has no '$k NUMBER' line"
	done
	v() { echo "$out" | awk -v k="$1" '$1 == k { print $2 }'; }
	expect "stat pids.current" "$(v pids.current)" "$(cg "$g/pids.current")"
	expect "stat pids.current" "$(v pids.current)" 2
	expect "stat pids.max" "$(v pids.max)" 50
	expect "stat memory.max" "$(v memory.max)" 67108864
	expect "stat populated" "$(v populated)" 1
	expect "stat frozen" "$(v frozen)" 0
	[ "$(v memory.current)" -gt 0 ] || fail "memory.current is $(v memory.current)"
	[ "$(v cpu.usage_usec)" -gt 0 ] || fail "cpu.usage_usec is $(v cpu.usage_usec)"
}

check_json() {
	setup_busy_group
	must nscgroup stat "$g" --json
	expect "lines of --json" "$(echo "$out" | wc -l)" 1
	case $out in "{\"path\":\"$g\","*"}") ;; *) fail "not one JSON object for $g: $out" ;; esac
	for k in memory.current memory.peak memory.max pids.current pids.max cpu.usage_usec populated frozen; do
		echo "$out" | grep -q "\"$k\":[0-9]" || fail "no number for $k in $out"
	done
	echo "$out" | grep -q '"pids.current":2[,}]' || fail "pids.current is not 2 in $out"
	echo "$out" | grep -q '"memory.max":67108864[,}]' || fail "memory.max is not 64M in $out"
	must nscgroup set "$g" --memory=max
	must nscgroup stat "$g" --json
	echo "$out" | grep -q '"memory.max":"max"' || fail "memory.max=max is not the string \"max\" in $out"
}
