#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build panicgen.ko against the project's kernel for ARCH, outside the checkout
# (kbuild's MO=). Prints the path of the module.
#
# Usage: build-module.sh ARCH KDIR

. "$(dirname "$0")/lib.sh"
toolchain_env

arch=${1:?usage: build-module.sh ARCH KDIR}
kdir=${2:?usage: build-module.sh ARCH KDIR}
karch=$(kernel_arch "$arch")
mo="$PANICGEN_CACHE/module/$(basename "$kdir")"
mkdir -p "$mo"
log="$mo/build.log"
if ! make -C "$PANICGEN_ROOT" KDIR="$kdir" MO="$mo" ARCH="$karch" LLVM="$LLVM_SUFFIX" modules >"$log" 2>&1; then
	cat "$log" >&2
	die "panicgen.ko did not build for $arch (log above, also in $log)"
fi
# The module must build without a single warning.
if grep -E '(^|[^a-z])(warning|error)(\[|:)' "$log" >&2; then
	die "panicgen.ko built with warnings for $arch (see above; full log $log)"
fi
# Signed as kbuild's modules_install signs: with the kernel's own signing key, where its
# build tree has one (the project's kernels: the project's test key, scripts/test-key.sh).
sig_key=$(sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$/\1/p' "$kdir/.config")
case $sig_key in /* | "") ;; *) sig_key=$kdir/$sig_key ;; esac
if grep -qx 'CONFIG_MODULE_SIG=y' "$kdir/.config" && [ -f "$sig_key" ]; then
	"$PANICGEN_ROOT/scripts/sign-module.sh" "$mo/panicgen.ko" "$kdir" "$sig_key" >>"$log" 2>&1 ||
		die "panicgen.ko could not be signed for $arch (log: $log)"
fi
echo "$mo/panicgen.ko"
