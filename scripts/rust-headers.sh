#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerates the rust/ metadata that distribution kernel headers leave out (Debian's among
# them: no *.rmeta, libmacros.so, rust/kernel/generated_arch_*.rs, scripts/target.json), so
# that Rust modules build against the headers. The kernel's own `make prepare` makes it, in
# the matching kernel source, with the headers' .config and the build settings Debian records
# in the headers' .kernelvariables (ARCH, KERNELRELEASE, CROSS_COMPILE, the compiler); it
# needs the kernel's exact toolchain (rustc, bindgen, the C compiler), and stops when
# olddefconfig changes the configuration, which means the toolchain is not the kernel's.
#
# Self-contained (no other panicgen script), so it runs as it is on a test machine
# (`make rust-headers`) and in scripts/debian/'s chroot.
#
# Usage: rust-headers.sh KDIR SRC   (KDIR: e.g. /usr/src/linux-headers-$(uname -r); SRC: the
#        unpacked kernel source of the same version, e.g. of Debian's linux-source-7.3)
#        rust-headers.sh --missing KDIR   prints the metadata KDIR lacks, one file a line
#        (the one rule check-kdir.sh and DKMS's dkms-rust.sh decide by)

set -euo pipefail

# What a Rust module's build reads from KDIR that distribution headers leave out.
missing() { # kdir
	local f
	for f in rust/libkernel.rmeta rust/libmacros.so; do
		[ -e "$1/$f" ] || echo "$f"
	done
	if grep -q '^CONFIG_X86_64=y' "$1/.config" && [ ! -e "$1/scripts/target.json" ]; then
		echo scripts/target.json
	fi
}
if [ "${1:-}" = --missing ]; then
	missing "${2:?usage: rust-headers.sh --missing KDIR}"
	exit 0
fi

usage="usage: rust-headers.sh KDIR SRC"
kdir=$(cd "${1:?$usage}" && pwd)
src=$(cd "${2:?$usage}" && pwd)
die() { printf 'rust-headers: error: %s\n' "$*" >&2; exit 1; }
[ -f "$kdir/.config" ] || die "$kdir has no .config: not a kernel headers or build directory"
[ -f "$src/Makefile" ] || die "$src is not a kernel source tree"
grep -q '^CONFIG_RUST=y' "$kdir/.config" || die "$kdir's kernel has no CONFIG_RUST"

obj=$(mktemp -d)
trap 'rm -rf "$obj"' EXIT
cp "$kdir/.config" "$obj/.config"
kmake=(make -C "$src" O="$obj")
vars="$kdir/.kernelvariables"
if [ -f "$vars" ]; then
	# "override NAME = VALUE" lines; CC = ... $(CROSS_COMPILE)gcc-N, also for the compat vDSO.
	while read -r name value; do
		kmake+=("$name=$value")
	done < <(sed -n 's/^override \([A-Z0-9_]*\) = \(.*\)$/\1 \2/p' "$vars")
	gcc=$(sed -n 's/^CC = .*$(CROSS_COMPILE)\(gcc[^ ]*\).*/\1/p' "$vars")
	[ -n "$gcc" ] || die "cannot tell the compiler from $vars"
	kmake+=("CC=\$(CROSS_COMPILE)$gcc")
	grep -q '^override CROSS_COMPILE_COMPAT' "$vars" && kmake+=("CC_COMPAT=\$(CROSS_COMPILE_COMPAT)$gcc")
fi
echo "rust-headers: olddefconfig with $kdir/.config" >&2
"${kmake[@]}" olddefconfig >"$obj/olddefconfig.log" 2>&1 ||
	{ cat "$obj/olddefconfig.log" >&2; die "olddefconfig failed"; }
# Only CC_CAN_LINK may differ (a cross compiler without the target's C library).
if ! diff <(grep -v CC_CAN_LINK "$kdir/.config") <(grep -v CC_CAN_LINK "$obj/.config") >&2; then
	die "olddefconfig changed the configuration (above): this toolchain is not the kernel's ($(sed -n 's/^CONFIG_CC_VERSION_TEXT=//p;s/^CONFIG_RUSTC_VERSION_TEXT=//p' "$kdir/.config" | tr '\n' ' '))"
fi
echo "rust-headers: make prepare (a minute or two)" >&2
"${kmake[@]}" -j"$(nproc)" prepare >"$obj/prepare.log" 2>&1 ||
	{ tail -n 40 "$obj/prepare.log" >&2; die "make prepare failed"; }
mkdir -p "$kdir/rust/kernel"
cp "$obj"/rust/*.rmeta "$obj"/rust/*.so "$kdir/rust/"
cp "$obj"/rust/kernel/generated_arch_*.rs "$kdir/rust/kernel/"
if [ -f "$obj/scripts/target.json" ]; then
	# Debian's headers' scripts/ is a link to kbuild's, shared by the flavours of the ABI.
	cp "$obj/scripts/target.json" "$(readlink -f "$kdir/scripts")/"
fi
echo "rust-headers: $kdir/rust is ready" >&2
