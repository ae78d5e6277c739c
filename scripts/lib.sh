# SPDX-License-Identifier: GPL-2.0
# Shared helpers for panicgen's host scripts. Source it, do not run it.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the PANICGEN_ settings below are read by the scripts that source this

set -euo pipefail

PANICGEN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PANICGEN_CACHE=${PANICGEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/panicgen}
# Kernel series the project has checked its Rust code against, newest first.
# A new series is added here on purpose, after its Rust APIs were checked.
PANICGEN_SUPPORTED_SERIES="7.3 7.2"
# The LLVM major version the kernels and the module are built with.
PANICGEN_LLVM=19
# bindgen-cli: kernel 7.3 needs >= 0.71.1; the version is pinned for reproducibility.
PANICGEN_BINDGEN_VERSION=0.73.2

# Cargo's outputs (the runner), in the cache unless CARGO_TARGET_DIR says where.
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PANICGEN_CACHE/cargo-target}

export PANICGEN_ROOT PANICGEN_CACHE CARGO_TARGET_DIR

msg() { printf '%s\n' "panicgen: $*" >&2; }
# An error also goes to PANICGEN_ERRORS (a file; unset: nowhere): make check's recap at its
# end, where a CI log cut in the middle still shows it.
die() {
	printf '%s\n' "panicgen: error: $*" >&2
	[ -z "${PANICGEN_ERRORS:-}" ] || { printf '%s' "$*" | head -c 600 && echo; } >>"$PANICGEN_ERRORS"
	exit 1
}

# A row of make check's time table (PANICGEN_TIMES, a file; unset: nothing), one line
# appended at once so that builds in the background can write beside the steps: where it
# ran (a check step, or work inside one: PANICGEN_TIMES_WHERE, `build` unless the check
# set `background`), what did it (the script: its kind of work), its name, its seconds and
# its status. The runner's `times` reads the file (scripts/runner/src/tools/times.rs).
time_row() { # where script name seconds status [note]
	[ -n "${PANICGEN_TIMES:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >>"$PANICGEN_TIMES"
}

# Map the user-facing arch name to the kernel's ARCH and back.
kernel_arch() {
	case "$1" in
	x86_64) echo x86_64 ;;
	arm64|aarch64) echo arm64 ;;
	*) die "unknown arch '$1' (use x86_64 or arm64)" ;;
	esac
}

# Shell-quoted "KEY=value" lines written by scripts/setup.sh.
toolchain_env() {
	local f="$PANICGEN_CACHE/toolchain.env"
	[ -r "$f" ] || die "toolchain not set up ($f missing): run 'make setup'"
	# shellcheck disable=SC1090
	. "$f"
}

# unstable's crash for ARCH's vmcores (scripts/debian/crash.sh): CRASHROOT= and
# CRASHPROGRAM= lines, when PANICGEN_CRASH=1 (make check sets it; for arm64 dumps on an
# x86_64 host it means a build of crash, minutes the first time). PANICGEN_CRASH_DUMPS
# (all, one-per-fault, one-per-category) says which dumps it reads.
crash_root() { # arch
	[ "${PANICGEN_CRASH:-0}" = 1 ] || return 0
	"$PANICGEN_ROOT/scripts/debian/crash.sh" "$1"
}

# Process $2 and all its descendants to niceness $1 (a process gone meanwhile is skipped).
renice_tree() { # niceness pid
	local c
	renice -n "$1" -p "$2" >/dev/null 2>&1 || return 0
	for c in $(pgrep -P "$2"); do renice_tree "$1" "$c"; done
}

# Print the sha256 of the given files' names and contents plus extra words.
hash_inputs() {
	{
		for f in "$@"; do
			if [ -f "$f" ]; then
				printf '%s\n' "${f#"$PANICGEN_ROOT"/}"
				cat "$f"
			else
				printf '%s\n' "$f"
			fi
		done
	} | sha256sum | cut -c1-16
}

# Run "$@" quietly, its output added to the log $1 under a heading $2, saying every 15 s that
# it still runs; on failure show the log's tail. Its time is a row of make check's table.
run_logged() {
	local log=$1 what=$2
	shift 2
	local start=$SECONDS next=$((SECONDS + 15))
	printf '\n== %s (%s)\n' "$what" "$(date -u +%FT%TZ)" >>"$log"
	"$@" >>"$log" 2>&1 &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if (( SECONDS >= next )); then
			msg "  ... $what: $((SECONDS - start)) s (log: $log)"
			next=$((SECONDS + 15))
		fi
	done
	local script=${0#"$PANICGEN_ROOT"/}
	if ! wait "$pid"; then
		time_row "${PANICGEN_TIMES_WHERE:-build}" "$script" "$what" $((SECONDS - start)) failed
		tail -n 40 "$log" >&2
		die "$what failed after $((SECONDS - start)) s; full log: $log"
	fi
	time_row "${PANICGEN_TIMES_WHERE:-build}" "$script" "$what" $((SECONDS - start)) ok
	msg "  $what: done in $((SECONDS - start)) s"
}

# The Debian mirror the machine already uses for its own release.
system_mirror() {
	local codename uri
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[ -n "$codename" ] || die "cannot tell the Debian release from /etc/os-release"
	# shellcheck disable=SC2016 # apt's format, not the shell's
	uri=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
		awk -v c="$codename" '$1 == c { print $2; exit }')
	if [ -z "$uri" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		# shellcheck disable=SC2016 # apt's format, not the shell's
		uri=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
			awk -v c="$codename" '$1 == c { print $2; exit }')
	fi
	[ -n "$uri" ] || die "no Debian mirror for '$codename' in /etc/apt; configure one and run 'apt-get update'"
	echo "$codename $uri"
}

# Builds (or takes from the cache) what kernel target $1 (debug, sanitizers, debian, user) needs on arch
# $2, and sets TARGET KARCH KDIR IMAGE MODULE INITRAMFS KCONFIG VMLINUX, and SYSTEM SYSTEM_CMDLINE
# for a system target (scripts/prepare.sh;
# TARGET=user reads KERNEL and KDIR from the environment).
prepare_target() { # target arch
	local vars
	# shellcheck disable=SC2034 # KARCH is for run_matrix and the callers
	KARCH=$(kernel_arch "$2") || return 1
	SYSTEM="" SYSTEM_CMDLINE="" SYSTEM_STOCK="" DUMPTOOLS="" CRASHROOT="" CRASHPROGRAM=""
	vars=$(PANICGEN_TARGET=$1 "$PANICGEN_ROOT/scripts/prepare.sh" "$KARCH") || return 1
	eval "$vars"
}

# The one way the scripts run the fault matrix: the runner's `run` on the target that
# prepare_target set up, into directory OUT (the runner claims it, refusing one another
# runner holds, and empties an earlier run's), with the runner's own options and faults
# after it; a system's saved boot is kept in the cache for the next run with the same
# inputs. A negative control overrides MODULE and INITRAMFS for one call
# (MODULE=broken.ko run_matrix ...).
run_matrix() { # out runner-args...
	local out=$1
	shift
	# shellcheck disable=SC2153 # TARGET and the rest: set by prepare_target
	"$PANICGEN_ROOT/scripts/runner.sh" run --target "$TARGET" --arch "$KARCH" --kernel "$IMAGE" \
		--initramfs "$INITRAMFS" --vmlinux "$VMLINUX" --module "$MODULE" --kconfig "$KCONFIG" \
		${SYSTEM:+--system "$SYSTEM" --system-cmdline "$SYSTEM_CMDLINE"} \
		${SYSTEM:+--system-cache "$PANICGEN_CACHE/saved-systems"} \
		${DUMPTOOLS:+--dump-tools "$DUMPTOOLS"} \
		${CRASHROOT:+--crash-root "$CRASHROOT" --crash-program "$CRASHPROGRAM"} \
		${CRASHROOT:+--crash-dumps "${PANICGEN_CRASH_DUMPS:-all}"} --out "$out" "$@"
}

# Writes what "$@" prints to the file $1: all of it, or nothing when the command fails.
write_page() { # file command...
	local file=$1
	shift
	"$@" >"$file.tmp" || { rm -f "$file.tmp"; return 1; }
	mv "$file.tmp" "$file"
}

# The results.json of make check's runs in out/<target>/<arch>$1 that exist, in the
# generated pages' order: debug, then debian; x86_64, then arm64.
result_sets() { # out-dir-suffix
	local target arch f
	for target in debug debian; do
		for arch in x86_64 arm64; do
			f="${PANICGEN_OUT:-$PANICGEN_ROOT/out}/$target/$arch$1/results.json"
			[ -f "$f" ] && echo "$f"
		done
	done
	return 0
}
