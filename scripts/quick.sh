#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make quick: a developer's inner loop, on a warm cache. The host tests, then what changed
# built (panicgen.ko; a kernel only when its inputs changed) and the five mission faults in
# process and hardirq context on ARCH, every fatal run through kdump and its vmcore read by
# drgn. Its time against its budget at the end (Documentation/coverage.rst).
#
# Usage: quick.sh [ARCH]   (x86_64, the default, or arm64)

. "$(dirname "$0")/lib.sh"

# The faults the project exists for, and quick's budget on a warm cache, in seconds.
MISSION=(BUG NULL_DEREF SPINLOCK_RECURSION STACK_CANARY LOCK_ORDER_ABBA)
BUDGET=300

start=$SECONDS
out="${PANICGEN_OUT:-$PANICGEN_ROOT/out}/quick"
log="$CARGO_TARGET_DIR/quick-host-tests.log"
msg "host unit tests (log: $log)"
mkdir -p "$CARGO_TARGET_DIR"
cargo test --locked -q --manifest-path "$PANICGEN_ROOT/scripts/runner/Cargo.toml" >"$log" 2>&1 || {
	grep -E 'FAILED|panicked' "$log" >&2
	die "host unit tests failed (log: $log)"
}
prepare_target debug "${1:-x86_64}"
status=0
run_matrix "$out/$KARCH" --dump kdump --keep-vmcores failed --no-selftest \
	--contexts process,hardirq "${MISSION[@]}" || status=$?
took=$((SECONDS - start))
verdict=within
[ "$took" -le "$BUDGET" ] || verdict="OVER BUDGET"
echo "quick: $took s ($verdict its $BUDGET s on a warm cache); results in $out/$KARCH"
exit "$status"
