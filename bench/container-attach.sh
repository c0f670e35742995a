#!/bin/sh
# container-attach.sh ROOTFS [COMMAND [ARG...]]: examples/container.sh with its container moved
# into its cgroup after it started (a --setup step running `nscgroup attach`, as before nsunshare
# had --into-cgroup), for the benchmark's "attach after start" against container.sh's start
# inside the cgroup (clone3). Everything else is container.sh's own text.
set -eu
here=$(dirname "$0")
script=$(sed 's|--into-cgroup="\$cgroup"|--setup="nscgroup attach $cgroup \\$NS_PID"|' \
	"$here/../examples/container.sh")
case $script in
*'--setup="nscgroup attach'*) ;;
*) echo "container-attach.sh: examples/container.sh has no --into-cgroup to replace" >&2; exit 2 ;;
esac
exec sh -c "$script" container.sh "$@"
