#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/dump-levels.rst, its measured part from the results of `make dump-levels`
# (debug, then debian; x86_64, then arm64; those that exist) and the rest from the skew
# catalog (scripts/runner/src/model/skew.rs). DIR: write it there instead (make check: out/doc).
#
# Usage: dump-levels-doc.sh [DIR]

. "$(dirname "$0")/lib.sh"

mapfile -t files < <(result_sets -levels)
[ ${#files[@]} -gt 0 ] || die "no dump-level results: run 'make dump-levels' first"
dir=${1:-$PANICGEN_ROOT/Documentation}
mkdir -p "$dir"
write_page "$dir/dump-levels.rst" "$PANICGEN_ROOT/scripts/runner.sh" levels-doc "${files[@]}" ||
	die "levels-doc failed"
msg "wrote $dir/dump-levels.rst from ${#files[@]} result set(s)"
