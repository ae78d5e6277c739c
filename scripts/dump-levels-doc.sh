#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/dump-levels.rst and the README's dump-level table, from the skew catalog
# (scripts/runner/src/model/skew.rs) and the results of `make dump-levels` (debug, then debian;
# x86_64, then arm64; those that exist).

. "$(dirname "$0")/lib.sh"

mapfile -t files < <(result_sets -levels)
[ ${#files[@]} -gt 0 ] || die "no dump-level results: run 'make dump-levels' first"
page="$PANICGEN_ROOT/Documentation/dump-levels.rst"
"$PANICGEN_ROOT/scripts/runner.sh" levels-doc --readme "$PANICGEN_ROOT/README.md" "${files[@]}" >"$page.tmp" ||
	die "levels-doc failed"
mv "$page.tmp" "$page"
msg "wrote $page and the README's table from ${#files[@]} result set(s)"
