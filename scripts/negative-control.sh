#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Negative controls: prove the matrix can fail.
#  1. A copy of the module whose STACK_CANARY stops at the end of its buffer (no
#     canary smash): that fault must be judged "fail", the runner must exit 1.
#  2. The same copy fires ctx=hardirq from the softirq timer (and ctx=softirq from
#     the hrtimer): a kdump run of BUG in hardirq context, whose console is right,
#     must fail the dump's context check ("fail/vmcore-check").
#  3. A kdump run of BUG with no crashkernel= reservation (so no capture kernel
#     can be loaded): it must be judged "fail" with the cause "no-vmcore".
#  4. A module build against this kernel with another rustc: it must stop before
#     compiling anything, naming both rustc versions.
# The runs' verdicts are read from the typed "cause" of results.json, never the
# prose of "reason".
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
# Whether the one run's dump failed the context check and passed every other.
only_context_failed() {
	python3 -c 'import json, sys
checks = json.load(open(sys.argv[1]))["results"][0]["vmcore_checks"]
sys.exit(0 if not checks["context"]["ok"] and
         all(c["ok"] for name, c in checks.items() if name != "context") else 1)' "$1"
}
work="$PANICGEN_CACHE/negative/$(basename "$kdir")"
rm -rf "$work"
mkdir -p "$work/src" "$work/mo"
cp -r "$PANICGEN_ROOT/Kbuild" "$PANICGEN_ROOT/src" "$work/src/"
sed -i 's/^#define PANICGEN_CANARY_OVERRUN .*/#define PANICGEN_CANARY_OVERRUN 0/' "$work/src/src/panicgen.h"
grep -q 'PANICGEN_CANARY_OVERRUN 0' "$work/src/src/panicgen.h" ||
	die "could not break STACK_CANARY in the copy (src/panicgen.h changed?)"
sed -i 's/case PANICGEN_CTX_SOFTIRQ:/case PANICGEN_CTX_SWAPPED:/; s/case PANICGEN_CTX_HARDIRQ:/case PANICGEN_CTX_SOFTIRQ:/
	s/case PANICGEN_CTX_SWAPPED:/case PANICGEN_CTX_HARDIRQ:/' "$work/src/src/context.c"
[ "$(grep -A1 'case PANICGEN_CTX_HARDIRQ:' "$work/src/src/context.c" | tail -1)" = \
	"$(printf '\t\tsoftirq_timer.expires = jiffies + msecs_to_jiffies(delay_ms);')" ] ||
	die "could not swap the softirq and hardirq contexts in the copy (src/context.c changed?)"
make -C "$kdir" M="$work/src" MO="$work/mo" ARCH="$karch" LLVM="$LLVM_SUFFIX" modules \
	>"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "the broken copy did not build"; }
initramfs=$("$PANICGEN_ROOT/scripts/mkinitramfs.sh" "$karch" "$image" "$work/mo/panicgen.ko")
status=0
"$PANICGEN_ROOT/scripts/runner.sh" run --arch "$karch" --kernel "$image" --initramfs "$initramfs" \
	--out "$work/out" --no-selftest --contexts process STACK_CANARY >"$work/runner.log" 2>&1 || status=$?
if [ "$status" -ne 1 ] || [ "$(causes "$work/out/results.json")" != fail/no-message ]; then
	cat "$work/runner.log" >&2
	die "$arch: a STACK_CANARY that does not smash the canary was not judged 'fail' (status $status)"
fi
msg "$arch: a STACK_CANARY without the smash is judged 'fail' ($(causes "$work/out/results.json"))"

status=0
"$PANICGEN_ROOT/scripts/runner.sh" run --arch "$karch" --kernel "$image" --initramfs "$initramfs" \
	--out "$work/out-ctx" --no-selftest --contexts hardirq --dump kdump --vmlinux "$kdir/vmlinux" \
	--module "$work/mo/panicgen.ko" BUG >"$work/runner-ctx.log" 2>&1 || status=$?
if [ "$status" -ne 1 ] || [ "$(causes "$work/out-ctx/results.json")" != fail/vmcore-check ] ||
	! only_context_failed "$work/out-ctx/results.json"; then
	cat "$work/runner-ctx.log" >&2
	die "$arch: a BUG asked for in hardirq context but fired in softirq did not fail the dump's context check (status $status)"
fi
msg "$arch: a BUG fired in softirq context when asked for hardirq fails the dump's context check ($(causes "$work/out-ctx/results.json"))"

status=0
"$PANICGEN_ROOT/scripts/runner.sh" run --arch "$karch" --kernel "$image" --initramfs "$initramfs_ok" \
	--out "$work/out-nodump" --no-selftest --contexts process --dump kdump --crashkernel none \
	--vmlinux "$kdir/vmlinux" --module "$module_ok" BUG >"$work/runner-nodump.log" 2>&1 || status=$?
if [ "$status" -ne 1 ] || [ "$(causes "$work/out-nodump/results.json")" != fail/no-vmcore ]; then
	cat "$work/runner-nodump.log" >&2
	die "$arch: a kdump run without a crashkernel= reservation was not judged fail/no-vmcore (status $status)"
fi
msg "$arch: a kdump run without crashkernel= is judged 'fail' ($(causes "$work/out-nodump/results.json"))"

# A rustc that says it is another version (the kernel's is in its .config).
fake="$work/fake-rustc/rustc"
mkdir -p "$(dirname "$fake")" "$work/mo-rustc"
printf '#!/bin/sh\necho "rustc 1.85.1 (4eb161250 2025-03-15) (panicgen negative control)"\n' >"$fake"
chmod +x "$fake"
status=0
make -C "$PANICGEN_ROOT" KDIR="$kdir" MO="$work/mo-rustc" ARCH="$karch" LLVM="$LLVM_SUFFIX" \
	RUSTC="$fake" modules >"$work/build-rustc.log" 2>&1 || status=$?
kernel_rustc=$(sed -n 's/^CONFIG_RUSTC_VERSION_TEXT="\(.*\)"$/\1/p' "$kdir/.config")
if [ "$status" -eq 0 ] || ! grep -q "rustc differs from the kernel's" "$work/build-rustc.log" ||
	! grep -qF "$kernel_rustc" "$work/build-rustc.log" ||
	! grep -qF "panicgen negative control" "$work/build-rustc.log" ||
	[ -n "$(find "$work/mo-rustc" -name '*.o' -print -quit)" ]; then
	cat "$work/build-rustc.log" >&2
	die "$arch: a build with another rustc did not stop before compiling with the rustc message"
fi
msg "$arch: a build with another rustc stops before compiling, naming both rustc versions"
