#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Everything a VM run needs for ARCH, built or taken from the cache: toolchain,
# kernel, panicgen.ko (with its canary verified in the object code) and the
# initramfs. Prints shell assignments: KDIR IMAGE MODULE INITRAMFS.
#
# Usage: prepare.sh ARCH

. "$(dirname "$0")/lib.sh"

karch=$(kernel_arch "${1:-x86_64}")
S="$PANICGEN_ROOT/scripts"

"$S/setup.sh"
kdir=$("$S/build-kernel.sh" "$karch")
ko=$("$S/build-module.sh" "$karch" "$kdir")
"$S/check-canary.sh" "$karch" "$(dirname "$ko")/src/canary.o"
case $karch in
x86_64) image="$kdir/arch/x86/boot/bzImage" ;;
arm64) image="$kdir/arch/arm64/boot/Image" ;;
esac
extra=()
lkdtm="$kdir/drivers/misc/lkdtm/lkdtm.ko"
[ -f "$lkdtm" ] && extra=(--lkdtm "$lkdtm")
initramfs=$("$S/mkinitramfs.sh" "$karch" "$image" "$ko" "${extra[@]}")
printf 'KDIR=%q\nIMAGE=%q\nMODULE=%q\nINITRAMFS=%q\n' "$kdir" "$image" "$ko" "$initramfs"
