#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark (`make bench`): per arch, the same faults run
#   cold          booting a guest per run, no dump
#   saved         from a saved booted guest, no dump
#   cold-kdump    booting per run, kdump capture + drgn checks of every fatal run
#   saved-kdump   from a saved guest, kdump + drgn
#   lkdtm-cold    LKDTM's equivalent tests (the peer), booting per run
#   lkdtm-saved   LKDTM's tests from a saved guest
#   system-saved  the Debian system image (Documentation/debian-system.rst): BUG and
#                 NULL_DEREF through kdump-tools, each run restored from a saved system
#   system-booted the same, each run booting its own system from the image
# all through the same runner, on the same machine, one after the other. The
# faults are panicgen's equivalents of LKDTM's BUG, EXCEPTION, PANIC, WARNING,
# SOFTLOCKUP, HUNG_TASK, CORRUPT_STACK_STRONG and SPINLOCKUP, in process context.
# Prints a table of per-run medians (fatal runs and the others apart, and each
# phase) with the speed-ups, and writes out/bench.json. A benchmark, not a
# test: its verdicts are shown, not judged (LKDTM's CORRUPT_STACK_STRONG fails
# on these clang kernels, which is the point of panicgen's STACK_CANARY_STRONG).
#
# Usage: bench.sh [ARCH...]   (default: x86_64 arm64)
# Environment: PANICGEN_BENCH_JOBS (default 2), PANICGEN_OUT (default <checkout>/out),
#   PANICGEN_BENCH_SYSTEM=0 leaves the system variants out (they build the image if needed)

. "$(dirname "$0")/lib.sh"

S="$PANICGEN_ROOT/scripts"
top="${PANICGEN_OUT:-$PANICGEN_ROOT/out}"
jobs=${PANICGEN_BENCH_JOBS:-2}
specs=()
arches=("$@")
[ $# -gt 0 ] || arches=(x86_64 arm64)
for arch in "${arches[@]}"; do
	prepare_target debug "$arch"
	mapfile -t peers < <("$S/runner.sh" list --peers)
	lkdtm=() faults=()
	for p in "${peers[@]}"; do
		lkdtm+=("${p%% *}")
		faults+=("${p#* }")
	done
	variants=(cold saved cold-kdump saved-kdump lkdtm-cold lkdtm-saved)
	[ "${PANICGEN_BENCH_SYSTEM:-1}" = 0 ] || variants+=(system-saved system-booted)
	for variant in "${variants[@]}"; do
		[ "$variant" != system-saved ] || prepare_target debian-system "$arch"
		args=(--jobs "$jobs" --no-selftest --contexts process)
		case $variant in cold* | lkdtm-cold | system-booted) args+=(--no-snapshot) ;; esac
		case $variant in *kdump) args+=(--dump kdump --keep-vmcores failed) ;; esac
		case $variant in
		lkdtm-*) args+=(--lkdtm "${lkdtm[@]}") ;;
		system-*) args+=(--dump kdump-tools --keep-vmcores failed BUG NULL_DEREF) ;;
		*) args+=("${faults[@]}") ;;
		esac
		out="$top/bench/$KARCH/$variant"
		msg "bench: $KARCH $variant (log: $out.log)"
		mkdir -p "$(dirname "$out")"
		run_matrix "$out" "${args[@]}" >"$out.log" 2>&1 || true
		[ -f "$out/results.json" ] || die "bench: $KARCH $variant wrote no results (log: $out.log)"
		specs+=("$KARCH/$variant=$out/results.json")
	done
done
exec "$S/runner.sh" bench --out "$top/bench.json" "${specs[@]}"
