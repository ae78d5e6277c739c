#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/crash-points.rst, its measured part from the results of the crash-point
# runs of `make check` (out/<target>/<arch>-points: debug, then debian; x86_64, then arm64;
# those that exist) and the rest from the catalog's crash points. DIR: write it there
# instead (make check: out/doc).
#
# Usage: points-doc.sh [DIR]

. "$(dirname "$0")/lib.sh"

mapfile -t files < <(result_sets -points)
[ ${#files[@]} -gt 0 ] || die "no crash-point results: run 'make check' (or the runner with --points) first"
dir=${1:-$PANICGEN_ROOT/Documentation}
mkdir -p "$dir"
write_page "$dir/crash-points.rst" "$PANICGEN_ROOT/scripts/runner.sh" points-doc "${files[@]}" ||
	die "points-doc failed"
msg "wrote $dir/crash-points.rst from ${#files[@]} result set(s)"
