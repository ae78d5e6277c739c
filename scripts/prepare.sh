#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Everything a VM run needs for ARCH on a kernel target, built or taken from the cache:
#   debug   the project's own kernel (tinyconfig + scripts/kconfig, every debug option),
#           built with clang and rustup's rustc; panicgen.ko's canary verified in the
#           object code (the default)
#   sanitizers  the same with KASAN (generic) and UBSAN's bounds check added
#           (scripts/kconfig/sanitizers.config)
#   debian  Debian's stock kernel (scripts/debian/prepare.sh)
#   debian-system  a Debian system running that kernel, with kdump-tools, panicgen
#           installed from its package (scripts/debian/image.sh); also prints SYSTEM (its
#           disk), SYSTEM_CMDLINE and SYSTEM_STOCK (the disk of the same system as its users
#           have it, for TARGET=image)
#   image   the user's own Debian system image: IMAGE=<raw or qcow2> and VMLINUX=<its
#           kernel's DWARF vmlinux>, checked first (scripts/debian/user-image.sh)
#   user    the user's own kernel: KERNEL=<image> and KDIR=<its build tree> (.config,
#           vmlinux, rust/); the module is built with the kernel's own toolchain, which the
#           build checks
# Prints shell assignments: TARGET KDIR IMAGE MODULE INITRAMFS KCONFIG VMLINUX, and for
# panicgen's guests DUMPTOOLS (the tree of the capture's makedumpfile) and, where it runs
# natively, CRASHROOT (unstable's crash).
#
# Usage: prepare.sh ARCH   Environment: PANICGEN_TARGET (debug, sanitizers, debian,
# debian-system, image or user), KERNEL, KDIR (user), IMAGE, VMLINUX (image)

. "$(dirname "$0")/lib.sh"

karch=$(kernel_arch "${1:-x86_64}")
target=${PANICGEN_TARGET:-debug}
S="$PANICGEN_ROOT/scripts"

# The test initramfs, and the assignments, for a kernel built in $1.
finish() { # kdir image module [mkinitramfs options...]
	local kdir=$1 image=$2 ko=$3 initramfs
	shift 3
	initramfs=$("$S/mkinitramfs.sh" "$karch" "$image" "$ko" "$@")
	printf 'TARGET=%q\nKDIR=%q\nIMAGE=%q\nMODULE=%q\nINITRAMFS=%q\nKCONFIG=%q\nVMLINUX=%q\n' \
		"$target" "$kdir" "$image" "$ko" "$initramfs" "$kdir/.config" "$kdir/vmlinux"
	# The capture's makedumpfile, whose --dump-dmesg reads each vmcore's log (mkinitramfs.sh
	# put it in the capture initramfs).
	toolchain_env
	local root_var="GUESTROOT_$karch"
	printf 'DUMPTOOLS=%q\n' "${!root_var}"
	crash_root "$karch"
}

case $target in
debug | sanitizers)
	"$S/setup.sh"
	flavour=()
	[ "$target" = sanitizers ] && flavour=(sanitizers)
	kdir=$("$S/build-kernel.sh" "$karch" "${flavour[@]}")
	ko=$("$S/build-module.sh" "$karch" "$kdir")
	"$S/check-canary.sh" "$karch" "$(dirname "$ko")/src/canary.o"
	case $karch in
	x86_64) image="$kdir/arch/x86/boot/bzImage" ;;
	arm64) image="$kdir/arch/arm64/boot/Image" ;;
	esac
	extra=()
	lkdtm="$kdir/drivers/misc/lkdtm/lkdtm.ko"
	[ -f "$lkdtm" ] && extra=(--lkdtm "$lkdtm")
	finish "$kdir" "$image" "$ko" "${extra[@]}"
	;;
debian)
	"$S/debian/prepare.sh" "$karch"
	;;
debian-system | image)
	"$S/setup.sh"
	if [ "$target" = image ]; then
		[ -n "${IMAGE:-}" ] || die "TARGET=image needs IMAGE=<the system's disk, raw or qcow2> and VMLINUX="
		eval "$("$S/debian/user-image.sh" "$karch" "$IMAGE")"
	else
		eval "$("$S/debian/image.sh" "$karch")"
	fi
	printf 'TARGET=%q\nKDIR=\nIMAGE=%q\nMODULE=%q\nINITRAMFS=%q\nKCONFIG=%q\nVMLINUX=%q\n' \
		"$target" "$SYS_KERNEL" "$SYS_MODULE" "$SYS_INITRD" "$SYS_KCONFIG" "$SYS_VMLINUX"
	printf 'SYSTEM=%q\nSYSTEM_CMDLINE=%q\nSYSTEM_STOCK=%q\n' "$SYS_DISK" "$SYS_CMDLINE" \
		"${SYS_STOCK_DISK:-}"
	;;
user)
	[ -n "${KERNEL:-}" ] && [ -n "${KDIR:-}" ] ||
		die "TARGET=user needs KERNEL=<kernel image> and KDIR=<the kernel's build tree>"
	[ -f "$KERNEL" ] || die "KERNEL=$KERNEL is not a file"
	"$S/setup.sh"
	kdir=$(cd "$KDIR" && pwd)
	mo="$PANICGEN_CACHE/module/user-$(hash_inputs "$kdir" "$kdir/.config")"
	mkdir -p "$mo"
	# No LLVM= or ARCH=: the Makefile takes them from the kernel's configuration.
	make -C "$PANICGEN_ROOT" KDIR="$kdir" MO="$mo" modules >"$mo/build.log" 2>&1 ||
		{ cat "$mo/build.log" >&2; die "panicgen.ko did not build against $kdir (log above)"; }
	finish "$kdir" "$KERNEL" "$mo/panicgen.ko"
	;;
*) die "unknown target '$target' (debug, sanitizers, debian, debian-system, image or user)" ;;
esac
