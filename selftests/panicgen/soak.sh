#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # out, DIR: panicgen.sh's, which sources this file
#
# Sourced by the selftest (panicgen.sh --soak CYCLES): panicgen under load, with kmemleak
# watching (boot with kmemleak=on on a kernel with CONFIG_DEBUG_KMEMLEAK).
#   soak_load_unload  CYCLES unloads and loads of the module (insmod $PANICGEN_KO, else
#                     modprobe), each a whole init and exit
#   soak_writers      PANICGEN_SOAK_WRITERS concurrent writers (default 4), each firing every
#                     non-fatal warn fault PANICGEN_SOAK_ROUNDS times (default 10) through both
#                     triggers in turn, a bad command after each round: every fault's write
#                     returns 0, every bad one EINVAL. The slab faults (category memory)
#                     corrupt their own cache on purpose and stay out; lockdep faults report
#                     once per boot and, fired concurrently, take their locks in both orders
#                     at once; hangs take tens of seconds each.
#   soak_kmemleak     kmemleak, cleared before, scanned after: no unreferenced object
#   soak_clean        lockdep still on (it switches itself off at its first report), and no
#                     taint but O (out of tree), E (unsigned), W (the warn faults' own) and N
#                     (a KUnit suite ran: panicgen's own, on every load)
# The console is quieted meanwhile (dmesg -n 1): a warning's report is kilobytes, and a
# serial console under emulation takes 14 KiB/s.

# shellcheck disable=SC2034 # panicgen.sh, which sources this, plans with it
SOAK_TESTS=4
KMEMLEAK=/sys/kernel/debug/kmemleak
# Taint bits allowed: W (9), O (12), E (13), N (18).
SOAK_TAINT_OK=$(((1 << 9) | (1 << 12) | (1 << 13) | (1 << 18)))

soak_reload() { # cycles
	i=0
	while [ "$i" -lt "$1" ]; do
		rmmod panicgen 2>"$out" || { echo "cycle $i: rmmod: $(cat "$out")"; return 1; }
		if [ -n "${PANICGEN_KO:-}" ]; then
			insmod "$PANICGEN_KO" 2>"$out"
		else
			modprobe panicgen 2>"$out"
		fi || { echo "cycle $i: load: $(cat "$out")"; return 1; }
		i=$((i + 1))
		# Progress, to stderr (stdout is the failure's reason): the host shows these.
		[ $((i % 100)) -ne 0 ] ||
			echo "# soak_progress: $i of $1 cycles, $(($(date +%s) - start)) s" >&2
	done
}

# One writer: every fault of $faults, ROUNDS times, alternating the triggers; counts what
# the writes returned into $out.w$1.
soak_writer() { # index
	r=0 ok=0 bad=0
	while [ "$r" -lt "${PANICGEN_SOAK_ROUNDS:-10}" ]; do
		t=$TRIGGER
		[ $((r % 2)) -eq 1 ] && t=/dev/panicgen
		for f in $faults; do
			if echo "$f id=soak-$1-$r" >"$t"; then ok=$((ok + 1)); fi
		done 2>/dev/null
		if ! echo "NO_SUCH_FAULT id=soak-$1-$r" >"$t" 2>"$out.e$1"; then
			grep -q "Invalid argument" "$out.e$1" && bad=$((bad + 1))
		fi
		r=$((r + 1))
	done
	echo "$ok $bad" >"$out.w$1"
}

soak_writers() {
	writers=${PANICGEN_SOAK_WRITERS:-4}
	rounds=${PANICGEN_SOAK_ROUNDS:-10}
	faults=$(sed -n 's/^name=\([^ ]*\) category=\([a-z]*\) kind=warn .* fatal=no .*/\1 \2/p' "$DIR/faults" |
		awk '$2 != "memory" { print $1 }')
	nfaults=$(echo "$faults" | wc -w)
	w=0
	while [ "$w" -lt "$writers" ]; do
		soak_writer "$w" &
		w=$((w + 1))
	done
	wait
	ok=0 bad=0 w=0
	while [ "$w" -lt "$writers" ]; do
		read -r o b <"$out.w$w"
		ok=$((ok + o)) bad=$((bad + b)) w=$((w + 1))
	done
	echo "# soak_writers: $writers writers x $rounds rounds of $(echo "$faults" | tr '\n' ' ' | sed 's/ *$//' | tr ' ' ,): $ok faults fired, $bad bad commands refused"
	[ "$ok" -eq $((writers * rounds * nfaults)) ] && [ "$bad" -eq $((writers * rounds)) ]
}

test_soak() { # cycles
	if [ ! -w "$KMEMLEAK" ] || ! echo clear >"$KMEMLEAK" 2>/dev/null; then
		for t in soak_load_unload soak_writers soak_kmemleak soak_clean; do
			ktap_result skip "$t" "no kmemleak (CONFIG_DEBUG_KMEMLEAK, and kmemleak=on on the command line)"
		done
		return
	fi
	level=$(awk '{ print $1 }' /proc/sys/kernel/printk)
	dmesg -n 1
	start=$(date +%s)
	if why=$(soak_reload "$1"); then
		ktap_result ok soak_load_unload
	else
		ktap_result fail soak_load_unload "$why"
	fi
	echo "# soak_load_unload: $1 cycles in $(($(date +%s) - start)) s"
	TRIGGER=$(panicgen_trigger)
	if soak_writers; then
		ktap_result ok soak_writers
	else
		ktap_result fail soak_writers "not every write was answered as it should be"
	fi
	dmesg -n "$level"
	# An object is reported once it has been unreferenced for 5 s, across two scans.
	echo scan >"$KMEMLEAK"
	sleep 6
	echo scan >"$KMEMLEAK"
	leaks=$(grep -c '^unreferenced object' "$KMEMLEAK")
	if [ "$leaks" -eq 0 ]; then
		ktap_result ok soak_kmemleak
	else
		ktap_result fail soak_kmemleak "$leaks unreferenced objects, the first: $(grep -A12 -m1 '^unreferenced object' "$KMEMLEAK" | tr '\n' ' ')"
	fi
	taint=$(cat /proc/sys/kernel/tainted)
	if ! lockdep_on; then
		ktap_result fail soak_clean "lockdep reported during the soak (debug_locks is 0)"
	elif [ $((taint & ~SOAK_TAINT_OK)) -ne 0 ]; then
		ktap_result fail soak_clean "tainted $taint: bits $((taint & ~SOAK_TAINT_OK)) beyond W, O, E and N"
	else
		ktap_result ok soak_clean
	fi
	echo "# soak: $(($(date +%s) - start)) s in all, taint $taint"
}
