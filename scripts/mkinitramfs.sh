#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest initramfs for ARCH: static busybox, panicgen.ko, the init
# and the kselftest-style selftests. Uses the kernel's own gen_init_cpio, so no
# root privileges or device nodes on the host are needed. Prints its path.
#
# Usage: mkinitramfs.sh ARCH KDIR MODULE

. "$(dirname "$0")/lib.sh"
toolchain_env

arch=${1:?usage: mkinitramfs.sh ARCH KDIR MODULE}
kdir=${2:?}
module=${3:?}
karch=$(kernel_arch "$arch")
bb_var="BUSYBOX_$karch"
busybox=${!bb_var}
[ -f "$busybox" ] || die "no busybox for $arch ($busybox): run 'make setup'"
gen="$kdir/usr/gen_init_cpio"
[ -x "$gen" ] || die "$gen missing: the kernel build in $kdir is incomplete"

guest="$PANICGEN_ROOT/scripts/guest"
st="$PANICGEN_ROOT/selftests/panicgen"
out="$(dirname "$module")/initramfs-$karch.cpio"
spec="$out.list"
{
	cat <<-LIST
		dir /dev 0755 0 0
		nod /dev/console 0600 0 0 c 5 1
		dir /proc 0755 0 0
		dir /sys 0755 0 0
		dir /tmp 1777 0 0
		dir /bin 0755 0 0
		dir /sbin 0755 0 0
		file /bin/busybox $busybox 0755 0 0
		slink /bin/sh busybox 0777 0 0
		file /init $guest/init 0755 0 0
		file /panicgen.ko $module 0644 0 0
		dir /selftests 0755 0 0
	LIST
	for f in "$st"/*; do
		printf 'file /selftests/%s %s 0755 0 0\n' "$(basename "$f")" "$f"
	done
} >"$spec"
"$gen" "$spec" >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
