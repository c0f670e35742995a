#!/bin/sh
# make-rootfs.sh DIR: a minimal root filesystem for the examples and tests: a static busybox
# (Debian's busybox-static, or any static busybox on the host) with a link for every applet.
set -eu
dir=${1:?usage: make-rootfs.sh DIR}

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
if [ -z "$busybox" ]; then
	echo "make-rootfs.sh: no static busybox found (apt-get install busybox-static)" >&2
	exit 1
fi

mkdir -p "$dir/bin" "$dir/sbin" "$dir/usr/bin" "$dir/usr/sbin" "$dir/etc" "$dir/root" \
	"$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/run" "$dir/var"
chmod 1777 "$dir/tmp"
cp "$busybox" "$dir/bin/busybox"
for applet in $("$dir/bin/busybox" --list); do
	[ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
echo "$dir"
