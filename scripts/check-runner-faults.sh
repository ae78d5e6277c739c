#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner under faults (make check): for each case, a small matrix on the prepared
# target (prepare_target), a fault injected into it, and what must hold:
#   qemu-killed       a QEMU killed from outside: that run is `error` (qemu-killed), the
#                     others are judged as usual
#   sigterm, sigint   the runner cancelled (SIGINT to its children too): exit 128+signal,
#                     the finished runs kept, the rest `error` (cancelled), the set marked
#                     incomplete in results.json, KTAP and
#                     JUnit; the same command run again completes with nothing cleaned
#   flood             a guest printing without end (its init is busybox yes) past a lowered
#                     --console-limit-kib (the serial line's ~14 KiB/s under TCG would take
#                     20 minutes to fill the default 16 MiB): `error` (console-flood), not
#                     retried, its log cut at the limit
#   disk-full         the output file system fills under the vmcore: `error` (host-disk-full)
#   read-only-out     an unwritable output directory: refused before any guest starts
#   saved-guest       the saved guest truncated between runs: named, and its runs boot
#   second-runner     a second runner on the same output directory: refused, naming the
#                     first, which finishes as if alone
# Every case also asserts that no QEMU of its runner outlives it, and that the runner's peak
# memory stays under PEAK_KIB.
#
# Usage: check-runner-faults.sh ARCH [CASE...]   (default: every case)
# Environment: PANICGEN_TARGET (default debug), WORK (default out/runner-faults); root, for
# the tmpfs mounts of disk-full and read-only-out

. "$(dirname "$0")/lib.sh"

prepare_target "${PANICGEN_TARGET:-debug}" "${1:?usage: check-runner-faults.sh ARCH [CASE...]}" ||
	die "the target did not build (above)"
shift
WORK=${WORK:-${PANICGEN_OUT:-$PANICGEN_ROOT/out}/runner-faults}
PEAK_KIB=$((256 * 1024))
CASES=(qemu-killed sigterm sigint flood disk-full read-only-out saved-guest second-runner)
mounts=()
unmount_all() {
	local m
	for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null; done
}
trap unmount_all EXIT

# The runner started in the background: RPID (the runner), BG (its shell), LOG, SEEN (the
# QEMU pids it started), PEAK (its peak memory in KiB so far).
start() { # out log runner-args...
	local out=$1
	LOG=$2
	shift 2
	SEEN="" PEAK=0
	run_matrix "$out" "$@" >"$LOG" 2>&1 &
	BG=$!
	RPID=""
	while [ -z "$RPID" ] && kill -0 "$BG" 2>/dev/null; do
		RPID=$(pgrep -P "$BG" -f panicgen-runner | head -n 1)
		sleep 0.1
	done
}

# Notes the runner's QEMUs and peak memory while it runs.
watch_runner() {
	local q hwm
	for q in $(pgrep -P "$RPID" 2>/dev/null); do
		case " $SEEN " in *" $q "*) ;; *) SEEN="$SEEN $q" ;; esac
	done
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$RPID/status" 2>/dev/null)
	[ -n "$hwm" ] && [ "$hwm" -gt "$PEAK" ] && PEAK=$hwm
	return 0
}

# Waits (watching) until the runner's log matches ERE $1; fails if the runner ends first or
# after $2 seconds.
wait_for() { # ere seconds
	local end=$((SECONDS + $2))
	while ! grep -qE "$1" "$LOG"; do
		kill -0 "$BG" 2>/dev/null || return 1
		[ "$SECONDS" -lt "$end" ] || return 1
		watch_runner
		sleep 0.2
	done
}

# Waits for the runner to end; sets STATUS.
finish() {
	while kill -0 "$BG" 2>/dev/null; do
		watch_runner
		sleep 0.2
	done
	STATUS=0
	wait "$BG" || STATUS=$?
}

# The assertions every case makes at its end.
no_survivors() {
	local q
	for q in $SEEN; do
		if kill -0 "$q" 2>/dev/null; then
			echo "QEMU $q of the runner is still running after it ended"
			return 1
		fi
	done
	if [ "$PEAK" -gt "$PEAK_KIB" ]; then
		echo "the runner's peak memory was $PEAK KiB (limit $PEAK_KIB)"
		return 1
	fi
}

# The runs of results.json ($OUT), tab-separated: name verdict cause attempts seconds reason,
# after an "incomplete" line (and why) when the set is not whole (runner.sh runs).
runs() { "$PANICGEN_ROOT/scripts/runner.sh" runs "$OUT/results.json"; }

# Fails with $2 unless the awk program $1 over those lines exits 0.
expect() { # awk-program what
	runs | awk -F'\t' "$1" && return 0
	echo "$2 (results.json: $(runs | cut -f1-4 | tr '\t\n' ' ;'))"
	return 1
}
# ... unless a line matches the awk pattern $1.
has() { expect "BEGIN { r = 1 } $1 { r = 0 } END { exit r }" "$2"; }
# ... unless every line matches the awk pattern $1.
every() { expect "!($1) { r = 1 } END { exit r }" "$2"; }

common=(--no-selftest --contexts process --jobs 1)

case_qemu-killed() {
	local q
	start "$OUT" "$LOG" "${common[@]}" --dump kdump WARN BUG
	# Kill every QEMU of BUG's (each attempt's: it writes BUG's vmcore disk) once its
	# console shows the trigger line (each attempt's console is written anew): the fault has
	# fired, the capture kernel is at work.
	while kill -0 "$BG" 2>/dev/null; do
		watch_runner
		for q in $(pgrep -P "$RPID" 2>/dev/null); do
			tr '\0' ' ' <"/proc/$q/cmdline" 2>/dev/null | grep -q 'disks/BUG' || continue
			grep -q 'panicgen: trigger BUG' "$OUT/console/BUG.log" 2>/dev/null && kill -KILL "$q"
		done
		sleep 0.05
	done
	finish
	[ "$STATUS" -eq 1 ] || { echo "exit status $STATUS, not 1 (a run did not pass)"; return 1; }
	has '$1 == "BUG" && $3 == "qemu-killed" && $6 ~ /SIGKILL/' "BUG is not an error naming the kill" &&
		has '$1 == "WARN" && $2 == "pass"' "WARN did not pass beside it" &&
		no_survivors
}

# Five quick runs, one at a time: a cancel after the first leaves some unstarted however
# fast the machine.
cancel_set=(WARN REFCOUNT_UNDERFLOW REFCOUNT_OVERFLOW SLEEP_IN_ATOMIC LIST_CORRUPTION)

# Cancels the runner with signal $1 once its first run finished.
cancelled() { # signal status
	start "$OUT" "$LOG" "${common[@]}" "${cancel_set[@]}"
	wait_for '^\[1/' 300 || { echo "the first run never finished"; return 1; }
	# SIGINT as a terminal's Ctrl-C or a job's kill of its tree: the runner's children
	# (the running QEMU) get it too.
	if [ "$1" = INT ]; then
		kill -INT "$RPID" $(pgrep -P "$RPID")
	else
		kill -"$1" "$RPID"
	fi
	finish
	[ "$STATUS" -eq "$2" ] || { echo "exit status $STATUS after SIG$1, not $2"; return 1; }
	has "\$1 == \"incomplete\" && index(\$2, \"cancelled by SIG$1\")" "results.json is not marked incomplete" &&
		has '$1 != "incomplete" && $2 == "pass"' "the finished run was not kept" &&
		has '$3 == "cancelled"' "no run is 'cancelled'" &&
		every '$1 == "incomplete" || $2 != "pass" || $5 > 0' "a run that did not run passed" ||
		return 1
	grep -q "^# incomplete: cancelled by SIG$1" "$OUT/results.ktap" || { echo "results.ktap is not marked incomplete"; return 1; }
	grep -q 'name="incomplete"' "$OUT/results.xml" || { echo "results.xml is not marked incomplete"; return 1; }
	no_survivors
}

case_sigterm() {
	cancelled TERM 143 || return 1
	# The same command again, nothing cleaned: the whole set.
	start "$OUT" "$LOG.again" "${common[@]}" "${cancel_set[@]}"
	finish
	[ "$STATUS" -eq 0 ] || { echo "the run after the cancelled one: exit status $STATUS"; return 1; }
	every '$1 != "incomplete" && $2 == "pass"' "the run after the cancelled one is not whole" &&
		no_survivors
}

case_sigint() {
	cancelled INT 130
}

case_flood() {
	start "$OUT" "$LOG" "${common[@]}" --no-snapshot --console-limit-kib 256 \
		--boot-arg rdinit=/bin/busybox "--boot-arg=-- yes" WARN
	finish
	[ "$STATUS" -eq 1 ] || { echo "exit status $STATUS, not 1"; return 1; }
	has '$1 == "WARN" && $3 == "console-flood" && $4 == 1' \
		"the flood is not a console-flood error tried once" || return 1
	local size
	size=$(stat -c %s "$OUT/console/WARN.log")
	[ "$size" -le $((256 << 10)) ] || { echo "the console log grew to $size bytes"; return 1; }
	no_survivors
}

case_disk-full() {
	local fs=$WORK/full
	mkdir -p "$fs"
	mount -t tmpfs -o size=32m panicgen-full "$fs" || { echo "cannot mount a tmpfs (root needed)"; return 1; }
	mounts+=("$fs")
	# 4 MiB left: a boot's console fits, a vmcore (about 11 MiB) does not.
	head -c $((28 << 20)) /dev/zero >"$fs/filler"
	OUT=$fs/out
	start "$OUT" "$LOG" "${common[@]}" --no-snapshot --dump kdump BUG
	finish
	[ "$STATUS" -eq 1 ] || { echo "exit status $STATUS, not 1"; return 1; }
	has '$1 == "BUG" && $3 == "host-disk-full" && $6 ~ /full/' "BUG is not a host-disk-full error" &&
		no_survivors
}

case_read-only-out() {
	local fs=$WORK/ro
	mkdir -p "$fs"
	mount -t tmpfs -o ro panicgen-ro "$fs" || { echo "cannot mount a tmpfs (root needed)"; return 1; }
	mounts+=("$fs")
	start "$fs/out" "$LOG" "${common[@]}" WARN
	finish
	[ "$STATUS" -eq 2 ] || { echo "exit status $STATUS, not 2 (a refusal)"; return 1; }
	grep -q "cannot write in $fs/out: Read-only file system.*: give --out" "$LOG" ||
		{ echo "the refusal does not name the directory, the cause and the fix"; return 1; }
	[ -z "$SEEN" ] || { echo "a guest started before the refusal"; return 1; }
	no_survivors
}

case_saved-guest() {
	start "$OUT" "$LOG" "${common[@]}" WARN REFCOUNT_UNDERFLOW REFCOUNT_OVERFLOW
	wait_for '^\[1/' 300 || { echo "the first run never finished"; return 1; }
	local state=$OUT/snapshots/template0.state
	[ -f "$state" ] || { echo "no saved guest at $state"; return 1; }
	truncate -s $(($(stat -c %s "$state") / 2)) "$state"
	finish
	grep -q "the saved guest $state changed after it was saved" "$LOG" ||
		{ echo "the truncated saved guest was not named"; return 1; }
	[ "$STATUS" -eq 0 ] || { echo "exit status $STATUS: the runs after it did not boot instead"; return 1; }
	expect '$1 != "incomplete" && $4 == 2 { n++ } END { exit n != 1 }' \
		"not exactly one run was tried again" && no_survivors
}

case_second-runner() {
	local first_bg first_rpid first_log=$LOG second
	start "$OUT" "$first_log" "${common[@]}" WARN
	first_bg=$BG first_rpid=$RPID
	wait_for 'runs of' 60 || { echo "the first runner never started"; return 1; }
	second=$(run_matrix "$OUT" "${common[@]}" WARN 2>&1) && { echo "the second runner ran"; return 1; }
	echo "$second" | grep -q "is in use by another runner (pid $first_rpid" ||
		{ echo "the second runner's refusal does not name the first: $second"; return 1; }
	BG=$first_bg RPID=$first_rpid LOG=$first_log finish
	[ "$STATUS" -eq 0 ] || { echo "the first runner: exit status $STATUS"; return 1; }
	has '$1 == "WARN" && $2 == "pass"' "the first runner's run did not pass" &&
		no_survivors
}

failed=0
for c in "${@:-${CASES[@]}}"; do
	declare -F "case_$c" >/dev/null || die "no case '$c' (cases: ${CASES[*]})"
	OUT=$WORK/$c
	LOG=$WORK/$c.log
	mkdir -p "$WORK"
	rm -rf "$OUT" "$LOG"*
	t=$SECONDS
	# In this shell (not a subshell): the mounts it makes are undone on exit.
	if "case_$c" >"$WORK/$c.why"; then
		msg "runner fault $c: ok ($((SECONDS - t)) s, runner peak $((PEAK / 1024)) MiB)"
	else
		msg "runner fault $c: FAILED: $(cat "$WORK/$c.why") (log: $LOG)"
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
