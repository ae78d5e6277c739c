#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the panicgen guest kernel for one arch: tinyconfig + scripts/kconfig
# fragments, LLVM, Rust. The build directory is cached under
# $PANICGEN_CACHE/kbuild, keyed by kernel version, fragments and toolchain.
# A flavour adds its fragment, scripts/kconfig/FLAVOUR.config (sanitizers: the
# sanitizer kernel). The kernel's module signing key is the project's test key
# (scripts/test-key.sh): its builtin keyring trusts panicgen.ko as built for it.
#
# Usage: build-kernel.sh ARCH [FLAVOUR]   (x86_64 or arm64); prints the build directory.

. "$(dirname "$0")/lib.sh"
toolchain_env

arch=${1:?usage: build-kernel.sh x86_64|arm64}
karch=$(kernel_arch "$arch")
frags=("$PANICGEN_ROOT/scripts/kconfig/common.config" "$PANICGEN_ROOT/scripts/kconfig/$karch.config")
if [ -n "${2:-}" ]; then
	[ -f "$PANICGEN_ROOT/scripts/kconfig/$2.config" ] ||
		die "no kernel flavour '$2' (scripts/kconfig/$2.config)"
	frags+=("$PANICGEN_ROOT/scripts/kconfig/$2.config")
fi
sign_key=$("$PANICGEN_ROOT/scripts/test-key.sh")
key=$(hash_inputs "${frags[@]}" "$sign_key" "$KPKGVER" "$TOOLCHAIN_ID")
out="$PANICGEN_CACHE/kbuild/$karch-$KSERIES-$key"

if [ -e "$out/.complete" ]; then
	echo "$out"
	exit 0
fi
# One build per directory: a second caller (another run or check at the same time) waits
# for the first, then takes its result.
mkdir -p "$PANICGEN_CACHE/kbuild"
exec 9>"$out.lock"
flock -n 9 || { msg "waiting for the $arch kernel build already under way in $out"; flock 9; }
if [ -e "$out/.complete" ]; then
	echo "$out"
	exit 0
fi

kmake() {
	make -C "$KSRC" O="$out" ARCH="$karch" LLVM="$LLVM_SUFFIX" \
		RUST_LIB_SRC="$RUST_LIB_SRC" BINDGEN="$BINDGEN" "$@"
}

# Every "CONFIG_X=y" of the fragments must be in the final .config, and every
# "# CONFIG_X is not set" must not be set there.
verify_config() {
	local missing=() line opt
	while read -r line; do
		grep -qx -- "$line" "$out/.config" || missing+=("$line")
	done < <(grep -hE '^CONFIG_[A-Z0-9_]+=' "${frags[@]}")
	while read -r opt; do
		if grep -q "^$opt=" "$out/.config"; then missing+=("# $opt is not set"); fi
	done < <(sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p' "${frags[@]}")
	[ ${#missing[@]} -eq 0 ] && return 0
	printf '  %s\n' "${missing[@]}" >&2
	die "these $karch kernel options did not stick after olddefconfig (a dependency is missing; see 'make O=$out ARCH=$karch menuconfig'): ${missing[*]}"
}

rm -rf "$out"
mkdir -p "$out"
echo "CONFIG_MODULE_SIG_KEY=\"$sign_key\"" >"$out/signing.config"
frags+=("$out/signing.config")
msg "building the $arch kernel (linux-source-$KSERIES $KPKGVER) in $out"
log="$out/build.log"
run_logged "$log" "$arch tinyconfig" kmake tinyconfig
run_logged "$log.merge" "$arch config fragments" \
	"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}"
run_logged "$log.olddefconfig" "$arch olddefconfig" kmake olddefconfig
verify_config
run_logged "$log" "$arch kernel build (several minutes)" kmake -j"$(nproc)" all
kmake -s kernelrelease >"$out/kernelrelease"
touch "$out/.complete"
msg "$arch kernel $(cat "$out/kernelrelease") ready"
echo "$out"
