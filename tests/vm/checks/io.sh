# nscgroup --io-max on v2: io.max on the VM's disk (/dev/vda, a sparse image) limits what a
# reader gets, measured by the time it takes and by io.stat.

check_max_rbps() {
	g=$(uniq io)
	defer "remove_cgroup $g"
	dev=$(cat /sys/block/vda/dev)
	must nscgroup create "$g" --io-max="$dev,rbps=1048576,wiops=100"
	expect io.max "$(cg "$g/io.max")" "$dev rbps=1048576 wbps=max riops=max wiops=100"
	# 2M with direct reads (no page cache) at 1M/s: about 2 s; unlimited: a fraction of that.
	t0=$(uptime_s)
	run_in "$g" dd if=/dev/vda of=/dev/null bs=256k count=8 iflag=direct
	t1=$(uptime_s)
	expect "dd status" "$rc" 0
	limited=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	echo "2M at rbps=1M took ${limited}s"
	within 1.2 10 "$limited" "seconds to read 2M at 1M/s"
	rbytes=$(awk -v d="$dev" '$1 == d { for (i = 2; i <= NF; i++) if ($i ~ /^rbytes=/) print substr($i, 8) }' "$CG/$g/io.stat")
	[ "${rbytes:-0}" -ge 2097152 ] || fail "io.stat rbytes for $dev is '${rbytes:-}'"
	must nscgroup set "$g" --io-max="$dev,rbps=max,wiops=max"
	t0=$(uptime_s)
	run_in "$g" dd if=/dev/vda of=/dev/null bs=256k skip=8 count=8 iflag=direct
	t1=$(uptime_s)
	took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	echo "2M without a limit took ${took}s"
	within 0 "$(awk -v l="$limited" 'BEGIN { print l / 2 }')" "$took" "seconds to read 2M without a limit (half the limited time)"
}
