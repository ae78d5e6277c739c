#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Negative controls: prove the matrix can fail.
#  1. A copy of the module whose STACK_CANARY stops at the end of its buffer (no
#     canary smash): that fault must be judged "fail", the runner must exit 1.
#  2. A kdump run of BUG with no crashkernel= reservation (so no capture kernel
#     can be loaded): it must be judged "fail" with the cause "no-vmcore".
# Both read the typed "cause" of results.json, never the prose of "reason".
#
# Usage: negative-control.sh ARCH KDIR IMAGE INITRAMFS MODULE

. "$(dirname "$0")/lib.sh"
toolchain_env

arch=${1:?usage: negative-control.sh ARCH KDIR IMAGE}
kdir=${2:?}
image=${3:?}
initramfs_ok=${4:?}
module_ok=${5:?}
karch=$(kernel_arch "$arch")

# The "verdict/cause" of every run in a results.json, one per line.
causes() {
	python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["verdict"] + "/" + r.get("cause", "-"))' "$1"
}
work="$PANICGEN_CACHE/negative/$(basename "$kdir")"
rm -rf "$work"
mkdir -p "$work/src" "$work/mo"
cp -r "$PANICGEN_ROOT/Kbuild" "$PANICGEN_ROOT/src" "$work/src/"
sed -i 's/^#define PANICGEN_CANARY_OVERRUN .*/#define PANICGEN_CANARY_OVERRUN 0/' "$work/src/src/panicgen.h"
grep -q 'PANICGEN_CANARY_OVERRUN 0' "$work/src/src/panicgen.h" ||
	die "could not break STACK_CANARY in the copy (src/panicgen.h changed?)"
make -C "$kdir" M="$work/src" MO="$work/mo" ARCH="$karch" LLVM="$LLVM_SUFFIX" modules \
	>"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "the broken copy did not build"; }
initramfs=$("$PANICGEN_ROOT/scripts/mkinitramfs.sh" "$karch" "$kdir" "$work/mo/panicgen.ko")
status=0
"$PANICGEN_ROOT/scripts/runner.sh" run --arch "$karch" --kernel "$image" --initramfs "$initramfs" \
	--out "$work/out" --no-selftest --contexts process STACK_CANARY >"$work/runner.log" 2>&1 || status=$?
if [ "$status" -ne 1 ] || [ "$(causes "$work/out/results.json")" != fail/no-message ]; then
	cat "$work/runner.log" >&2
	die "$arch: a STACK_CANARY that does not smash the canary was not judged 'fail' (status $status)"
fi
msg "$arch: a STACK_CANARY without the smash is judged 'fail' ($(causes "$work/out/results.json"))"

status=0
"$PANICGEN_ROOT/scripts/runner.sh" run --arch "$karch" --kernel "$image" --initramfs "$initramfs_ok" \
	--out "$work/out-nodump" --no-selftest --contexts process --dump kdump --crashkernel none \
	--vmlinux "$kdir/vmlinux" --module "$module_ok" BUG >"$work/runner-nodump.log" 2>&1 || status=$?
if [ "$status" -ne 1 ] || [ "$(causes "$work/out-nodump/results.json")" != fail/no-vmcore ]; then
	cat "$work/runner-nodump.log" >&2
	die "$arch: a kdump run without a crashkernel= reservation was not judged fail/no-vmcore (status $status)"
fi
msg "$arch: a kdump run without crashkernel= is judged 'fail' ($(causes "$work/out-nodump/results.json"))"
