#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# panicgen under load, with kmemleak watching (make soak; make check runs a bounded one):
# in one guest of ARCH's debug kernel booted with kmemleak=on, the selftest's --soak CYCLES
# (selftests/panicgen/soak.sh: CYCLES unloads and loads, concurrent writers firing every
# non-fatal warn fault through both triggers, then kmemleak, lockdep and the taint flags),
# beside one WARN run. Its counts and times are the selftest's "# soak" lines, shown here.
#
# Usage: soak.sh ARCH [CYCLES]   (default 1000)

. "$(dirname "$0")/lib.sh"

arch=${1:?usage: soak.sh ARCH [CYCLES]}
cycles=${2:-1000}
prepare_target "${PANICGEN_TARGET:-debug}" "$arch"
out="${PANICGEN_OUT:-$PANICGEN_ROOT/out}/soak/$arch"
msg "$arch: soak of $cycles load/unload cycles and concurrent writers, kmemleak on"
# The guest's progress lines, shown as its console gets them (the runner's line comes at
# the end of the run); tail ends with this script.
console="$out/console/selftest.log"
rm -f "$console"
(tail -n +1 -F --pid=$$ "$console" 2>/dev/null | grep --line-buffered -o $'soak_progress: [^\r]*' |
	sed -u "s/^/panicgen: $arch: /" >&2) &
status=0
run_matrix "$out" --dump none --contexts process --selftest "--soak $cycles" \
	--boot-arg kmemleak=on --timeout $((cycles * 3 + 300)) WARN || status=$?
grep -E '# soak|soak_' "$console" | grep -v soak_progress | sed 's/^\[[ 0-9.]*\] //' >&2 || true
[ "$status" -eq 0 ] || die "$arch: the soak did not pass (console: $console)"
