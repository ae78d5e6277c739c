#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The pages of Documentation/ generated from the code (`make docs`): faults.rst from the
# catalog, targets.rst from it and the option snapshots in scripts/kconfig/targets/, and
# the code's part of dump-levels.rst and crash-points.rst, whose measured part is kept as
# it stands (`make dump-levels-doc` and `make points-doc` write that from test runs); and
# the selftest's kselftest config (selftests/panicgen/config), from the catalog; and
# check-times.rst with the README's line of make check's times, from the measured time tables
# in Documentation/measured/ (--times FILE files a whole make check's out/check-times.json
# there, as the cold or the warm one, then writes the pages).
# With --check (`make check`): write nothing, and fail, showing the difference, for each
# tracked page that is not what the code generates. With --sphinx (`make check` too): build
# Documentation/ with Sphinx, as the kernel builds its own, and fail on any warning.
#
# Usage: docs.sh [--check | --sphinx | --times FILE]

. "$(dirname "$0")/lib.sh"

doc="$PANICGEN_ROOT/Documentation"
R="$PANICGEN_ROOT/scripts/runner.sh"
# Relative to the checkout.
pages=(Documentation/faults.rst Documentation/targets.rst Documentation/dump-levels.rst
	Documentation/crash-points.rst Documentation/check-times.rst selftests/panicgen/config)

# Prints the page $1 as the code generates it.
generate() { # page
	case $1 in
	Documentation/faults.rst) "$R" docs ;;
	Documentation/targets.rst) "$R" docs --targets ;;
	Documentation/dump-levels.rst) "$R" levels-doc --keep-measured "$PANICGEN_ROOT/$1" ;;
	Documentation/crash-points.rst) "$R" points-doc --keep-measured "$PANICGEN_ROOT/$1" ;;
	Documentation/check-times.rst) "$R" times-doc ;;
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

# The README's line of make check's times, as the measured tables say; its prefix (up to
# its first colon) finds the line.
readme_times() { # check|write
	local line prefix readme="$PANICGEN_ROOT/README.md"
	line=$("$R" times-doc --readme) || return 1
	prefix=${line%%:*}:
	if [ "$1" = check ]; then
		grep -qxF -- "$line" "$readme" && return 0
		msg "README.md's make check times are not the measured ones: run 'make docs'"
		msg "  expected: $line"
		return 1
	fi
	grep -qF -- "$prefix" "$readme" || die "README.md has no line starting '$prefix'"
	LINE=$line PREFIX=$prefix awk 'index($0, ENVIRON["PREFIX"]) == 1 { print ENVIRON["LINE"]; next } { print }' \
		"$readme" >"$readme.tmp" && mv "$readme.tmp" "$readme"
}

# Files the time table $1 (a whole gate make check's) as Documentation/measured's cold or
# warm one, by the state it says.
file_times() { # check-times.json
	local state set
	state=$(grep -o '"state":"[^"]*"' "$1" | head -n 1 | cut -d'"' -f4)
	set=$(grep -o '"set":"[^"]*"' "$1" | head -n 1 | cut -d'"' -f4)
	[ "$set" = gate ] || die "$1 is a '$set' check's: the measured times are the gate's"
	case $state in
	cold | warm) cp "$1" "$doc/measured/check-times-$state.json" ;;
	*) die "$1 is a '$state' check's: file a cold or a warm one" ;;
	esac
	msg "filed $1 as Documentation/measured/check-times-$state.json"
}

# Whether Documentation/layout.rst names every tracked file of the module, the scripts and
# the selftest (by its name without the extension: "cpu_state.rs, .c" names both).
layout_complete() {
	local f stem missing=()
	while read -r f; do
		stem=$(basename "$f")
		stem=${stem%.*}
		grep -qF -- "$stem" "$doc/layout.rst" || missing+=("$f")
	done < <(cd "$PANICGEN_ROOT" && git ls-files src scripts selftests ':!scripts/kconfig/targets' \
		':!scripts/deb/debian' 2>/dev/null)
	[ ${#missing[@]} -eq 0 ] && return 0
	msg "Documentation/layout.rst does not name: ${missing[*]}"
	return 1
}

# Whether `make help` (the Makefile's header) names every phony target as "make TARGET".
help_complete() {
	local t missing=() help
	help=$(make -s -C "$PANICGEN_ROOT" --no-print-directory help)
	for t in $(sed -n '/^\.PHONY:/,/^$/p' "$PANICGEN_ROOT/Makefile" | tr -d '\134' | sed 's/^\.PHONY://'); do
		[ "$t" = all ] || [ "$t" = help ] || grep -qE "make $t( |$)" <<<"$help" || missing+=("$t")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	msg "make help does not name: ${missing[*]} (the Makefile's header)"
	return 1
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
	readme_times check || stale=$((stale + 1))
	layout_complete || stale=$((stale + 1))
	help_complete || stale=$((stale + 1))
	[ "$stale" -eq 0 ] || die "$stale of Documentation/'s checks failed (above: what each needs)"
	msg "the ${#pages[@]} generated pages are what the code generates"
else
	if [ "${1:-}" = --times ]; then file_times "${2:?--times needs a check-times.json}"; fi
	readme_times write
	for page in "${pages[@]}"; do
		write_page "$PANICGEN_ROOT/$page" generate "$page" || die "$page: not written (above)"
	done
	msg "wrote ${pages[*]}"
fi
