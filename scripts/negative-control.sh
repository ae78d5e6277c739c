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
# prose of "reason" (`runner.sh expect-cause`).
#
# Usage: negative-control.sh ARCH   (on the debug kernel target, prepared as make check's)

. "$(dirname "$0")/lib.sh"
toolchain_env

arch=${1:?usage: negative-control.sh ARCH}
prepare_target debug "$arch"
R="$PANICGEN_ROOT/scripts/runner.sh"
work="$PANICGEN_CACHE/negative/$(basename "$KDIR")"
rm -rf "$work"
mkdir -p "$work/src" "$work/mo"
cp -r "$PANICGEN_ROOT/Kbuild" "$PANICGEN_ROOT/src" "$work/src/"
sed -i 's/^#define PANICGEN_CANARY_OVERRUN .*/#define PANICGEN_CANARY_OVERRUN 0/' "$work/src/src/panicgen.h"
grep -q 'PANICGEN_CANARY_OVERRUN 0' "$work/src/src/panicgen.h" ||
	die "could not break STACK_CANARY in the copy (src/panicgen.h changed?)"
sed -i 's/case PANICGEN_CTX_SOFTIRQ:/case PANICGEN_CTX_SWAPPED:/; s/case PANICGEN_CTX_HARDIRQ:/case PANICGEN_CTX_SOFTIRQ:/
	s/case PANICGEN_CTX_SWAPPED:/case PANICGEN_CTX_HARDIRQ:/' "$work/src/src/deferral.c"
[ "$(grep -A1 'case PANICGEN_CTX_HARDIRQ:' "$work/src/src/deferral.c" | tail -1)" = \
	"$(printf '\t\tsoftirq_timer.expires = jiffies + msecs_to_jiffies(delay_ms);')" ] ||
	die "could not swap the softirq and hardirq contexts in the copy (src/deferral.c changed?)"
make -C "$KDIR" M="$work/src" MO="$work/mo" ARCH="$KARCH" LLVM="$LLVM_SUFFIX" modules \
	>"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "the broken copy did not build"; }
broken=$("$PANICGEN_ROOT/scripts/mkinitramfs.sh" "$KARCH" "$IMAGE" "$work/mo/panicgen.ko")

# Runs the matrix (run_matrix) into $work/OUT, logging to $work/OUT.log; succeeds when the
# runner failed (status 1) and judged every run with CAUSE and, if given, exactly the failed
# dump checks CHECKS (`runner.sh expect-cause`); else shows the log. $work/OUT.judged has
# the runs' `name: verdict/cause`.
negative_run() { # out cause checks runner-args...
	local out=$work/$1 cause=$2 checks=$3 status=0
	shift 3
	run_matrix "$out" --no-selftest "$@" >"$out.log" 2>&1 || status=$?
	if [ "$status" -eq 1 ] && "$R" expect-cause "$out/results.json" "$cause" \
		${checks:+--failed-checks "$checks"} >"$out.judged"; then
		return 0
	fi
	cat "$out.log" >&2
	msg "the runner's status: $status (1 wanted)"
	return 1
}

INITRAMFS=$broken MODULE=$work/mo/panicgen.ko negative_run out no-message "" \
	--contexts process STACK_CANARY ||
	die "$arch: a STACK_CANARY that does not smash the canary was not judged 'fail'"
msg "$arch: a STACK_CANARY without the smash is judged 'fail' ($(cat "$work/out.judged"))"

INITRAMFS=$broken MODULE=$work/mo/panicgen.ko negative_run out-ctx vmcore-check context \
	--contexts hardirq --dump kdump BUG ||
	die "$arch: a BUG asked for in hardirq context but fired in softirq did not fail the dump's context check"
msg "$arch: a BUG fired in softirq context when asked for hardirq fails the dump's context check ($(cat "$work/out-ctx.judged"))"

negative_run out-nodump no-vmcore "" --contexts process --dump kdump --crashkernel none BUG ||
	die "$arch: a kdump run without a crashkernel= reservation was not judged fail/no-vmcore"
msg "$arch: a kdump run without crashkernel= is judged 'fail' ($(cat "$work/out-nodump.judged"))"

# A rustc that says it is another version (the kernel's is in its .config).
fake="$work/fake-rustc/rustc"
mkdir -p "$(dirname "$fake")" "$work/mo-rustc"
printf '#!/bin/sh\necho "rustc 1.85.1 (4eb161250 2025-03-15) (panicgen negative control)"\n' >"$fake"
chmod +x "$fake"
status=0
make -C "$PANICGEN_ROOT" KDIR="$KDIR" MO="$work/mo-rustc" ARCH="$KARCH" LLVM="$LLVM_SUFFIX" \
	RUSTC="$fake" modules >"$work/build-rustc.log" 2>&1 || status=$?
kernel_rustc=$(sed -n 's/^CONFIG_RUSTC_VERSION_TEXT="\(.*\)"$/\1/p' "$KCONFIG")
if [ "$status" -eq 0 ] || ! grep -q "rustc differs from the kernel's" "$work/build-rustc.log" ||
	! grep -qF "$kernel_rustc" "$work/build-rustc.log" ||
	! grep -qF "panicgen negative control" "$work/build-rustc.log" ||
	[ -n "$(find "$work/mo-rustc" -name '*.o' -print -quit)" ]; then
	cat "$work/build-rustc.log" >&2
	die "$arch: a build with another rustc did not stop before compiling with the rustc message"
fi
msg "$arch: a build with another rustc stops before compiling, naming both rustc versions"
