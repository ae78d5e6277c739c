#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's tests (`make check`, run by .ci/run):
#   1. host unit tests of the runner, the matching rules and the catalog/parser;
#      the generated pages of Documentation/ compared with what the code generates
#      now (make docs writes them; make check writes nothing tracked)
#   2. rustfmt and clippy (the runner; the module with the kernel's CLIPPY=1)
#   3. per arch (x86_64, arm64): build everything, verify the canary in the
#      object code, run every fault in every context plus the in-guest
#      selftest (every fatal run through kdump, each vmcore checked with drgn
#      and its log with the capture's makedumpfile --dump-dmesg), validate
#      results.xml against the JUnit schema, run a sample on the stock kdump path
#      (no crash_kexec_post_notifiers), dump a sample on the host over QMP,
#      keep a sample's panic log with pstore/ramoops, then the negative controls
#      (a broken fault, and a broken capture, must be judged "fail"); lockdown
#      (the signed module through /dev/panicgen under lockdown=integrity and
#      confidentiality, the unsigned one refused and named); the soak (load/unload
#      cycles and concurrent writers with kmemleak on); the
#      dump-level table (BUG saved at the
#      runner's level, unfiltered and at -d 0, 1, 17, 31 from one capture, each
#      read by drgn); on the first arch, run a sample as 2
#      shards and check that the merged shards equal the unsharded run,
#      validate the guest's LAVA job with LAVA's schema, and put the runner
#      under faults (scripts/check-runner-faults.sh: each case a test)
#   4. the sanitizer kernel (KASAN, UBSAN) on x86_64: the faults its detectors report, in
#      every context, with the selftest; then made fatal, each vmcore checked
#   5. per arch, the stock Debian kernel: the module built with the kernel's own
#      toolchain (rustc 1.85, gcc-14) in a trixie chroot, its options snapshot,
#      every fault in process and hardirq context (kdump with the release's
#      own tools) and the selftest, a sample through pstore; its warn faults again with KFENCE sampling;
#      the unsigned module refused under lockdown=integrity, named;
#      then a whole Debian system with that kernel (scripts/debian/image.sh):
#      panicgen from its package, a sample crashed through kdump-tools, pstore and
#      the reboot; and the same system as its users have it (kdump-tools as
#      shipped, no pstore backend, a network) through TARGET=image
#   6. the pages measured by these runs (dump levels, crash points) into out/doc;
#      `make dump-levels-doc points-doc` puts them in Documentation/; the results page of
#      the fault matrices (out/index.html) opened in headless Chromium and checked against
#      their results.json (out/index.png: its screenshot); every run's results.kcidb.json
#      validated by KernelCI's kcidb-io
#   7. Documentation/ built with Sphinx: any warning fails
#
# Usage: check.sh [--host-only]
# Environment: PANICGEN_ARCHES (default "x86_64 arm64"), PANICGEN_SANITIZER_ARCH (x86_64)

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check-lib.sh"

# Every vmcore is read by crash too (scripts/debian/crash.sh).
export PANICGEN_CRASH=1

step "host unit tests (runner, matching rules, catalog, parser)" host_tests || true
# Compared, never written (`make docs` writes them): make check leaves the tree as it was.
step "Documentation/ is what the code generates" "$S/docs.sh" --check || true
# The user's-image check needs set-up's tools (sfdisk, qemu-img): after the first build in a
# whole check, which runs set-up on a fresh machine.
user_image() {
	step "a user's system image: accepted with all its parts, refused naming a missing one" \
		"$S/check-user-image.sh" || true
}
[ "${1:-}" != --host-only ] || user_image
if [ "${1:-}" != --host-only ]; then
	first_kdir=""
	first_run=1
	for arch in ${PANICGEN_ARCHES:-x86_64 arm64}; do
		prepare debug "$arch" || continue
		[ -n "$first_kdir" ] || user_image
		start_images
		first_kdir=${first_kdir:-$KDIR}
		# Documentation/targets.rst is generated from this snapshot of the kernel's options.
		step "$arch kernel options are those of Documentation/targets.rst" \
			same_options "$KCONFIG" "$PANICGEN_ROOT/scripts/kconfig/targets/debug-$arch.options" || true
		out="${PANICGEN_OUT:-$PANICGEN_ROOT/out}/debug/$arch"
		# Every fault in every context; every fatal run also goes through kdump
		# (from a saved booted guest) and its vmcore is checked with drgn.
		# Passing runs' vmcores are deleted once checked (a full matrix keeps
		# ~7 GB otherwise); `make run PANICGEN_DUMP=kdump` keeps them all.
		# On the first arch the selftest runs through the kernel's kselftest runner
		# (run_kselftest.sh -c panicgen), as KernelCI's and LKFT's jobs run it.
		step "$arch fault matrix with kdump" vm_matrix "$out" --dump kdump \
			--keep-vmcores failed ${first_run:+--kselftest} || true
		first_run=""
		step "$arch JUnit XML validates" "$S/check-junit.sh" "$out/results.xml" || true
		# The stock kdump path (no crash_kexec_post_notifiers, as on every stock kdump
		# system): an oops enters the capture kernel before panic() prints its line; a
		# sample of every category and kind, each run expecting what its guest's settings
		# make the kernel print.
		step "$arch stock kdump path (no crash_kexec_post_notifiers): a sample" vm_matrix \
			"$out-stock" --dump kdump --no-post-notifiers --no-selftest --keep-vmcores failed \
			--contexts process,hardirq BUG NULL_DEREF STACK_CANARY PANIC STACK_OVERFLOW WARN \
			LOCK_ORDER_ABBA SOFTLOCKUP REFCOUNT_UNDERFLOW DIVIDE_ERROR || true
		# The host-side path for kernels without kdump, on a sample.
		step "$arch host-side dumps (QMP)" vm_matrix "$out-qmp" --dump qmp --no-selftest \
			--keep-vmcores failed --contexts process,hardirq BUG NULL_DEREF PANIC STACK_CANARY || true
		# Without kdump: the panic's log kept by pstore/ramoops across the reset.
		step "$arch pstore capture" vm_matrix "$out-pstore" --dump pstore --no-selftest \
			--contexts process,hardirq BUG NULL_DEREF PANIC || true
		# BUG and NULL_DEREF fired from every named crash point (at=), each dump
		# showing the hooked function.
		step "$arch crash points" vm_matrix "$out-points" --dump kdump --no-selftest \
			--keep-vmcores failed --points all BUG NULL_DEREF || true
		# One capture at every makedumpfile level that matters, each read by drgn.
		step "$arch dump levels (the runner's level loses nothing)" \
			env PANICGEN_TARGET=debug "$S/dump-levels.sh" "$arch" || true
		step "$arch negative controls" "$S/negative-control.sh" "$arch" || true
		# Locked down: the signed module, both triggers; unsigned, refused and named.
		step "$arch lockdown (integrity, confidentiality): signed panicgen through /dev/panicgen; unsigned refused" \
			"$S/check-lockdown.sh" "$arch" || true
		# Under load with kmemleak (make soak runs 1000 cycles).
		step "$arch soak: ${PANICGEN_SOAK_CYCLES:-100} load/unload cycles, concurrent writers, kmemleak clean" \
			"$S/soak.sh" "$arch" "${PANICGEN_SOAK_CYCLES:-100}" || true
		if [ "$KDIR" = "$first_kdir" ]; then
			step "$arch 2 merged shards equal the unsharded run" "$S/check-shards.sh" "$arch" \
				"$out-shards" || true
			step "$arch LAVA job validates with LAVA's schema" "$S/check-lava.sh" "$arch" \
				"${PANICGEN_OUT:-$PANICGEN_ROOT/out}/lava/$arch" || true
			step "$arch the runner under faults (each case a test)" runner_faults "$arch" || true
		fi
	done
	# The sanitizer kernel (the debug kernel with KASAN and UBSAN's bounds check) on one arch:
	# the faults its detectors report, in every context, as the kernel reports them (with
	# the selftest: the faults file's claims on this kernel), then made fatal
	# (kasan.fault=panic; panic_on_warn=1 for UBSAN) with every vmcore checked.
	arch=${PANICGEN_SANITIZER_ARCH:-x86_64}
	if prepare sanitizers "$arch"; then
		step "sanitizers $arch kernel options are those of Documentation/targets.rst" \
			same_options "$KCONFIG" "$PANICGEN_ROOT/scripts/kconfig/targets/sanitizers-$arch.options" || true
		out="${PANICGEN_OUT:-$PANICGEN_ROOT/out}/sanitizers/$arch"
		step "sanitizers $arch detectors' reports in every context" vm_matrix "$out" \
			--dump kdump --keep-vmcores failed --kinds sanitizer || true
		step "sanitizers $arch the same made fatal, every vmcore checked" vm_matrix "$out-fatal" \
			--dump kdump --keep-vmcores failed --no-selftest --fatal-reports --kinds sanitizer || true
	fi
	# The stock Debian kernel (its own toolchain, rustc 1.85, and its release's kdump
	# tools): every fault in process context and in one deferred context (hardirq), with
	# the in-guest selftest; `make run TARGET=debian` runs its whole matrix.
	wait_images
	for arch in ${PANICGEN_ARCHES:-x86_64 arm64}; do
		prepare debian "$arch" || continue
		step "debian $arch kernel options are those of Documentation/targets.rst" \
			same_options "$KCONFIG" "$PANICGEN_ROOT/scripts/kconfig/targets/debian-$arch.options" || true
		out="${PANICGEN_OUT:-$PANICGEN_ROOT/out}/debian/$arch"
		step "debian $arch faults in process and hardirq context with kdump" vm_matrix "$out" \
			--dump kdump --keep-vmcores failed --contexts process,hardirq || true
		# KFENCE samples an allocation every millisecond: none of its reports may stand in
		# for the kernel's own (the slab faults give sampled objects back).
		step "debian $arch warnings with KFENCE sampling (kfence.sample_interval=1)" \
			vm_matrix "$out-kfence" --dump kdump --keep-vmcores failed --no-selftest \
			--contexts process,hardirq --kinds warn --boot-arg kfence.sample_interval=1 || true
		step "debian $arch pstore capture" vm_matrix "$out-pstore" --dump pstore \
			--no-selftest --contexts process,hardirq BUG NULL_DEREF || true
		step "debian $arch crash points" vm_matrix "$out-points" --dump kdump \
			--no-selftest --keep-vmcores failed --points all BUG NULL_DEREF || true
		step "debian $arch dump levels (the runner's level loses nothing)" \
			env PANICGEN_TARGET=debian "$S/dump-levels.sh" "$arch" || true
		step "debian $arch lockdown=integrity: the unsigned module refused, lockdown and the fix named" \
			env PANICGEN_TARGET=debian "$S/check-lockdown.sh" "$arch" || true
		# The same kernel in a whole Debian system: panicgen installed from its package,
		# each crash through kdump-tools, pstore and the reboot, judged on what the system
		# kept; `make run TARGET=debian-system` runs the rest.
		prepare debian-system "$arch" || continue
		step "debian-system $arch BUG and NULL_DEREF-hardirq through kdump-tools, pstore, reboot" \
			vm_matrix "$out-system" --dump kdump-tools --keep-vmcores failed \
			--contexts process,hardirq --runs BUG,NULL_DEREF-hardirq BUG NULL_DEREF || true
		# At kdump-tools' default level the amd64 dump loses stack pages (named, with the
		# change to make); with that change made, nothing may be lost.
		if [ "$arch" = x86_64 ]; then
			step "debian-system $arch with kdump-tools' level as the runner advises (-d 23)" \
				vm_matrix "$out-system-d23" --dump kdump-tools --keep-vmcores failed \
				--makedump-args "-c -d 23" --contexts process BUG || true
		fi
		stock_system "$arch" "$SYSTEM_STOCK" "$VMLINUX"
	done
	step "the measured pages from these runs (out/doc)" measured_pages || true
	step "the results page in Chromium: a cell per run, coloured by its verdict" results_page ||
		true
	[ -n "$first_kdir" ] && { step "rustfmt + clippy" "$S/lint.sh" "$first_kdir" || true; }
else
	step "rustfmt + clippy (runner)" "$S/lint.sh" || true
fi
# After the set-up above (it installs Sphinx).
step "Documentation/ builds with Sphinx, no warnings" "$S/docs.sh" --sphinx || true

msg "check finished in $((SECONDS - start)) s"
if [ "$failed" -ne 0 ]; then
	msg "FAILED: ${failures[*]} (the output above says what each needs)"
	# On stdout too, next to the counts: a CI log cut to its end still names them.
	[ ${#not_passed[@]} -eq 0 ] || printf 'not passed: %s\n' "${not_passed[@]}"
fi
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
