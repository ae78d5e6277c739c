#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kselftest for panicgen, run inside a test machine that has panicgen.ko loaded
# and debugfs mounted. Prints KTAP; exits 0 when every test passed or was
# skipped, 1 when one failed, 4 when none could run.
#
# Usage: panicgen.sh [--inputs] [--allow-fatal] [--unload] [--soak CYCLES] [FAULT...]
#   --inputs       bad trigger input (unknown name, empty, 4 KiB of garbage,
#                  no CAP_SYS_ADMIN, at= on a function that cannot be probed)
#                  must be refused and the machine must stay up; at= fires WARN
#                  from schedule, and a probe never reached times out;
#                  HARDLOCKUP, made to return, leaves interrupts off where they
#                  were off (a hardirq, a probe's handler) and lockdep quiet
#   --soak CYCLES  CYCLES unloads and loads, concurrent writers firing the warn
#                  faults through both triggers, then kmemleak, lockdep and the
#                  taint flags (soak.sh; PANICGEN_KO: the module to insmod)
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
#
# The module's lines are matched with the patterns the module gives for them
# ($DIR/lines, from its catalog), never retyped here.

# PANICGEN_DIR (panicgen's debugfs directory), and line_pattern: the pattern of a
# line the module prints, from its own lines file.
. "$(dirname "$0")/lines.sh"
DIR=$PANICGEN_DIR
# The debugfs file, or /dev/panicgen where lockdown closes debugfs.
TRIGGER=$(panicgen_trigger)
. "$(dirname "$0")/triggers.sh"
. "$(dirname "$0")/soak.sh"
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
catalog_line() { grep -E -- "^$(line_pattern fault_listing name="$1")" "$DIR/faults"; }
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
	elif ! log_since_mark "$name" | grep -q -E -- "$(line_pattern rejected)"; then
		ktap_result fail "$name" "no line matching '$(line_pattern rejected)' in the kernel log"
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
		dd if=/dev/urandom of="$TRIGGER" bs=4096 count=1
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
	# shellcheck disable=SC2013 # fault names: one word each
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
	expired=$(line_pattern expired function=schedule offset=0x0 timeout_ms=2000)
	if [ -z "$(wait_missing at_timeout "$expired" 8)" ]; then
		ktap_result ok at_timeout
	else
		ktap_result fail at_timeout "no 'not reached in 2000 ms' line in 8 s"
	fi
	# Armed, but reached in a softirq, where a task-only fault cannot run: not fired.
	expect_probe at_refused_where_reached "SLEEP_IN_ATOMIC at=call_timer_fn timeout_ms=5000" 7 \
		"$(line_pattern hit_refused function=call_timer_fn offset=0x0 count=1 reach=softirq \
			fault=SLEEP_IN_ATOMIC)"
	expect_probe at_fires "WARN at=schedule count=3 timeout_ms=5000 id=at-fires" 7 \
		"$(line_pattern hit_firing function=schedule offset=0x0 count=3 reach=task fault=WARN) && \
$(expect_of "$(catalog_line WARN)")"
}

# HARDLOCKUP returns when its detector does not panic (kernel.hardlockup_panic=0).
# Fired where interrupts are already off, in an hrtimer's hardirq and from a probe
# on the timer interrupt's hrtimer_interrupt (in the probe's trap handler), it must
# leave them off: the module's line on its return says how they were before and
# after, and lockdep, which checks every change of the interrupt state, must have
# said nothing (an interrupt handler that turns interrupts on trips its
# DEBUG_LOCKS_WARN_ON and switches it off).
IRQ_TESTS=2
test_irq_state() {
	need=""
	[ -r /proc/lockdep_stats ] || need=CONFIG_PROVE_LOCKING
	case $(field "$(catalog_line HARDLOCKUP)" needs) in
	*CONFIG_HARDLOCKUP_DETECTOR_BUDDY:y*) ;;
	*) need="${need:+$need and }CONFIG_HARDLOCKUP_DETECTOR_BUDDY" ;;
	esac
	[ "$kprobes" = CONFIG_KPROBES:y ] || at_need="${need:+$need and }CONFIG_KPROBES"
	if [ -n "$need" ]; then
		ktap_result skip irq_state_hardirq "needs $need, not set in this kernel"
		ktap_result skip irq_state_at "needs ${at_need:-$need}, not set in this kernel"
		return
	fi
	panic_was=$(cat /proc/sys/kernel/hardlockup_panic)
	echo 0 >/proc/sys/kernel/hardlockup_panic
	irq_state_case irq_state_hardirq "HARDLOCKUP ctx=hardirq"
	if [ -n "${at_need:-}" ]; then
		ktap_result skip irq_state_at "needs $at_need, not set in this kernel"
	else
		irq_state_case irq_state_at "HARDLOCKUP at=hrtimer_interrupt timeout_ms=5000"
	fi
	echo "$panic_was" >/proc/sys/kernel/hardlockup_panic
}

# Fires COMMAND (HARDLOCKUP in a hardirq) and waits for the module's line on its
# return: interrupts off before and after, lockdep still on, no warning since.
irq_state_case() { # test-name command
	if ! lockdep_on; then
		ktap_result skip "$1" "lockdep already reported once this boot and switched itself off"
		return
	fi
	mark "$1"
	if ! arm "$2"; then
		ktap_result fail "$1" "'$2' was refused: $(cat "$out")"
		return
	fi
	returned=$(line_pattern returned fault=HARDLOCKUP ctx=hardirq)
	missing=$(wait_missing "$1" "$returned" 20)
	line=$(log_since_mark "$1" | grep -E -m 1 -- "$returned")
	report=$(log_since_mark "$1" | grep -E -m 1 'DEBUG_LOCKS_WARN_ON|WARNING:|BUG:')
	why=""
	if [ -n "$missing" ]; then
		why="HARDLOCKUP did not return in a hardirq within 20 s: no line matching '$missing'"
	elif ! echo "$line" | grep -q -E -- "$(line_pattern returned before=off after=off)"; then
		why="interrupts changed: $line"
	fi
	lockdep_on || why="${why:+$why; }lockdep switched itself off"
	[ -n "$report" ] && why="${why:+$why; }the kernel reported: $report"
	if [ -n "$why" ]; then
		ktap_result fail "$1" "$why"
	else
		ktap_result ok "$1"
	fi
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
	if ! log_since_mark "$name" | grep -q -E -- "$(line_pattern trigger fault="$name")"; then
		ktap_result fail "$name" "no trigger line for $name: the write did not reach the module"
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
soak=""
faults=""
for arg; do
	if [ "$soak" = next ]; then
		soak=$arg
		continue
	fi
	case $arg in
	--soak) soak=next ;;
	--inputs) inputs=1 ;;
	--allow-fatal) allow_fatal=1 ;;
	--unload) unload=1 ;;
	-*) echo "usage: $0 [--inputs] [--allow-fatal] [--unload] [--soak CYCLES] [FAULT...]" >&2; exit 2 ;;
	*) faults="$faults $arg" ;;
	esac
done

echo "KTAP version 1"
if [ ! -w "$TRIGGER" ] || [ ! -r "$DIR/faults" ]; then
	echo "1..0 # SKIP panicgen is not loaded (no $TRIGGER; insmod panicgen.ko, mount debugfs)"
	exit $KSFT_SKIP
fi
case $soak in
next | *[!0-9]*) echo "usage: $0 ... --soak CYCLES (a number)" >&2; exit 2 ;;
esac
if [ -z "$faults" ] && [ -z "$inputs" ] && [ -z "$soak" ]; then
	faults=$(sed -n 's/^name=\([^ ]*\) .* fatal=no .*/\1/p' "$DIR/faults")
fi
[ -n "$inputs" ] && planned=$((planned + 7 + IRQ_TESTS + AT_TESTS + TRIGGER_TESTS))
for f in $faults; do planned=$((planned + 1)); done
[ -n "$unload" ] && planned=$((planned + 1))
[ -n "$soak" ] && planned=$((planned + SOAK_TESTS))
echo "1..$planned"
kprobes=$(sed -n 's/.* needs=\(CONFIG_KPROBES:.\).*/\1/p' "$DIR/points" | head -n 1)

if [ -n "$inputs" ]; then
	test_irq_state
	test_inputs
	test_triggers
	test_at
fi
for f in $faults; do
	test_fault "$f"
done
[ -n "$soak" ] && test_soak "$soak"
[ -n "$unload" ] && test_unload_armed
rm -f "$out"

echo "# totals: pass:$passed fail:$failed skip:$((n - passed - failed))"
[ "$failed" -eq 0 ] || exit $KSFT_FAIL
[ "$passed" -gt 0 ] || exit $KSFT_SKIP
exit $KSFT_PASS
