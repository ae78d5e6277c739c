#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Sharding proof: a sample of the matrix run whole and as 2 shards (each its own
# runner, as two CI machines would run them), the shards merged with
# `panicgen-runner merge`; the merged set must hold the same runs with the same
# verdicts and causes, in the same order, as the unsharded run.
#
# Usage: check-shards.sh ARCH KDIR IMAGE INITRAMFS MODULE OUT

. "$(dirname "$0")/lib.sh"

arch=${1:?usage: check-shards.sh ARCH KDIR IMAGE INITRAMFS MODULE OUT}
kdir=${2:?}
image=${3:?}
initramfs=${4:?}
module=${5:?}
out=${6:?}
R="$PANICGEN_ROOT/scripts/runner.sh"
# Fatal and non-fatal faults, two command lines (so two saved guests), two contexts.
sample=(BUG WARN NULL_DEREF LOCK_ORDER_ABBA PANIC SOFTLOCKUP)
args=(--arch "$arch" --kernel "$image" --initramfs "$initramfs" --vmlinux "$kdir/vmlinux" --kconfig "$kdir/.config"
	--module "$module" --dump kdump --keep-vmcores failed --contexts process,hardirq --no-selftest)
rm -rf "$out"
"$R" run "${args[@]}" --out "$out/whole" "${sample[@]}" >"$out.log" 2>&1 ||
	{ tail -n 30 "$out.log" >&2; die "the unsharded sample did not pass (log: $out.log)"; }
for k in 1 2; do
	"$R" run "${args[@]}" --shard "$k/2" --out "$out/shard$k" "${sample[@]}" >>"$out.log" 2>&1 ||
		{ tail -n 30 "$out.log" >&2; die "shard $k/2 did not pass (log: $out.log)"; }
done
"$R" merge --out "$out/merged" "$out/shard1/results.json" "$out/shard2/results.json" >>"$out.log" 2>&1 ||
	{ tail -n 30 "$out.log" >&2; die "merging the shards failed (log: $out.log)"; }
verdicts() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    print(r["fault"], r["context"], r["verdict"], r.get("cause", "-"))
s = d.get("selftest")
print("selftest", s and s["verdict"], s and len(s["tests"]))' "$1"
}
if ! diff <(verdicts "$out/whole/results.json") <(verdicts "$out/merged/results.json") >&2; then
	die "the 2 merged shards differ from the unsharded run (above: < whole, > merged)"
fi
n1=$(verdicts "$out/shard1/results.json" | grep -vc '^selftest')
n2=$(verdicts "$out/shard2/results.json" | grep -vc '^selftest')
msg "$arch: 2 shards ($n1 + $n2 runs) merged equal the unsharded run ($(verdicts "$out/whole/results.json" | grep -vc '^selftest') runs, same verdicts and order)"
