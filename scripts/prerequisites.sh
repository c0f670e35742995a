#!/bin/sh
# prerequisites.sh build|demo: check what building nstools (and running the demo) needs, and say
# in one line what to install and how when something is missing. With `demo`, as root, missing
# Debian packages are installed (only those, --no-install-recommends, nothing else upgraded).
#
#   build   Rust >= 1.85 through rustup (for the static musl target), a C linker (cc)
#   demo    build's, plus root and a static busybox for the container's root filesystem
set -eu
mode=${1:-build}
need_rust=1.85
musl=x86_64-unknown-linux-musl
say() { printf '%s\n' "$*" >&2; }
fail() { say "prerequisites: $*"; exit 1; }

# Debian packages that are missing among "$@", installed quietly when we may (demo, as root).
apt_missing() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	if [ "$mode" = demo ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "installing Debian packages:$missing"
		log=$(mktemp)
		if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
			cat "$log" >&2; rm -f "$log"
			fail "apt-get install$missing failed (output above)"
		fi
		rm -f "$log"
	else
		fail "missing Debian packages:$missing (as root: apt-get install --no-install-recommends$missing)"
	fi
}

if [ "$mode" = demo ]; then
	[ "$(id -u)" = 0 ] || fail "the demo makes namespaces, a veth pair and a cgroup: run it as root (examples/rootless.sh is the unprivileged one)"
fi

# A C linker: rustc links through cc, also for static musl binaries.
if ! command -v cc >/dev/null 2>&1; then
	apt_missing gcc
	command -v cc >/dev/null 2>&1 || fail "no C linker 'cc': apt-get install gcc"
fi

# Rust: cargo and rustc >= 1.85, and the musl target (from rustup).
if ! command -v cargo >/dev/null 2>&1; then
	[ -x "$HOME/.cargo/bin/cargo" ] &&
		fail "cargo is in ~/.cargo/bin but not in PATH: . \"\$HOME/.cargo/env\" (or open a new shell)"
	fail "no Rust toolchain: install Rust >= $need_rust with rustup: curl --proto '=https' -sSf https://sh.rustup.rs | sh"
fi
have=$(rustc --version 2>/dev/null | sed -n 's/^rustc \([0-9]*\.[0-9]*\).*/\1/p')
if [ -z "$have" ] || [ "$(printf '%s\n%s\n' "$need_rust" "$have" | sort -V | head -n 1)" != "$need_rust" ]; then
	fail "rustc ${have:-?} is older than $need_rust: rustup update stable"
fi
if ! rustup target list --installed 2>/dev/null | grep -qx "$musl"; then
	command -v rustup >/dev/null 2>&1 ||
		fail "the static build needs Rust's $musl target, which comes with rustup (https://rustup.rs); with this Rust, build dynamic binaries: cargo build --release --target x86_64-unknown-linux-gnu"
	say "adding Rust's $musl target (static binaries): rustup target add $musl"
	rustup target add "$musl" >/dev/null 2>&1 || fail "rustup target add $musl failed"
fi

if [ "$mode" = demo ]; then
	apt_missing busybox-static
fi
