#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Formatting and lints: rustfmt (the kernel's .rustfmt.toml, vendored at the
# top) over the module and the runner, clippy over the runner and, with
# CLIPPY=1 through kbuild (the kernel's own lint set), over the module; shellcheck
# (its settings in .shellcheckrc) over every tracked shell script.
#
# Usage: lint.sh [--fix] [KDIR]   (KDIR: a kernel build to lint the module against)

. "$(dirname "$0")/lib.sh"

fix=""
[ "${1:-}" = --fix ] && { fix=1; shift; }
kdir=${1:-}
cd "$PANICGEN_ROOT"
mode=(--check)
[ -n "$fix" ] && mode=()
rustfmt --edition 2021 --config-path .rustfmt.toml "${mode[@]}" src/panicgen_main.rs ||
	die "the module is not rustfmt-clean: run 'make fmt'"
rustfmt --edition 2021 --config-path .rustfmt.toml "${mode[@]}" scripts/runner/src/main.rs ||
	die "the runner is not rustfmt-clean: run 'make fmt'"
# Every tracked script: *.sh, the guest's init, .ci/run.
mapfile -t scripts < <(git ls-files '*.sh' scripts/guest/init .ci/run 2>/dev/null ||
	find . -name '*.sh' -not -path './out/*')
command -v shellcheck >/dev/null || die "shellcheck is missing: run 'make setup'"
shellcheck "${scripts[@]}" || die "shellcheck found problems in the scripts (above)"
cargo clippy --quiet --locked --all-targets --manifest-path scripts/runner/Cargo.toml -- -D warnings ||
	die "clippy found problems in the runner (above)"
if [ -n "$kdir" ]; then
	toolchain_env
	mo="$PANICGEN_CACHE/module-clippy/$(basename "$kdir")"
	mkdir -p "$mo"
	log="$mo/clippy.log"
	make -s -C "$PANICGEN_ROOT" KDIR="$kdir" MO="$mo" LLVM="$LLVM_SUFFIX" CLIPPY=1 modules >"$log" 2>&1 ||
		{ cat "$log" >&2; die "the module does not build with CLIPPY=1"; }
	if grep -E '(warning|error)(\[|:)' "$log" >&2; then
		die "clippy (the kernel's lint set) warns about the module (above)"
	fi
fi
msg "lint clean"
