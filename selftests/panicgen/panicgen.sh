#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kselftest for panicgen, run inside a test machine that has panicgen.ko loaded
# and debugfs mounted. Prints KTAP; exits 0 when every test passed or was
# skipped, 1 when one failed, 4 when none could run.
#
# Usage: panicgen.sh [--inputs] [--allow-fatal] [--unload] [FAULT...]
#   --inputs       bad trigger input (unknown name, empty, 4 KiB of garbage,
#                  no CAP_SYS_ADMIN, at= on a function that cannot be probed)
#                  must be refused and the machine must stay up; at= fires WARN
#                  from schedule, and a probe never reached times out
#   --unload       last, unload panicgen while an at= probe is armed: the
#                  probe must go with it, and the kernel report nothing
#   FAULT...       fire each fault from a child process and look in the kernel
#                  log for the lines panicgen's catalog expects on this arch.
#                  Faults that are fatal on this kernel as configured now
#                  (fatal=yes in the faults file) kill the machine: they are
#                  SKIPped unless --allow-fatal is given (the console then has
#                  the verdict; the host runner fires them in a fresh VM each).
#   (no FAULT)     every fault that is not fatal here
#
# lockdep reports only once per boot: a locking fault fired after lockdep has
# switched itself off is SKIPped with that reason, never passed.

DIR=/sys/kernel/debug/panicgen
TRIGGER=$DIR/trigger
KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4
WAIT_S=${PANICGEN_WAIT_S:-10}

n=0
failed=0
passed=0
planned=0
out=/tmp/panicgen-selftest.$$

ktap_result() { # verdict name [directive]
	n=$((n + 1))
	case $1 in
	ok) passed=$((passed + 1)); echo "ok $n $2${3:+ # $3}" ;;
	skip) echo "ok $n $2 # SKIP $3" ;;
	*) failed=$((failed + 1)); echo "not ok $n $2${3:+ # $3}" ;;
	esac
}

# The catalog line of a fault: "name=X category=C kind=K ... arch=A expect=RE[ && RE]".
catalog_line() { grep "^name=$1 " "$DIR/faults"; }
field() { echo "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
expect_of() { echo "$1" | sed 's/.* expect=//'; }

# Kernel log lines after the last "panicgen-selftest: mark $1".
log_since_mark() {
	dmesg | awk -v m="panicgen-selftest: mark $1" 'index($0, m) { buf = ""; next } { buf = buf $0 "\n" } END { printf "%s", buf }'
}
mark() { echo "panicgen-selftest: mark $1" >/dev/kmsg; }

# The first of the " && "-joined patterns that has no matching line, in order,
# in the kernel log since the mark; empty when all matched.
first_missing() { # name patterns
	log=$(log_since_mark "$1")
	rest=$2
	while [ -n "$rest" ]; do
		p=${rest%% && *}
		if [ "$p" = "$rest" ]; then rest=""; else rest=${rest#* && }; fi
		# Keep the lines after the first match of p.
		n=$(printf '%s\n' "$log" | grep -n -E -m 1 -- "$p" | cut -d: -f1)
		[ -n "$n" ] || { echo "$p"; return; }
		log=$(printf '%s\n' "$log" | tail -n +$((n + 1)))
	done
}

lockdep_on() {
	[ -r /proc/lockdep_stats ] || return 0
	! grep -q 'debug_locks: *0' /proc/lockdep_stats
}

# Run a command that writes bad input to the trigger in a child process; it
# must fail with errno text ERRTEXT and the module must log why.
expect_refused() { # test-name errtext command...
	name=$1 errtext=$2
	shift 2
	mark "$name"
	if "$@" >"$out" 2>&1; then
		ktap_result fail "$name" "write was accepted"
	elif ! grep -q "$errtext" "$out"; then
		ktap_result fail "$name" "expected '$errtext', got '$(tr '\n' ' ' <"$out")'"
	elif ! log_since_mark "$name" | grep -q "panicgen: trigger re"; then
		ktap_result fail "$name" "no 'panicgen: trigger rejected/refused' line in the kernel log"
	else
		ktap_result ok "$name"
	fi
}

test_inputs() {
	expect_refused input_unknown_name "Invalid argument" sh -c "echo NO_SUCH_FAULT >$TRIGGER"
	expect_refused input_empty "Invalid argument" sh -c "echo >$TRIGGER"
	expect_refused input_blank "Invalid argument" sh -c "echo ' 	  ' >$TRIGGER"
	expect_refused input_name_and_junk "Invalid argument" sh -c "echo 'BUG please' >$TRIGGER"
	expect_refused input_4k_garbage "Invalid argument" \
		dd if=/dev/urandom of=$TRIGGER bs=4096 count=1
	if unshare -U -r true 2>/dev/null; then
		# Root in a new user namespace: owner of the file, but without
		# CAP_SYS_ADMIN in the initial namespace. BUG would kill the machine.
		expect_refused input_no_cap_sys_admin "Operation not permitted" \
			unshare -U -r sh -c "echo BUG >$TRIGGER"
	else
		ktap_result skip input_no_cap_sys_admin "no user namespaces (CONFIG_USER_NS)"
	fi
	# Still alive, and the listing is intact: every catalog name is listed.
	missing=""
	for name in $(sed -n 's/^name=\([^ ]*\) .*/\1/p' "$DIR/faults"); do
		grep -qx "$name" "$TRIGGER" || missing="$missing $name"
	done
	if [ -z "$(cat "$TRIGGER")" ]; then
		ktap_result fail trigger_lists_faults "reading trigger gave nothing"
	elif [ -n "$missing" ]; then
		ktap_result fail trigger_lists_faults "not listed:$missing"
	else
		ktap_result ok trigger_lists_faults
	fi
}

# The module's line on a probe's chosen hit, up to the function and after it.
AT_HIT="panicgen: at"
AT_OFFSET='\+0x0( \(past its ftrace call\))?'

# The first of the " && "-joined PATTERNS still missing since mark NAME after up to
# SECONDS (looked at every second); empty once all matched.
wait_missing() { # name patterns seconds
	t=0
	while missing=$(first_missing "$1" "$2"); [ -n "$missing" ] && [ "$t" -lt "$3" ]; do
		sleep 1
		t=$((t + 1))
	done
	echo "$missing"
}

# Arms a probe with COMMAND. The last probe is removed by a work item just after it
# fired or was refused: "busy" is tried again for up to 5 s.
arm() { # command
	t=0
	while ! echo "$1" >"$TRIGGER" 2>"$out"; do
		grep -q "Device or resource busy" "$out" && [ "$t" -lt 5 ] || return 1
		sleep 1
		t=$((t + 1))
	done
}

# Arm a probe with COMMAND; within SECONDS the " && "-joined PATTERNS must match,
# in order, in the kernel log since.
expect_probe() { # test-name command seconds patterns
	mark "$1"
	if ! arm "$2"; then
		ktap_result fail "$1" "arming failed: $(cat "$out")"
		return
	fi
	missing=$(wait_missing "$1" "$4" "$3")
	if [ -n "$missing" ]; then
		ktap_result fail "$1" "no line matches '$missing' in $3 s"
	else
		ktap_result ok "$1"
	fi
}

# at=: every refusal comes before anything is armed, with its errno and reason, and
# the machine stays up; then a probe that fires WARN (not fatal on a test machine)
# on the third hit of schedule, and one that times out.
AT_TESTS=11
test_at() {
	if [ "$kprobes" != CONFIG_KPROBES:y ]; then
		for t in at_unknown_function at_inline_only at_blacklisted at_own_function \
			at_sleeping_fault at_busy at_fires at_second_probe at_timeout \
			at_refused_where_reached at_noinstr; do
			ktap_result skip "$t" "needs CONFIG_KPROBES, not set in this kernel"
		done
		return
	fi
	expect_refused at_unknown_function "No such file or directory" \
		sh -c "echo 'BUG at=panicgen_no_such_function' >$TRIGGER"
	# A static inline: no symbol to probe (LKDTM's TIMERADD hooks it).
	expect_refused at_inline_only "No such file or directory" \
		sh -c "echo 'BUG at=hrtimer_start' >$TRIGGER"
	# NOKPROBE_SYMBOL in kernel/notifier.c.
	expect_refused at_blacklisted "Invalid argument" \
		sh -c "echo 'BUG at=atomic_notifier_call_chain' >$TRIGGER"
	# noinstr entry code: the page-fault entry on x86_64, the EL1 exception entry on arm64.
	case $(uname -m) in
	x86_64) noinstr=exc_page_fault ;;
	*) noinstr=el1h_64_sync_handler ;;
	esac
	expect_refused at_noinstr "Invalid argument" \
		sh -c "echo 'BUG at=$noinstr' >$TRIGGER"
	expect_refused at_own_function "Operation not permitted" \
		sh -c "echo 'BUG at=panicgen_fire_at' >$TRIGGER"
	expect_refused at_sleeping_fault "Invalid argument" \
		sh -c "echo 'HUNG_TASK at=schedule' >$TRIGGER"
	# Armed (an unreachable count), so a second probe is refused; it times out.
	mark at_timeout
	if ! echo "WARN at=schedule count=1000000 timeout_ms=2000" >"$TRIGGER" 2>"$out"; then
		ktap_result fail at_busy "arming failed: $(cat "$out")"
	else
		expect_refused at_busy "Device or resource busy" \
			sh -c "echo 'BUG at=schedule' >$TRIGGER"
	fi
	mark at_second_probe
	if echo "WARN at=schedule count=3 id=at-second" >"$TRIGGER" 2>"$out"; then
		ktap_result fail at_second_probe "armed while another probe was armed"
	else
		ktap_result ok at_second_probe
	fi
	# Said once the probe is removed.
	if [ -z "$(wait_missing at_timeout "at schedule\+0x0: not reached in 2000 ms" 8)" ]; then
		ktap_result ok at_timeout
	else
		ktap_result fail at_timeout "no 'not reached in 2000 ms' line in 8 s"
	fi
	# Armed, but reached in a softirq, where a task-only fault cannot run: not fired.
	expect_probe at_refused_where_reached "SLEEP_IN_ATOMIC at=call_timer_fn timeout_ms=5000" 7 \
		"$AT_HIT call_timer_fn$AT_OFFSET: hit 1 in softirq .*: SLEEP_IN_ATOMIC cannot run there; not fired"
	expect_probe at_fires "WARN at=schedule count=3 timeout_ms=5000 id=at-fires" 7 \
		"$AT_HIT schedule$AT_OFFSET: hit 3 in task .*: firing WARN && $(expect_of "$(catalog_line WARN)")"
}

# rmmod with a probe armed on schedule: the module's exit removes the probe and
# its work items; a probe left behind would call into freed module memory on
# the next schedule, within the second waited.
test_unload_armed() {
	list=/sys/kernel/debug/kprobes/list
	if [ "$kprobes" != CONFIG_KPROBES:y ]; then
		ktap_result skip unload_armed "needs CONFIG_KPROBES, not set in this kernel"
		return
	fi
	mark unload_armed
	if ! arm "WARN at=schedule count=1000000 timeout_ms=60000"; then
		ktap_result fail unload_armed "arming failed: $(cat "$out")"
		return
	fi
	before=$(grep -c ' schedule+0x' "$list" 2>/dev/null)
	if ! rmmod panicgen 2>"$out"; then
		ktap_result fail unload_armed "rmmod failed: $(cat "$out")"
		return
	fi
	sleep 1
	after=$(grep -c ' schedule+0x' "$list" 2>/dev/null)
	report=$(log_since_mark unload_armed | grep -E -m 1 'BUG:|Oops|WARNING:|Unable to handle')
	[ -r "$list" ] && echo "# unload_armed: probes on schedule: ${before:-0} armed, ${after:-0} after rmmod"
	if [ -d /sys/module/panicgen ]; then
		ktap_result fail unload_armed "still loaded after rmmod"
	elif [ -n "$report" ]; then
		ktap_result fail unload_armed "the kernel reported: $report"
	elif [ -r "$list" ] && { [ "${before:-0}" -ne 1 ] || [ "${after:-0}" -ne 0 ]; }; then
		ktap_result fail unload_armed "probes on schedule in $list: $before armed, $after after rmmod"
	else
		ktap_result ok unload_armed
	fi
}

test_fault() {
	name=$1
	line=$(catalog_line "$name")
	if [ -z "$line" ]; then
		ktap_result fail "$name" "not in $DIR/faults"
		return
	fi
	fatal=$(field "$line" fatal)
	kind=$(field "$line" kind)
	pattern=$(expect_of "$line")
	case $pattern in
	unsupported:* | none:*)
		ktap_result skip "$name" "$pattern"
		return
		;;
	esac
	if [ "$fatal" != no ] && [ -z "$allow_fatal" ]; then
		ktap_result skip "$name" "fatal here ($fatal): kills the machine (use --allow-fatal, or the host runner)"
		return
	fi
	if [ "$kind" = lockdep ] && ! lockdep_on; then
		ktap_result skip "$name" "lockdep already reported once this boot and switched itself off"
		return
	fi
	mark "$name"
	sh -c 'echo "$1" >"$2"' sh "$name" "$TRIGGER" &
	writer=$!
	i=0
	while [ $i -lt $((WAIT_S * 10)) ]; do
		missing=$(first_missing "$name" "$pattern")
		[ -z "$missing" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	if ! log_since_mark "$name" | grep -q "panicgen: trigger $name "; then
		ktap_result fail "$name" "no 'panicgen: trigger $name' line: the write did not reach the module"
	elif [ -z "$missing" ]; then
		ktap_result ok "$name"
	else
		ktap_result fail "$name" "no kernel message matching '$missing' within ${WAIT_S}s"
	fi
	kill -0 "$writer" 2>/dev/null && echo "# $name: the writer is still inside the kernel (expected when the fault hangs its CPU)"
}

inputs=""
allow_fatal=""
unload=""
faults=""
for arg; do
	case $arg in
	--inputs) inputs=1 ;;
	--allow-fatal) allow_fatal=1 ;;
	--unload) unload=1 ;;
	-*) echo "usage: $0 [--inputs] [--allow-fatal] [--unload] [FAULT...]" >&2; exit 2 ;;
	*) faults="$faults $arg" ;;
	esac
done

echo "KTAP version 1"
if [ ! -w "$TRIGGER" ] || [ ! -r "$DIR/faults" ]; then
	echo "1..0 # SKIP panicgen is not loaded (no $TRIGGER; insmod panicgen.ko, mount debugfs)"
	exit $KSFT_SKIP
fi
if [ -z "$faults" ] && [ -z "$inputs" ]; then
	faults=$(sed -n 's/^name=\([^ ]*\) .* fatal=no .*/\1/p' "$DIR/faults")
fi
[ -n "$inputs" ] && planned=$((planned + 7 + AT_TESTS))
for f in $faults; do planned=$((planned + 1)); done
[ -n "$unload" ] && planned=$((planned + 1))
echo "1..$planned"
kprobes=$(sed -n 's/.* needs=\(CONFIG_KPROBES:.\).*/\1/p' "$DIR/points" | head -n 1)

if [ -n "$inputs" ]; then
	test_inputs
	test_at
fi
for f in $faults; do
	test_fault "$f"
done
[ -n "$unload" ] && test_unload_armed
rm -f "$out"

echo "# totals: pass:$passed fail:$failed skip:$((n - passed - failed))"
[ "$failed" -eq 0 ] || exit $KSFT_FAIL
[ "$passed" -gt 0 ] || exit $KSFT_SKIP
exit $KSFT_PASS
