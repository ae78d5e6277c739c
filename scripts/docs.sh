#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The pages of Documentation/ generated from the code (`make docs`): faults.rst from the
# catalog, targets.rst from it and the option snapshots in scripts/kconfig/targets/, and
# the code's part of dump-levels.rst and crash-points.rst, whose measured part is kept as
# it stands (`make dump-levels-doc` and `make points-doc` write that from test runs); and
# the selftest's kselftest config (selftests/panicgen/config), from the catalog.
# With --check (`make check`): write nothing, and fail, showing the difference, for each
# tracked page that is not what the code generates. With --sphinx (`make check` too): build
# Documentation/ with Sphinx, as the kernel builds its own, and fail on any warning.
#
# Usage: docs.sh [--check | --sphinx]

. "$(dirname "$0")/lib.sh"

doc="$PANICGEN_ROOT/Documentation"
R="$PANICGEN_ROOT/scripts/runner.sh"
# Relative to the checkout.
pages=(Documentation/faults.rst Documentation/targets.rst Documentation/dump-levels.rst
	Documentation/crash-points.rst selftests/panicgen/config)

# Prints the page $1 as the code generates it.
generate() { # page
	case $1 in
	Documentation/faults.rst) "$R" docs ;;
	Documentation/targets.rst) "$R" docs --targets ;;
	Documentation/dump-levels.rst) "$R" levels-doc --keep-measured "$PANICGEN_ROOT/$1" ;;
	Documentation/crash-points.rst) "$R" points-doc --keep-measured "$PANICGEN_ROOT/$1" ;;
	selftests/panicgen/config) "$R" docs --kselftest-config ;;
	*) die "no generator for $1" ;;
	esac
}

# Whether the page $1 is what the code generates (else the difference, on stderr).
up_to_date() { # page
	local new status=0
	new=$(mktemp)
	if ! generate "$1" >"$new"; then
		msg "$1 could not be generated (above: why, and what to run)"
		status=1
	elif ! diff -u --label "$1 (tracked)" --label "$1 (generated)" \
		"$PANICGEN_ROOT/$1" "$new" >&2; then
		msg "$1 is not what the code generates (above): run 'make docs'"
		status=1
	fi
	rm -f "$new"
	return "$status"
}

# Documentation/ built to HTML in a scratch directory; every Sphinx warning is an error.
sphinx() {
	local html status=0
	command -v sphinx-build >/dev/null ||
		die "sphinx-build not found: run 'make setup' (it installs python3-sphinx)"
	html=$(mktemp -d)
	sphinx-build -C -W --keep-going -q -b html "$doc" "$html" || status=$?
	rm -rf "$html"
	[ "$status" -eq 0 ] || die "Documentation/ has Sphinx warnings (above): fix the page, or its generator"
	msg "Documentation/ builds with Sphinx without a warning"
}

if [ "${1:-}" = --sphinx ]; then
	sphinx
elif [ "${1:-}" = --check ]; then
	stale=0
	for page in "${pages[@]}"; do
		up_to_date "$page" || stale=$((stale + 1))
	done
	[ "$stale" -eq 0 ] || die "$stale of the ${#pages[@]} generated pages are out of date (above)"
	msg "the ${#pages[@]} generated pages are what the code generates"
else
	for page in "${pages[@]}"; do
		write_page "$PANICGEN_ROOT/$page" generate "$page" || die "$page: not written (above)"
	done
	msg "wrote ${pages[*]}"
fi
