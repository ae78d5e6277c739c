#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The LAVA job of panicgen's guest (panicgen-runner lava-job), for the prepared kernel
# target on ARCH, validated offline by LAVA's own schema (lava-common's lava-schema.py,
# --strict), and shown refusable: the same job without its required visibility must fail.
# With lava-run installed (Debian's lava-dispatcher) and PANICGEN_LAVA_RUN=1, the job also
# runs on this machine (the device: LAVA's qemu device type rendered by lava-server's
# templates, DEVICE=<rendered device YAML>).
#
# Usage: check-lava.sh ARCH OUT   (after prepare_target)

. "$(dirname "$0")/lib.sh"

arch=${1:?usage: check-lava.sh ARCH OUT}
out=${2:?usage: check-lava.sh ARCH OUT}
schema=/usr/share/lava-common/lava-schema.py
[ -x "$schema" ] || die "$schema missing: run 'make setup' (Debian lava-common)"
prepare_target debug "$arch"
rm -rf "$out"
mkdir -p "$out"
"$PANICGEN_ROOT/scripts/runner.sh" lava-job --arch "$KARCH" --kernel "file://$IMAGE" \
	--initramfs "file://$INITRAMFS" >"$out/job.yaml" || die "lava-job wrote no job"
"$schema" job --strict "$out/job.yaml" >&2 || die "$out/job.yaml is not a valid LAVA job (above)"
grep -v '^visibility:' "$out/job.yaml" >"$out/broken.yaml"
if "$schema" job --strict "$out/broken.yaml" >/dev/null 2>&1; then
	die "a LAVA job without visibility validated: the check cannot fail"
fi
msg "$arch: the LAVA job validates with lava-common's schema ($(grep -c '^- boot:' "$out/job.yaml") boots)"
if [ "${PANICGEN_LAVA_RUN:-0}" = 1 ]; then
	command -v lava-run >/dev/null || die "PANICGEN_LAVA_RUN=1 needs lava-run (Debian lava-dispatcher)"
	[ -f "${DEVICE:-}" ] || die "PANICGEN_LAVA_RUN=1 needs DEVICE=<a rendered qemu device YAML>"
	lava-run --job-id "$$" --output-dir "$out/lava" --device "$DEVICE" "$out/job.yaml" \
		>"$out/lava.log" 2>&1 || die "lava-run did not complete the job (log: $out/lava.log)"
	grep -q '"result": "fail"' "$out/lava.log" && die "a LAVA test case failed (log: $out/lava.log)"
	msg "$arch: lava-run completed the job: $(grep -c '"result": "pass"' "$out/lava.log") cases passed"
fi
