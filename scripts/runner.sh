#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (if needed) and run panicgen-runner, the host-side runner; its build
# output lives in the cache, not in the checkout.
#
# Usage: runner.sh ARGS...   (see `runner.sh help`)

. "$(dirname "$0")/lib.sh"

export CARGO_TARGET_DIR="$PANICGEN_CACHE/cargo-target"
manifest="$PANICGEN_ROOT/scripts/runner/Cargo.toml"
bin="$CARGO_TARGET_DIR/release/panicgen-runner"
[ -x "$bin" ] || msg "building the host runner (panicgen-runner; about 30 s the first time)"
if ! cargo build --quiet --release --locked --manifest-path "$manifest" 2>"$PANICGEN_CACHE/runner-build.log"; then
	cat "$PANICGEN_CACHE/runner-build.log" >&2
	die "panicgen-runner did not build (log above)"
fi
# drgn, for the vmcore checks (--dump).
if [ -r "$PANICGEN_CACHE/toolchain.env" ]; then
	DRGN_PYTHON=$(. "$PANICGEN_CACHE/toolchain.env" && echo "${DRGN_PYTHON:-}")
	export DRGN_PYTHON
fi
exec "$bin" "$@"
