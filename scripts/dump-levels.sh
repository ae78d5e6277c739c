#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The dump-level table: BUG in process and hardirq context, captured by kdump
# at the runner's dump level and, from the same capture kernel, at each level of
# PANICGEN_DUMP_LEVELS; drgn reads every dump and the dump checks apply to each,
# plus what a filter can lose silently: every task's stack and the walk of the
# task list. Prints the level x check table (also in results.json, "dump_levels").
# Fails when a dump at the runner's own level loses anything: the matrix's
# verdicts rest on it.
#
# Usage: dump-levels.sh ARCH
# Environment: PANICGEN_TARGET (debug (default), debian, user), PANICGEN_OUT,
# PANICGEN_DUMP_LEVELS (default elf,0,1,17,23,31), PANICGEN_DUMP_LEVEL (the run's
# own level: the runner's default, 31+alias)

. "$(dirname "$0")/lib.sh"

prepare_target "${PANICGEN_TARGET:-debug}" "${1:-x86_64}"
out="${PANICGEN_OUT:-$PANICGEN_ROOT/out}/$TARGET/$KARCH-levels"
# An unfiltered ELF dump of the 512 MiB guest and the lightly filtered levels take tens of
# seconds to write under emulation.
run_matrix "$out" --dump kdump --dump-levels "${PANICGEN_DUMP_LEVELS:-elf,0,1,17,23,31}" \
	${PANICGEN_DUMP_LEVEL:+--dump-level "$PANICGEN_DUMP_LEVEL"} \
	--keep-vmcores failed --timeout 400 --no-selftest --contexts process,hardirq BUG ||
	die "$KARCH: the dump-level runs did not pass (results: $out/results.json)"
"$PANICGEN_ROOT/scripts/runner.sh" own-level-intact "$out/results.json" ||
	die "$KARCH: a dump at the runner's own level lost what the checks need (above)"
msg "$KARCH: the runner's dump level keeps every check; the table is above"
