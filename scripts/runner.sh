#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (if needed) and run panicgen-runner, the host-side runner; its build
# output lives in the cache (or CARGO_TARGET_DIR), not in the checkout.
#
# Usage: runner.sh ARGS...   (see `runner.sh help`)

. "$(dirname "$0")/lib.sh"

manifest="$PANICGEN_ROOT/scripts/runner/Cargo.toml"
mkdir -p "$CARGO_TARGET_DIR"
bin="$CARGO_TARGET_DIR/release/panicgen-runner"
[ -x "$bin" ] || msg "building the host runner (panicgen-runner; about 30 s the first time)"
if ! cargo build --quiet --release --locked --manifest-path "$manifest" 2>"$CARGO_TARGET_DIR/runner-build.log"; then
	cat "$CARGO_TARGET_DIR/runner-build.log" >&2
	die "panicgen-runner did not build (log above)"
fi
# drgn, for the vmcore checks (--dump).
if [ -r "$PANICGEN_CACHE/toolchain.env" ]; then
	# shellcheck source=/dev/null # written by scripts/setup.sh
	DRGN_PYTHON=$(. "$PANICGEN_CACHE/toolchain.env" && echo "${DRGN_PYTHON:-}")
	export DRGN_PYTHON
fi
exec "$bin" "$@"
