#!/bin/sh
# build-static.sh [--plain] [--cni]: static musl release builds of every tool and of the
# multicall `nstools`, copied to target/static/.
#
# The minimal-image build leaves out nsveth's CNI mode (the `cni` cargo feature: serde_json and the
# plugin, about 130 KiB in nsveth and in the multicall binary; see docs/performance.md); `--cni`
# keeps it, into target/static-cni/. `--plain` builds the default features.
#
# By default the standard library is rebuilt for size with the `immediate-abort` panic strategy:
# std's panic machinery (message formatting, backtrace symbolisation: ~130 KiB of gimli, addr2line,
# libunwind and a demangler) is left out, and a panic, which no input should ever cause, aborts
# without a message. That needs the toolchain's rust-src and `-Z build-std`, which this stable
# toolchain accepts with RUSTC_BOOTSTRAP=1. `--plain` is the ordinary musl build (about 2.7x
# larger, same behaviour except for panic messages).
set -eu
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
musl=x86_64-unknown-linux-musl
out=$target/static
rustup target list --installed 2>/dev/null | grep -q "$musl" || rustup target add "$musl"

plain= cni=
for a in "$@"; do
	case $a in
	--plain) plain=1 ;;
	--cni) cni=1 ;;
	*) echo "usage: build-static.sh [--plain] [--cni]" >&2; exit 2 ;;
	esac
done
features=--no-default-features min=min
if [ -n "$cni" ]; then
	features= min=min-cni out=$target/static-cni
fi

if [ -n "$plain" ]; then
	cargo build --release --quiet --target "$musl"
	built=$target/$musl/release
else
	rustup component list --installed 2>/dev/null | grep -q '^rust-src' || rustup component add rust-src
	RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Crelocation-model=static" \
		cargo build --release --quiet --target "$musl" --target-dir "$target/$min" $features \
		-Z build-std=std,panic_abort
	built=$target/$min/$musl/release
fi
mkdir -p "$out"
for b in src/bin/*.rs; do
	n=$(basename "$b" .rs)
	cp "$built/$n" "$out/$n.tmp" && mv "$out/$n.tmp" "$out/$n"
done
echo "$out"
