#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# panicgen on locked-down machines (make check), on ARCH:
#   debug kernel (PANICGEN_TARGET=debug, the default): booted with module.sig_enforce=1 and
#     lockdown=integrity, then lockdown=confidentiality, panicgen.ko signed with the
#     project's test key (which the kernel's keyring holds) loads, says the debugfs trigger
#     is locked and /dev/panicgen works, and the selftest's inputs (the triggers' cases among
#     them) and WARN and BUG pass through /dev/panicgen; then the same module unsigned is
#     refused, and the runner names lockdown and the fix;
#   Debian's stock kernel (PANICGEN_TARGET=debian): booted with lockdown=integrity, panicgen
#     as built for it (unsigned) is refused, and the runner names lockdown and the fix.
# Every run without kdump: lockdown closes kexec_load, which the capture's loader uses.
#
# Usage: check-lockdown.sh ARCH   Environment: PANICGEN_LOCKDOWN_LEVELS (the debug kernel's
# levels, default "integrity confidentiality")

. "$(dirname "$0")/lib.sh"

arch=${1:?usage: check-lockdown.sh ARCH}
target=${PANICGEN_TARGET:-debug}
prepare_target "$target" "$arch"
work="${PANICGEN_OUT:-$PANICGEN_ROOT/out}/lockdown/$target-$arch"
mkdir -p "$work"
R="$PANICGEN_ROOT/scripts/runner.sh"

# Runs the matrix into $work/$1 (log $work/$1.log); its exit status.
run() { # name runner-args...
	local name=$1
	shift
	msg "$target $arch: $name"
	run_matrix "$work/$name" --dump none "$@" >"$work/$name.log" 2>&1
}

if [ "$target" = debug ]; then
	for level in ${PANICGEN_LOCKDOWN_LEVELS:-integrity confidentiality}; do
		run "$level" --boot-arg module.sig_enforce=1 --boot-arg "lockdown=$level" \
			--contexts process WARN BUG ||
			{ cat "$work/$level.log" >&2; die "$arch lockdown=$level: the signed module's runs did not all pass (above)"; }
		grep -q "triggers: debugfs locked, /dev/panicgen works; lockdown $level" \
			"$work/$level/console/selftest.log" ||
			die "$arch lockdown=$level: the module did not say that debugfs is locked and /dev/panicgen works"
		msg "$arch lockdown=$level: signed panicgen loads; selftest and WARN, BUG pass through /dev/panicgen"
	done
fi

# The module without a signature: the debug kernel's copy stripped of it (the test key
# signed it), a build for Debian's kernel as it is (nothing signs it). A signed module ends
# with the signature, its struct module_signature (12 bytes, the signature's length the last
# 4, big-endian) and the magic line.
unsigned="$work/panicgen-unsigned.ko"
magic="~Module signature appended~"
size=$(stat -c %s "$MODULE")
if [ "$(tail -c $((${#magic} + 1)) "$MODULE" | head -c ${#magic})" = "$magic" ]; then
	sig_len=$(tail -c $((${#magic} + 1 + 4)) "$MODULE" | head -c 4 | od -An -tu4 --endian=big | tr -d ' ')
	head -c $((size - ${#magic} - 1 - 12 - sig_len)) "$MODULE" >"$unsigned"
else
	cp "$MODULE" "$unsigned"
fi
initramfs=$INITRAMFS
if ! cmp -s "$MODULE" "$unsigned"; then
	initramfs=$("$PANICGEN_ROOT/scripts/mkinitramfs.sh" "$KARCH" "$IMAGE" "$unsigned")
fi
status=0
MODULE=$unsigned INITRAMFS=$initramfs run unsigned --no-selftest --no-snapshot \
	--boot-arg lockdown=integrity --contexts process WARN || status=$?
[ "$status" -eq 1 ] ||
	{ cat "$work/unsigned.log" >&2; die "$target $arch: an unsigned module under lockdown: runner status $status, not 1; its last line: $(tail -n 1 "$work/unsigned.log")"; }
judged=$("$R" expect-cause "$work/unsigned/results.json" not-fired \
	--reason 'locked down.*mokutil --import') ||
	die "$target $arch: an unsigned module under lockdown is not an error before the trigger that names lockdown and the fix (above)"
msg "$target $arch: an unsigned panicgen under lockdown is refused, lockdown and the fix named: $judged"
