#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The main job: set up, build the kernel target and panicgen.ko for ARCH, build
# the initramfs and run the fault matrix in QEMU, every run from a guest that
# never ran a fault. Results: out/TARGET/ARCH/results.json, results.ktap,
# results.xml, console/*.log.
#
# Usage: run.sh [ARCH] [FAULT...]     (ARCH: x86_64 (default) or arm64)
# Environment: PANICGEN_TARGET (debug (default), sanitizers, debian, debian-system, or user
# with KERNEL= and KDIR=: see scripts/prepare.sh), PANICGEN_OUT (default <checkout>/out),
# PANICGEN_DUMP (none or kdump: capture and check a vmcore of every fatal run; pstore:
# check the panic's log ramoops kept across the reset; a system target: kdump-tools, the
# default, or none),
# PANICGEN_DUMP_LEVEL (kdump: makedumpfile's level, default the runner's 31+alias),
# PANICGEN_DUMP_LEVELS (kdump: also save each of these levels, each read by drgn: the
# dump-level table), PANICGEN_CRASH=1 (also read every vmcore with crash: its checks, and a
# build of crash for arm64 dumps the first time), PANICGEN_RUNNER_ARGS (extra runner
# options, e.g. "--timeout 120").

. "$(dirname "$0")/lib.sh"

prepare_target "${PANICGEN_TARGET:-debug}" "${1:-x86_64}"
shift || true
# A system captures with its own kdump service.
dump=none
[ -z "$SYSTEM" ] || dump=kdump-tools
# shellcheck disable=SC2086 # PANICGEN_RUNNER_ARGS is a word list
run_matrix "${PANICGEN_OUT:-$PANICGEN_ROOT/out}/$TARGET/$KARCH" --dump "${PANICGEN_DUMP:-$dump}" \
	${PANICGEN_DUMP_LEVEL:+--dump-level "$PANICGEN_DUMP_LEVEL"} \
	${PANICGEN_DUMP_LEVELS:+--dump-levels "$PANICGEN_DUMP_LEVELS"} ${PANICGEN_RUNNER_ARGS:-} "$@"
