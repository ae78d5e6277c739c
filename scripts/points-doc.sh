#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/crash-points.rst, from the catalog's crash points and the results of the
# crash-point runs of `make check` (out/<target>/<arch>-points: debug, then debian; x86_64,
# then arm64; those that exist).

. "$(dirname "$0")/lib.sh"

mapfile -t files < <(result_sets -points)
[ ${#files[@]} -gt 0 ] || die "no crash-point results: run 'make check' (or the runner with --points) first"
page="$PANICGEN_ROOT/Documentation/crash-points.rst"
"$PANICGEN_ROOT/scripts/runner.sh" points-doc "${files[@]}" >"$page.tmp" || die "points-doc failed"
mv "$page.tmp" "$page"
msg "wrote $page from ${#files[@]} result set(s)"
