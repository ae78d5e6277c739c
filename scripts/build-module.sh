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
echo "$mo/panicgen.ko"
