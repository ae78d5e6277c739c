# SPDX-License-Identifier: GPL-2.0
# make check's machinery (scripts/check.sh sources it): the counts, the step that runs and
# times each test, and the commands its steps share. Source it, do not run it.
# shellcheck shell=bash

S="$PANICGEN_ROOT/scripts"
OUT=${PANICGEN_OUT:-$PANICGEN_ROOT/out}
start=$SECONDS
started_at=$(date +%s)
passed=0
failed=0
skipped=0
failures=()
not_passed=() # one line per fault run or selftest that did not pass (runner.sh summary), or failed step's error
counted=0
mkdir -p "$PANICGEN_CACHE" "$CARGO_TARGET_DIR" "$OUT"
# Which set runs: the gate (every make check) or the full set (CHECK=full); what the gate
# leaves out is in Documentation/coverage.rst, each step with its reason (full_step).
CHECK_SET=${PANICGEN_CHECK:-gate}
case $CHECK_SET in
gate | full) ;;
*) die "PANICGEN_CHECK (make check CHECK=) is gate or full, not '$CHECK_SET'" ;;
esac
# The time table: a row per step (kind: the kind of work of the steps that follow) and per
# cache miss's work in or beside them (scripts/lib.sh's time_row).
export PANICGEN_TIMES="$OUT/check-times.tsv"
: >"$PANICGEN_TIMES"
# The scripts' errors (lib.sh's die): a failed step's are repeated in the recap at the end.
export PANICGEN_ERRORS="$OUT/check-errors.txt"
: >"$PANICGEN_ERRORS"
kind="host"

# A step counts as one test, unless its command counted its own tests (and set
# counted=1): the unit tests and the fault matrices count each case.
step() { # name command...
	local name=$1 t=$SECONDS errors
	shift
	errors=$(wc -l <"$PANICGEN_ERRORS")
	msg "=== $name"
	counted=0
	if "$@"; then
		[ "$counted" -eq 1 ] || passed=$((passed + 1))
		msg "=== $name: ok ($((SECONDS - t)) s)"
		time_row step "$kind" "$name" $((SECONDS - t)) ok
	else
		[ "$counted" -eq 1 ] || failed=$((failed + 1))
		failures+=("$name")
		mapfile -t -O "${#not_passed[@]}" not_passed < <(tail -n +"$((errors + 1))" "$PANICGEN_ERRORS" | awk -v step="$name" '{ print step ": " $0 }')
		msg "=== $name: FAILED ($((SECONDS - t)) s)"
		time_row step "$kind" "$name" $((SECONDS - t)) failed
		return 1
	fi
}

# A step of the full set only: the gate names it, with why it may wait, and runs it not.
full_step() { # reason name command...
	local reason=$1 name=$2
	shift 2
	if [ "$CHECK_SET" = full ]; then
		step "$name" "$@"
		return
	fi
	moved "$reason" "$name"
}

# A step the gate leaves to the full set: named, with why it may wait.
moved() { # reason name
	msg "=== $2: not in the gate ($1); make check CHECK=full runs it"
	time_row step "$kind" "$2" 0 moved "$1"
}

# Whether arch $1 runs the Debian system steps (and needs its system image): the first arch
# in the gate, every arch in the full set.
system_wanted() { # arch
	[ "$CHECK_SET" = full ] || [ "$1" = "$(first_arch)" ]
}

first_arch() {
	local arches
	read -r -a arches <<<"${PANICGEN_ARCHES:-x86_64 arm64}"
	echo "${arches[0]}"
}

# Whether crash reads arch $1's dumps (1 or 0): where it runs natively, and in the full set
# on every arch (crash for another arch's dumps is a build of crash's gdb: 15-25 min).
crash_wanted() { # arch
	if [ "$CHECK_SET" = full ] || [ "$(kernel_arch "$1")" = "$(kernel_arch "$(uname -m)")" ]; then
		echo 1
	else
		echo 0
	fi
}

# The gate's choice or the full set's: "$1" in the gate, "$2" in the full set.
gate_or_full() { # gate-value full-value
	if [ "$CHECK_SET" = full ]; then echo "$2"; else echo "$1"; fi
}

# Where the time went, and the wall time against the budget (the runner's times).
time_table() {
	"$S/runner.sh" times --rows "$PANICGEN_TIMES" --wall $((SECONDS - start)) \
		--set "$CHECK_SET" --results "$OUT" --since "$started_at" --json "$OUT/check-times.json" \
		--commit "$(git -C "$PANICGEN_ROOT" log -1 --format=%h 2>/dev/null || true)" ||
		msg "no time table (rows: $PANICGEN_TIMES)"
}

host_tests() {
	local log="$CARGO_TARGET_DIR/host-tests.log" p f
	cargo test --locked --manifest-path "$PANICGEN_ROOT/scripts/runner/Cargo.toml" 2>&1 |
		tee "$log" | grep -E '^test result:|FAILED|panicked' >&2
	read -r p f < <(sed -n 's/^test result: .* \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log" |
		awk '{ p += $1; f += $2; n++ } END { if (n) print p, f }')
	[ -n "${p:-}" ] || { msg "cargo test ran no tests (log: $log)"; return 1; }
	passed=$((passed + p))
	failed=$((failed + f))
	counted=1
	[ "$f" -eq 0 ]
}

# The catalog's options in the .config $1 are the snapshot $2 (else: regenerate it with
# `scripts/runner.sh options --kconfig $1`, then `make docs`).
same_options() {
	diff "$2" <("$S/runner.sh" options --kconfig "$1") >&2 || {
		msg "$2 is out of date: scripts/runner.sh options --kconfig $1 >$2; make docs"
		return 1
	}
}

# The Debian system images take minutes of one core each (the arm64 one's maintainer
# scripts run emulated), and Debian's kernels minutes more: built in the background at a
# lower priority while panicgen's kernels are built and run, and waited for before the
# Debian steps, which find them in the cache.
images_pid=""
images_log="$PANICGEN_CACHE/check-images.log"
start_images() {
	[ -z "$images_pid" ] || return 0
	# So is crash for another arch's dumps (a gdb build): the prepare of that arch waits
	# for it (crash.sh's lock).
	for a in ${PANICGEN_ARCHES:-x86_64 arm64}; do
		[ "$(crash_wanted "$a")" = 1 ] || continue
		PANICGEN_TIMES_WHERE=background nice -n 10 "$S/debian/crash.sh" "$a" >/dev/null \
			2>>"$PANICGEN_CACHE/check-crash.log" &
	done
	(
		export PANICGEN_TIMES_WHERE=background
		renice -n 10 "$BASHPID" >/dev/null
		for a in ${PANICGEN_ARCHES:-x86_64 arm64}; do
			system_wanted "$a" || continue
			"$S/debian/image.sh" "$a" >/dev/null || exit 1
		done
		# Then Debian's kernel for every arch (its rust/ regenerated, its vmlinux
		# extracted): the Debian steps, which wait for this, find it ready.
		for a in ${PANICGEN_ARCHES:-x86_64 arm64}; do
			"$S/debian/kernel.sh" "$a" >/dev/null || exit 1
		done
	) >"$images_log" 2>&1 &
	images_pid=$!
	msg "building the Debian system images in the background (log: $images_log)"
}
wait_images() {
	[ -n "$images_pid" ] || return 0
	msg "waiting for the Debian system images and kernels (log: $images_log)"
	# Waited for now: at the check's own priority from here on.
	renice_tree "$(nice)" "$images_pid"
	wait "$images_pid" ||
		msg "the background image build failed (log: $images_log): the system steps build them again"
	images_pid=""
}

# KCIDB's own schema (kcidb-io) accepts the results.kcidb.json $1, and refuses it broken.
kcidb_valid() { # file
	(toolchain_env && "$RESULTS_PYTHON" "$S/check-kcidb.py" "$1")
}

# The fault matrix on the prepared target (run_matrix), its verdicts counted; its
# results.kcidb.json validated.
vm_matrix() { # out runner-args...
	local out=$1 status=0 counts
	run_matrix "$@" || status=$?
	[ -f "$out/results.json" ] || return 1
	kcidb_valid "$out/results.kcidb.json" || status=1
	counts=$("$S/runner.sh" summary "$out/results.json" 2>"$out/not-passed.txt") || status=1
	cat "$out/not-passed.txt" >&2
	mapfile -t -O "${#not_passed[@]}" not_passed <"$out/not-passed.txt"
	read -r p f s <<<"$counts"
	[ -n "${s:-}" ] || return 1
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	counted=1
	# A failing run with nothing counted as failed (cannot happen) still fails once.
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
	[ "$status" -eq 0 ]
}

# The runner under faults (scripts/check-runner-faults.sh): each case counts as a test.
runner_faults() { # arch
	local log="$OUT/runner-faults.log" status=0 p f
	"$S/check-runner-faults.sh" "$1" 2>&1 | tee "$log" >&2 || status=$?
	p=$(grep -c '^panicgen: runner fault .*: ok (' "$log")
	f=$(grep -c '^panicgen: runner fault .*: FAILED' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	counted=1
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
	[ "$status" -eq 0 ]
}

# Builds what kernel target $1 needs on arch $2 (prepare_target); a failed build counts as
# a failed test.
prepare() { # target arch
	local t=$SECONDS
	if PANICGEN_CRASH=$(crash_wanted "$2") prepare_target "$1" "$2"; then
		time_row step "builds and the cache" "prepare $1 $2" $((SECONDS - t)) ok
		return 0
	fi
	time_row step "builds and the cache" "prepare $1 $2" $((SECONDS - t)) failed
	failed=$((failed + 1))
	failures+=("$1 $2 build")
	return 1
}

# The Debian system as its users have it (kdump-tools as shipped, no pstore backend, a
# network, GRUB's command line: scripts/debian/system-stock.sh), run as a user runs an image
# of their own (TARGET=image) with the runner's default time limits: an oops goes to the
# capture kernel before any panic line, and pstore has nothing to keep; each told, not failed.
stock_system() { # arch disk vmlinux
	# TARGET=image's inputs (prepare sets both anew: the kernel and its vmlinux).
	export IMAGE=$2 VMLINUX=$3
	prepare image "$1" || { export -n IMAGE VMLINUX; return 0; }
	export -n IMAGE VMLINUX
	step "image $1 (Debian as its users have it): NULL_DEREF through kdump-tools, its settings' verdict" \
		vm_matrix "$OUT/image/$1-debian-stock" --dump kdump-tools \
		--keep-vmcores failed --contexts process NULL_DEREF || true
}

# One results page for this check's fault matrices (out/index.html), checked as Chromium
# shows it against their results.json; its screenshot is out/index.png.
results_page() {
	local dir="$OUT" sets
	mapfile -t sets < <(result_sets "" && result_sets -system)
	[ ${#sets[@]} -gt 0 ] || { msg "no fault matrix ran: nothing to put on the page"; return 1; }
	"$S/runner.sh" page --out "$dir" "${sets[@]}" &&
		(toolchain_env && "$RESULTS_PYTHON" "$S/check-page.py" "$dir/index.html" \
			"$dir/index.png" "${sets[@]}")
}

# The measured pages from this check's runs, into out/doc (Documentation/ is untouched).
measured_pages() {
	local dir="$OUT/doc"
	"$S/dump-levels-doc.sh" "$dir" && "$S/points-doc.sh" "$dir" || return 1
	msg "to make them Documentation/'s: make dump-levels-doc points-doc"
}
