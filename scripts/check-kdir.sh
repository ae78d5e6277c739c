#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Stops a module build before it compiles anything when KDIR cannot take panicgen.ko: no
# configured kernel there, a kernel without Rust, headers without their rust/ metadata, or a C
# compiler or rustc other than the kernel's own (a Rust module must be built by the exact rustc
# of its kernel: its crates' metadata is refused by any other, and the build fails deep
# inside). The compilers compared are the ones kbuild itself would use: the versions come from
# `make -C KDIR run-command`, with the caller's CC=, LLVM=, RUSTC=, CROSS_COMPILE=, ARCH=.
#
# Usage: check-kdir.sh KDIR [MAKE-ARGS...]   (the Makefile runs it before `modules`)
# Exit status 0 when the build can go ahead, 1 with a message naming what to do otherwise.

set -euo pipefail

kdir=${1:?usage: check-kdir.sh KDIR [MAKE-ARGS...]}
shift
fail() {
	printf 'panicgen: cannot build against %s:\n' "$kdir" >&2
	printf '  %s\n' "$@" >&2
	exit 1
}

config="$kdir/.config"
[ -f "$config" ] || fail "there is no kernel configuration ($config)." \
	"Point KDIR at a built kernel tree or at installed headers (Debian: apt install linux-headers-\$(uname -r))."

# A string option of the configuration, unquoted.
option() {
	sed -n "s/^$1=\"\\(.*\\)\"\$/\\1/p" "$config"
}

grep -q '^CONFIG_RUST=y' "$config" ||
	fail "this kernel was built without CONFIG_RUST; panicgen is a Rust module." \
		"Use a kernel with CONFIG_RUST=y."

# What kbuild will use, as it reports it itself.
versions=$(make -s --no-print-directory -C "$kdir" M="$PWD" "$@" run-command \
	KBUILD_RUN_COMMAND='printf "%s\n%s\n" "$(CC_VERSION_TEXT)" "$(RUSTC_VERSION_TEXT)"' 2>&1) ||
	fail "kbuild cannot run there:" "$versions"
cc_used=$(sed -n 1p <<<"$versions")
rustc_used=$(sed -n 2p <<<"$versions")
cc_kernel=$(option CONFIG_CC_VERSION_TEXT)
rustc_kernel=$(option CONFIG_RUSTC_VERSION_TEXT)

if [ "$cc_used" != "$cc_kernel" ]; then
	fail "the C compiler differs from the kernel's." \
		"The kernel was built by: $cc_kernel" \
		"This build would use:    ${cc_used:-(none found)}" \
		"Install that compiler and pass it (CC=..., CROSS_COMPILE=... or LLVM=-N)."
fi
if [ "$rustc_used" != "$rustc_kernel" ]; then
	fail "rustc differs from the kernel's (a Rust module needs the exact rustc of its kernel)." \
		"The kernel was built by: $rustc_kernel" \
		"This build would use:    ${rustc_used:-(no rustc found)}" \
		"Install that rustc and pass it (RUSTC=/path/to/rustc)."
fi

mapfile -t missing < <("$(dirname "$0")/rust-headers.sh" --missing "$kdir")
if [ ${#missing[@]} -gt 0 ]; then
	fail "the kernel's Rust metadata is missing: ${missing[*]}." \
		"Distribution headers ship none (Debian's linux-headers among them). With the kernel's" \
		"toolchain installed, 'make rust-headers KDIR=$kdir KSRC=<its kernel source>' makes it."
fi
