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

# What results.json $1 says of its runs: "name verdict/cause reason" lines.
runs_of() { python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["fault"], r["verdict"] + "/" + str(r.get("cause")), r.get("reason", ""))' "$1"; }

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
# signed it), a build for Debian's kernel as it is (nothing signs it).
unsigned="$work/panicgen-unsigned.ko"
python3 - "$MODULE" "$unsigned" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
magic = b"~Module signature appended~\n"
if data.endswith(magic):
    # struct module_signature (12 bytes, sig_len big-endian last) before the magic.
    sig_len = int.from_bytes(data[-len(magic) - 4:-len(magic)], "big")
    data = data[:-(len(magic) + 12 + sig_len)]
open(sys.argv[2], "wb").write(data)
EOF
initramfs=$INITRAMFS
if ! cmp -s "$MODULE" "$unsigned"; then
	initramfs=$("$PANICGEN_ROOT/scripts/mkinitramfs.sh" "$KARCH" "$IMAGE" "$unsigned")
fi
status=0
MODULE=$unsigned INITRAMFS=$initramfs run unsigned --no-selftest --no-snapshot \
	--boot-arg lockdown=integrity --contexts process WARN || status=$?
[ "$status" -eq 1 ] ||
	{ cat "$work/unsigned.log" >&2; die "$target $arch: an unsigned module under lockdown: runner status $status, not 1; its last line: $(tail -n 1 "$work/unsigned.log")"; }
"$R" expect-cause "$work/unsigned/results.json" not-fired >/dev/null ||
	die "$target $arch: an unsigned module under lockdown is not an error before the trigger"
runs_of "$work/unsigned/results.json" | grep -q "locked down.*mokutil --import" ||
	die "$target $arch: the refusal of an unsigned module does not name lockdown and the fix: $(runs_of "$work/unsigned/results.json")"
msg "$target $arch: an unsigned panicgen under lockdown is refused, named: $(runs_of "$work/unsigned/results.json" | cut -c1-300)"
