#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Verify in the object code that panicgen_stack_canary() really has the stack
# protector: it loads the canary (x86_64: %gs-relative; arm64: sp_el0-relative,
# per task) and calls __stack_chk_fail on a mismatch. Clang silently drops
# protection from functions whose buffers it can prove unused. That the overrun
# reaches the canary is shown by the VM run itself (and by the negative
# control, which stops short of it and must fail).
#
# Usage: check-canary.sh ARCH OBJECT

. "$(dirname "$0")/lib.sh"
toolchain_env

arch=${1:?usage: check-canary.sh ARCH OBJECT}
obj=${2:?usage: check-canary.sh ARCH OBJECT}
fn=panicgen_stack_canary
# awk reads to the end: exiting early would kill llvm-objdump with SIGPIPE, which pipefail
# turns into a silent exit of this script whenever objdump had more left to write.
dis=$("llvm-objdump$LLVM_SUFFIX" -dr --no-show-raw-insn "$obj" |
	awk -v fn="<$fn>:" '$2 == fn { on = 1; next } on && /^[0-9a-f]+ <.*>:$/ { on = 0 } on')
[ -n "$dis" ] || die "$fn not found in $obj"
case $(kernel_arch "$arch") in
x86_64) guard='%gs:|__stack_chk_guard' ;;
arm64) guard='sp_el0' ;;
esac
grep -Eiq "$guard" <<<"$dis" ||
	die "$fn in $obj does not load the stack canary ($guard): the stack protector is off for it"
grep -q '__stack_chk_fail' <<<"$dis" ||
	die "$fn in $obj never calls __stack_chk_fail: the canary check was optimised away"
msg "$arch: $fn loads the stack canary and calls __stack_chk_fail on a mismatch"
