#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest initramfs for ARCH: static busybox, panicgen.ko, the init,
# the kselftest-style selftests, and for kdump the static kexec loader, the
# kernel image and a capture initramfs (busybox, init, makedumpfile), and the
# kernel's LKDTM module when it has one (the benchmark's peer). Uses the
# kernel's own gen_init_cpio, so no root privileges or device nodes on the host
# are needed. Prints its path.
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
root_var="GUESTROOT_$karch"
groot=${!root_var:-}
[ -d "$groot" ] || die "no makedumpfile tree for $arch ($groot): run 'make setup'"
case $karch in
x86_64) image="$kdir/arch/x86/boot/bzImage" triple=x86_64-linux-gnu ;;
arm64) image="$kdir/arch/arm64/boot/Image" triple=aarch64-linux-gnu ;;
esac
[ -f "$image" ] || die "$image missing: the kernel build in $kdir is incomplete"
outdir=$(dirname "$module")
out="$outdir/initramfs-$karch.cpio"
capture="$outdir/capture-$karch.cpio"

# The static kdump loader (no libc for either arch).
loader="$outdir/kexec-load"
"clang$LLVM_SUFFIX" --target="$triple" -static -nostdlib -ffreestanding -fno-stack-protector \
	-fuse-ld=lld -O2 -Wall -Wextra -Werror -o "$loader" "$guest/kexec-load.c" ||
	die "building the kexec loader for $arch failed"

# A file of the guest tree: the first of the usual library directories holding it.
find_in_root() { # name
	local d
	for d in lib/$triple usr/lib/$triple lib64 lib usr/lib usr/lib64; do
		if [ -e "$groot/$d/$1" ]; then
			readlink -f "$groot/$d/$1"
			return 0
		fi
	done
	die "$1 (needed by makedumpfile) is not in $groot"
}

# makedumpfile, its ELF interpreter and every library it loads, transitively.
dumper_list() {
	local bin="$groot/usr/bin/makedumpfile" interp todo seen="" lib
	interp=$(llvm-readelf$LLVM_SUFFIX -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -n "$interp" ] || die "cannot read makedumpfile's ELF interpreter"
	printf 'dir /usr 0755 0 0\ndir /usr/bin 0755 0 0\ndir /usr/sbin 0755 0 0\n'
	printf 'file /usr/bin/makedumpfile %s 0755 0 0\n' "$bin"
	printf 'dir /lib 0755 0 0\ndir /lib64 0755 0 0\ndir /lib/%s 0755 0 0\n' "$triple"
	printf 'file %s %s 0755 0 0\n' "$interp" "$(find_in_root "$(basename "$interp")")"
	todo=$bin
	while [ -n "$todo" ]; do
		set -- $todo
		todo=""
		for f in "$@"; do
			for lib in $(llvm-readelf$LLVM_SUFFIX -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
				case " $seen " in *" $lib "*) continue ;; esac
				seen="$seen $lib"
				[ "$lib" = "$(basename "$interp")" ] && continue
				printf 'file /lib/%s/%s %s 0755 0 0\n' "$triple" "$lib" "$(find_in_root "$lib")"
				todo="$todo $(find_in_root "$lib")"
			done
		done
	done
}

# What both the test kernel and the capture kernel boot with.
base_list() {
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
	LIST
	dumper_list
}

base_list >"$capture.list"
"$gen" "$capture.list" >"$capture.tmp"
mv "$capture.tmp" "$capture"

{
	base_list
	cat <<-LIST
		file /panicgen.ko $module 0644 0 0
		file /bin/kexec-load $loader 0755 0 0
		dir /capture 0755 0 0
		file /capture/kernel $image 0644 0 0
		file /capture/initramfs.cpio $capture 0644 0 0
		dir /selftests 0755 0 0
	LIST
	for f in "$st"/*; do
		printf 'file /selftests/%s %s 0755 0 0\n' "$(basename "$f")" "$f"
	done
	lkdtm="$kdir/drivers/misc/lkdtm/lkdtm.ko"
	if [ -f "$lkdtm" ]; then
		printf 'file /lkdtm.ko %s 0644 0 0\n' "$lkdtm"
	fi
} >"$out.list"
"$gen" "$out.list" >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
