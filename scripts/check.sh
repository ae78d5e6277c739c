#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's tests (`make check`, run by .ci/run). Two sets: the gate (every make check,
# within the budget Documentation/coverage.rst states) and the full set (CHECK=full: the
# gate plus every step marked full_step below, each with its reason; the gate names them
# and their reasons as it passes them). Documentation/coverage.rst says what each proves.
#   1. host unit tests of the runner, the matching rules and the catalog/parser; the
#      generated pages of Documentation/ compared with what the code generates now
#   2. per arch (x86_64, arm64), the debug kernel: every fault in every context plus the
#      in-guest selftest, every fatal run through kdump with its vmcore read by drgn and
#      its log by the capture's makedumpfile (crash: one dump per category of fault on
#      x86_64 in the gate, every dump in the full set); JUnit against its schema; the stock
#      kdump path (no crash_kexec_post_notifiers); host-side dumps (QMP); pstore/ramoops;
#      on the first arch the negative controls, the crash points, lockdown
#      (confidentiality), the soak, LAVA's schema and the runner under faults (the full
#      set: these on both arches, lockdown=integrity, the dump levels, the shards)
#   3. the sanitizer kernel (KASAN, UBSAN) on x86_64: the detectors' reports in every
#      context with the selftest; then made fatal, each vmcore checked
#   4. per arch, the stock Debian kernel (its own toolchain and kdump tools): a sample of
#      every kind in process context (three in hardirq) with the selftest; on the first
#      arch pstore, lockdown and the same system as its users have it (kdump-tools as
#      shipped) through TARGET=image; the full set: every fault, KFENCE, crash points,
#      dump levels and the lab system
#   5. the results page in Chromium, every results.kcidb.json by kcidb-io, rustfmt and
#      clippy, Documentation/ with Sphinx; then where the time went (out/check-times.json)
#
# Usage: check.sh [--host-only]
# Environment: PANICGEN_CHECK (gate or full), PANICGEN_ARCHES (default "x86_64 arm64"),
# PANICGEN_SANITIZER_ARCH (x86_64)

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check-lib.sh"

# crash reads vmcores too (scripts/debian/crash.sh): in the gate, of the host arch's kernels
# (check-lib.sh's crash_wanted), one per category of fault in each matrix; in the full set
# every one.
PANICGEN_CRASH_DUMPS=$(gate_or_full one-per-category all)
export PANICGEN_CRASH_DUMPS
# A sample with every kind the debug kernel has, each category's main faults.
SAMPLE=(BUG NULL_DEREF STACK_CANARY PANIC STACK_OVERFLOW WARN LOCK_ORDER_ABBA SOFTLOCKUP
	REFCOUNT_UNDERFLOW DIVIDE_ERROR)

# The user's-image check needs set-up's tools (sfdisk, qemu-img): after the first build in a
# whole check, which runs set-up on a fresh machine.
user_image() {
	step "a user's system image: accepted with all its parts, refused naming a missing one" \
		"$S/check-user-image.sh" || true
}

# panicgen's debug kernel on arch $1 ($2: 1 on the first arch).
debug_steps() { # arch first
	local arch=$1 first=$2 out="$OUT/debug/$1" on_first="" levels
	kind="guest runs: debug $arch"
	[ "$first" = 1 ] || on_first="the first arch proves it every check"
	# Documentation/targets.rst is generated from this snapshot of the kernel's options.
	step "$arch kernel options are those of Documentation/targets.rst" \
		same_options "$KCONFIG" "$PANICGEN_ROOT/scripts/kconfig/targets/debug-$arch.options" || true
	# Every fault in every context; every fatal run also goes through kdump (from a saved
	# booted guest), its vmcore read by drgn. Passing runs' vmcores are deleted once checked.
	# On the first arch the selftest runs through the kernel's kselftest runner.
	step "$arch fault matrix with kdump" vm_matrix "$out" --dump kdump \
		--keep-vmcores failed ${first:+--kselftest} || true
	step "$arch JUnit XML validates" "$S/check-junit.sh" "$out/results.xml" || true
	# The stock kdump path: an oops enters the capture kernel before panic() prints its line.
	step "$arch stock kdump path (no crash_kexec_post_notifiers): a sample" vm_matrix \
		"$out-stock" --dump kdump --no-post-notifiers --no-selftest --keep-vmcores failed \
		--contexts process,hardirq "${SAMPLE[@]}" || true
	step "$arch host-side dumps (QMP)" vm_matrix "$out-qmp" --dump qmp --no-selftest \
		--keep-vmcores failed --contexts process,hardirq BUG NULL_DEREF PANIC STACK_CANARY || true
	step "$arch pstore capture" vm_matrix "$out-pstore" --dump pstore --no-selftest \
		--contexts process,hardirq BUG NULL_DEREF PANIC || true
	on_first_arch "$on_first" "$arch negative controls" "$S/negative-control.sh" "$arch"
	# shellcheck disable=SC2046 # nothing, or one fault's name
	on_first_arch "$on_first" "$arch crash points ($(gate_or_full BUG 'BUG and NULL_DEREF'))" \
		vm_matrix "$out-points" --dump kdump --no-selftest --keep-vmcores failed --points all \
		BUG $(gate_or_full "" NULL_DEREF)
	# Confidentiality locks all that integrity does, and more: the gate's one level.
	levels=$(gate_or_full confidentiality "integrity confidentiality")
	on_first_arch "$on_first" \
		"$arch lockdown (${levels// /, }): signed panicgen through /dev/panicgen; unsigned refused" \
		env PANICGEN_LOCKDOWN_LEVELS="$levels" "$S/check-lockdown.sh" "$arch"
	on_first_arch "$on_first" \
		"$arch soak: ${PANICGEN_SOAK_CYCLES:-100} load/unload cycles, concurrent writers, kmemleak clean" \
		"$S/soak.sh" "$arch" "${PANICGEN_SOAK_CYCLES:-100}"
	full_step "a measurement for Documentation/dump-levels.rst; every gate dump is read at the runner's level" \
		"$arch dump levels (the runner's level loses nothing)" \
		env PANICGEN_TARGET=debug "$S/dump-levels.sh" "$arch" || true
	[ "$first" = 1 ] || return 0
	full_step "merge is proven on recorded results by the host tests; this is its VM proof" \
		"$arch 2 merged shards equal the unsharded run" "$S/check-shards.sh" "$arch" \
		"$out-shards" || true
	step "$arch LAVA job validates with LAVA's schema" "$S/check-lava.sh" "$arch" \
		"$OUT/lava/$arch" || true
	step "$arch the runner under faults (each case a test)" runner_faults "$arch" || true
}

# A step the gate runs on the first arch only (reason empty: this is the first arch).
on_first_arch() { # reason name command...
	local reason=$1
	shift
	if [ -z "$reason" ]; then step "$@" || true; else full_step "$reason" "$@" || true; fi
}

# The sanitizer kernel (the debug kernel with KASAN and UBSAN's bounds check) on one arch:
# the faults its detectors report, in every context, as the kernel reports them (with the
# selftest), then made fatal (kasan.fault=panic; panic_on_warn=1) with every vmcore checked.
sanitizer_steps() { # arch
	local arch=$1 out="$OUT/sanitizers/$1" contexts=()
	kind="guest runs: sanitizers $arch"
	[ "$CHECK_SET" = full ] || contexts=(--contexts process)
	step "sanitizers $arch kernel options are those of Documentation/targets.rst" \
		same_options "$KCONFIG" "$PANICGEN_ROOT/scripts/kconfig/targets/sanitizers-$arch.options" || true
	step "sanitizers $arch detectors' reports in every context" vm_matrix "$out" \
		--dump kdump --keep-vmcores failed --kinds sanitizer || true
	step "sanitizers $arch the same made fatal, every vmcore checked ($(gate_or_full 'process context' 'every context'))" \
		vm_matrix "$out-fatal" --dump kdump --keep-vmcores failed --no-selftest --fatal-reports \
		--kinds sanitizer "${contexts[@]}" || true
}

# The stock Debian kernel on arch $1 (its own toolchain, rustc 1.85, and its release's kdump
# tools), with the selftest; then the same kernel in a whole Debian system.
debian_steps() { # arch first
	local arch=$1 first=$2 out="$OUT/debian/$1" on_first="" faults=() runs=()
	kind="guest runs: debian $arch"
	[ "$first" = 1 ] || on_first="the first arch proves it every check"
	# The gate: the sample in process context, an oops, a panic and a warning in hardirq.
	if [ "$CHECK_SET" != full ]; then
		faults=("${SAMPLE[@]}")
		runs=(--runs "$(IFS=,; echo "${SAMPLE[*]},BUG-hardirq,PANIC-hardirq,WARN-hardirq")")
	fi
	step "debian $arch kernel options are those of Documentation/targets.rst" \
		same_options "$KCONFIG" "$PANICGEN_ROOT/scripts/kconfig/targets/debian-$arch.options" || true
	step "debian $arch faults with kdump ($(gate_or_full 'a sample of every kind in process context, three in hardirq' 'every fault in process and hardirq context'))" \
		vm_matrix "$out" --dump kdump --keep-vmcores failed --contexts process,hardirq \
		"${runs[@]}" "${faults[@]}" || true
	on_first_arch "$on_first" "debian $arch pstore capture" vm_matrix "$out-pstore" --dump pstore \
		--no-selftest --contexts process,hardirq BUG NULL_DEREF
	on_first_arch "$on_first" \
		"debian $arch lockdown=integrity: the unsigned module refused, lockdown and the fix named" \
		env PANICGEN_TARGET=debian "$S/check-lockdown.sh" "$arch"
	# KFENCE samples an allocation every millisecond: none of its reports may stand in for
	# the kernel's own (the slab faults give sampled objects back).
	full_step "KFENCE's sampling beside the warn faults, a boot option users rarely set" \
		"debian $arch warnings with KFENCE sampling (kfence.sample_interval=1)" \
		vm_matrix "$out-kfence" --dump kdump --keep-vmcores failed --no-selftest \
		--contexts process,hardirq --kinds warn --boot-arg kfence.sample_interval=1 || true
	full_step "the crash points are proven on the debug kernel every check" \
		"debian $arch crash points" vm_matrix "$out-points" --dump kdump \
		--no-selftest --keep-vmcores failed --points all BUG NULL_DEREF || true
	full_step "a measurement for Documentation/dump-levels.rst" \
		"debian $arch dump levels (the runner's level loses nothing)" \
		env PANICGEN_TARGET=debian "$S/dump-levels.sh" "$arch" || true
	system_steps "$arch"
}

# The same kernel in a whole Debian system, panicgen installed from its package: as its users
# have it (every check), and panicgen's lab flavour (pstore, the reboot; the full set).
system_steps() { # arch
	local arch=$1 out="$OUT/debian/$1" minutes="minutes of a whole system under TCG per run"
	kind="guest runs: debian-system $arch"
	if ! system_wanted "$arch"; then
		moved "$minutes; the first arch proves the system every check, and this arch's own kdump tools run on Debian's kernel in the gate" \
			"debian-system and image $arch (Debian as its users have it, and panicgen's flavour)"
		return 0
	fi
	prepare debian-system "$arch" || return 0
	full_step "$minutes; the gate's system run is the stock flavour's" \
		"debian-system $arch BUG and NULL_DEREF-hardirq through kdump-tools, pstore, reboot" \
		vm_matrix "$out-system" --dump kdump-tools --keep-vmcores failed \
		--contexts process,hardirq --runs BUG,NULL_DEREF-hardirq BUG NULL_DEREF || true
	# At kdump-tools' default level the amd64 dump loses stack pages (named, with the
	# change to make); with that change made, nothing may be lost.
	[ "$arch" != x86_64 ] || full_step "$minutes; the advice changes only with kdump-tools' default level" \
		"debian-system $arch with kdump-tools' level as the runner advises (-d 23)" \
		vm_matrix "$out-system-d23" --dump kdump-tools --keep-vmcores failed \
		--makedump-args "-c -d 23" --contexts process BUG || true
	kind="guest runs: image $arch"
	stock_system "$arch" "$SYSTEM_STOCK" "$VMLINUX"
}

# The host's last steps: the pages, the lint, Sphinx.
final_steps() {
	kind="docs and lint"
	full_step "the dump levels and crash points it reads run in the full set" \
		"the measured pages from these runs (out/doc)" measured_pages || true
	step "the results page in Chromium: a cell per run, coloured by its verdict" results_page ||
		true
	[ -n "$first_kdir" ] && { step "rustfmt, clippy, shellcheck" "$S/lint.sh" "$first_kdir" || true; }
}

step "host unit tests (runner, matching rules, catalog, parser)" host_tests || true
# Compared, never written (`make docs` writes them): make check leaves the tree as it was.
step "Documentation/ is what the code generates" "$S/docs.sh" --check || true
[ "${1:-}" != --host-only ] || user_image
first_kdir=""
if [ "${1:-}" != --host-only ]; then
	first=1
	for arch in ${PANICGEN_ARCHES:-x86_64 arm64}; do
		prepare debug "$arch" || continue
		[ -n "$first_kdir" ] || { kind="host"; user_image; }
		start_images
		first_kdir=${first_kdir:-$KDIR}
		debug_steps "$arch" "$first"
		first=""
	done
	arch=${PANICGEN_SANITIZER_ARCH:-x86_64}
	if prepare sanitizers "$arch"; then sanitizer_steps "$arch"; fi
	wait_images
	first=1
	for arch in ${PANICGEN_ARCHES:-x86_64 arm64}; do
		prepare debian "$arch" || continue
		debian_steps "$arch" "$first"
		first=""
	done
	final_steps
else
	kind="docs and lint"
	step "rustfmt, clippy (runner), shellcheck" "$S/lint.sh" || true
fi
kind="docs and lint"
# After the set-up above (it installs Sphinx).
step "Documentation/ builds with Sphinx, no warnings" "$S/docs.sh" --sphinx || true

msg "check finished in $((SECONDS - start)) s"
time_table
if [ "$failed" -ne 0 ]; then
	msg "FAILED: ${failures[*]} (the output above says what each needs)"
	# On stdout too, next to the counts: a CI log cut to its end still names them.
	# (a console's end, as the runner's recap gives it, stays as it is)
	for line in "${not_passed[@]}"; do
		case $line in "    | "*) printf '%s\n' "$line" ;; *) printf 'not passed: %s\n' "$line" ;; esac
	done
fi
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
