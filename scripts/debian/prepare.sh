#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Everything a VM run on Debian's stock kernel needs for ARCH: the kernel
# (scripts/debian/kernel.sh), panicgen.ko built the standard way against its headers with its
# own toolchain in the release's chroot (the build's own checks included: it stops if the
# rustc or C compiler is not the kernel's), and the initramfs, which loads the stock kernel's
# modular drivers the guest needs (pvpanic, virtio_blk for the vmcore disk, ramoops) first.
# Prints the shell assignments of scripts/prepare.sh: TARGET KDIR (the headers) IMAGE MODULE
# INITRAMFS KCONFIG VMLINUX.
#
# Usage: prepare.sh ARCH

. "$(dirname "$0")/lib.sh"

karch=$(kernel_arch "${1:-x86_64}")
S="$PANICGEN_ROOT/scripts"
"$S/setup.sh"
vars=$("$S/debian/kernel.sh" "$karch")
eval "$vars"

# The module: the project's sources copied into the chroot, built there.
src="$DEB_CHROOT/build/panicgen-src"
mo="/build/mo-$DEB_KREL"
log="$DEB_CHROOT$mo/build.log"
# Built again only when what it is made of changed: the module's sources, the kernel, the
# chroot (its toolchain).
mapfile -t sources < <(cd "$PANICGEN_ROOT" && find src -type f | sort)
key=$(cd "$PANICGEN_ROOT" && hash_inputs Kbuild Makefile "${sources[@]}" \
	scripts/check-kdir.sh "$DEB_KREL" "$DEB_CHROOT")
if [ "$(cat "$DEB_CHROOT$mo/.key" 2>/dev/null)" != "$key" ] || ! [ -f "$DEB_CHROOT$mo/panicgen.ko" ]; then
	rm -rf "$src" "$DEB_CHROOT$mo"
	mkdir -p "$src/scripts" "$DEB_CHROOT$mo"
	cp -r "$PANICGEN_ROOT/Kbuild" "$PANICGEN_ROOT/Makefile" "$PANICGEN_ROOT/src" "$src/"
	cp "$S/check-kdir.sh" "$src/scripts/"
	if ! in_chroot make -C /build/panicgen-src KDIR="$DEB_KDIR" MO="$mo" modules \
		>"$log" 2>&1; then
		cat "$log" >&2
		die "panicgen.ko did not build against Debian's $DEB_KREL (log above, also in $log)"
	fi
	if grep -E '(^|[^a-z])(warning|error)(\[|:)' "$log" >&2; then
		die "panicgen.ko built with warnings against Debian's $DEB_KREL (see above; full log $log)"
	fi
	echo "$key" >"$DEB_CHROOT$mo/.key"
fi
module="$DEB_CHROOT$mo/panicgen.ko"

# The stock kernel's modules the guest needs (OPTION:module), each after what it depends on;
# built in, or not there at all (Debian's arm64 kernel has no pvpanic), there is nothing to
# load.
# ramoops (and its reed_solomon) is loaded only for pstore runs (--dump pstore).
case $karch in
x86_64) wanted="CONFIG_PVPANIC_MMIO:pvpanic-mmio CONFIG_VIRTIO_BLK:virtio_blk" ;;
arm64) wanted="CONFIG_PVPANIC_PCI:pvpanic-pci CONFIG_VIRTIO_BLK:virtio_blk" ;;
esac
wanted="$wanted CONFIG_PSTORE_RAM:ramoops"
ordered=()
add_module() { # name
	local f dep
	f=$(find "$DEB_MODULES/kernel" -name "$1.ko*" -print -quit)
	[ -n "$f" ] || die "Debian's $DEB_KREL has no module $1"
	case " ${ordered[*]} " in *" $f "*) return 0 ;; esac
	for dep in $(xz -dcf "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_module "$dep"
	done
	ordered+=("$f")
}
for w in $wanted; do
	grep -q "^${w%%:*}=m" "$DEB_KCONFIG" && add_module "${w#*:}"
done
# Its capture initramfs has the release's own makedumpfile and kexec-tools.
guestroot=$("$S/debian/guestroot.sh" "$karch")
initramfs=$(PANICGEN_GUESTROOT=$guestroot "$S/mkinitramfs.sh" "$karch" "$DEB_IMAGE" "$module" \
	"${ordered[@]}")
printf 'TARGET=debian\nKDIR=%q\nIMAGE=%q\nMODULE=%q\nINITRAMFS=%q\nKCONFIG=%q\nVMLINUX=%q\n' \
	"$DEB_CHROOT$DEB_KDIR" "$DEB_IMAGE" "$module" "$initramfs" "$DEB_KCONFIG" "$DEB_VMLINUX"
printf 'DUMPTOOLS=%q\n' "$guestroot"
crash_root "$karch"
