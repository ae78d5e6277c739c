#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Sharding proof: a sample of the matrix run whole and as 2 shards (each its own
# runner, as two CI machines would run them), the shards merged with
# `panicgen-runner merge`; the merged set must hold the same runs with the same
# verdicts and causes, in the same order, as the unsharded run
# (`panicgen-runner same-verdicts`), and its results.kcidb.json must stay valid KCIDB.
#
# Usage: check-shards.sh ARCH OUT   (on the debug kernel target, prepared as make check's)

. "$(dirname "$0")/lib.sh"

arch=${1:?usage: check-shards.sh ARCH OUT}
out=${2:?usage: check-shards.sh ARCH OUT}
prepare_target debug "$arch"
R="$PANICGEN_ROOT/scripts/runner.sh"
# Fatal and non-fatal faults, two command lines (so two saved guests), two contexts.
sample=(BUG WARN NULL_DEREF LOCK_ORDER_ABBA PANIC SOFTLOCKUP)
# shellcheck disable=SC2054 # process,hardirq is one argument
args=(--dump kdump --keep-vmcores failed --contexts process,hardirq --no-selftest)
rm -rf "$out"
mkdir -p "$(dirname "$out")"
run_matrix "$out/whole" "${args[@]}" "${sample[@]}" >"$out.log" 2>&1 ||
	{ tail -n 30 "$out.log" >&2; die "the unsharded sample did not pass (log: $out.log)"; }
for k in 1 2; do
	run_matrix "$out/shard$k" "${args[@]}" --shard "$k/2" "${sample[@]}" >>"$out.log" 2>&1 ||
		{ tail -n 30 "$out.log" >&2; die "shard $k/2 did not pass (log: $out.log)"; }
done
"$R" merge --out "$out/merged" "$out/shard1/results.json" "$out/shard2/results.json" >>"$out.log" 2>&1 ||
	{ tail -n 30 "$out.log" >&2; die "merging the shards failed (log: $out.log)"; }
toolchain_env
"$RESULTS_PYTHON" "$PANICGEN_ROOT/scripts/check-kcidb.py" "$out/merged/results.kcidb.json" ||
	die "the merged shards' results.kcidb.json is not valid KCIDB (above)"
same=$("$R" same-verdicts "$out/whole/results.json" "$out/merged/results.json") ||
	die "the 2 merged shards differ from the unsharded run (above)"
msg "$arch: 2 merged shards equal the unsharded run ($same)"
