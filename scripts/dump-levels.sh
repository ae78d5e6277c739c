#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Dump-level conformance: BUG in process and hardirq context, captured by kdump
# at the runner's dump level and, from the same capture kernel, at each level of
# PANICGEN_DUMP_LEVELS; drgn reads every dump and the dump checks apply to each,
# plus what a filter can lose silently: every task's stack and the walk of the
# task list. Prints the level x check table (also in results.json, "conformance").
# Fails when a dump at the runner's own level loses anything: the matrix's
# verdicts rest on it.
#
# Usage: dump-levels.sh ARCH
# Environment: PANICGEN_TARGET (debug (default), debian, user), PANICGEN_OUT,
# PANICGEN_DUMP_LEVELS (default elf,0,1,17,23,31), PANICGEN_DUMP_LEVEL (the run's
# own level: the runner's default, 31+alias)

. "$(dirname "$0")/lib.sh"

karch=$(kernel_arch "${1:-x86_64}")
vars=$("$PANICGEN_ROOT/scripts/prepare.sh" "$karch")
eval "$vars"
out="${PANICGEN_OUT:-$PANICGEN_ROOT/out}/$TARGET/$karch-levels"
rm -rf "$out"
# An unfiltered ELF dump of the 512 MiB guest and the lightly filtered levels take tens of
# seconds to write under emulation.
"$PANICGEN_ROOT/scripts/runner.sh" run --target "$TARGET" --arch "$karch" --kernel "$IMAGE" \
	--initramfs "$INITRAMFS" --out "$out" --vmlinux "$VMLINUX" --module "$MODULE" \
	--kconfig "$KCONFIG" --dump kdump --dump-levels "${PANICGEN_DUMP_LEVELS:-elf,0,1,17,23,31}" \
	${PANICGEN_DUMP_LEVEL:+--dump-level "$PANICGEN_DUMP_LEVEL"} \
	--keep-vmcores failed --timeout 400 --no-selftest --contexts process,hardirq BUG ||
	die "$karch: the dump-level runs did not pass (results: $out/results.json)"
python3 - "$out/results.json" <<'PY' || die "$karch: a dump at the runner's own level lost what the checks need (above)"
import json, sys
bad = []
for r in json.load(open(sys.argv[1]))["results"]:
    rows = r.get("conformance") or []
    if not rows:
        bad.append(f"{r['fault']}-{r['context']}: no dump-level rows")
        continue
    own = rows[0]
    bad += [f"{r['fault']}-{r['context']} -d {own['level']} {name}: {c['detail']}"
            for name, c in own["checks"].items() if not c["ok"]]
    if len(rows) < 2:
        bad.append(f"{r['fault']}-{r['context']}: the capture saved no other level")
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
msg "$karch: the runner's dump level keeps every check; the table is above"
