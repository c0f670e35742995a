#!/bin/sh
# build-static.sh [--plain]: static musl release builds of every tool and of the multicall
# `nstools`, copied to target/static/.
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

if [ "${1:-}" = --plain ]; then
	cargo build --release --quiet --target "$musl"
	built=$target/$musl/release
else
	rustup component list --installed 2>/dev/null | grep -q '^rust-src' || rustup component add rust-src
	RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Crelocation-model=static" \
		cargo build --release --quiet --target "$musl" --target-dir "$target/min" \
		-Z build-std=std,panic_abort
	built=$target/min/$musl/release
fi
mkdir -p "$out"
for b in src/bin/*.rs; do
	n=$(basename "$b" .rs)
	cp "$built/$n" "$out/$n.tmp" && mv "$out/$n.tmp" "$out/$n"
done
echo "$out"
