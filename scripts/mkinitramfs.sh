#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest initramfs for ARCH: static busybox, panicgen.ko, the init,
# the kselftest-style selftests (also installed in the kernel's kselftest runner), and for kdump the static kexec loader, the
# kernel image and a capture initramfs (busybox, init, makedumpfile). The
# modules given after the options are loaded first, in that order, by both the
# test and the capture kernel (a distribution kernel's virtio_blk and pvpanic;
# .ko.xz is unpacked here). --lkdtm adds LKDTM's module (the benchmark's peer).
# Uses gen_init_cpio, built from the kernel source once, so no root privileges
# or device nodes on the host are needed. Prints its path (next to MODULE).
#
# Usage: mkinitramfs.sh ARCH IMAGE MODULE [--lkdtm KO] [KO...]

. "$(dirname "$0")/lib.sh"
toolchain_env

usage="usage: mkinitramfs.sh ARCH IMAGE MODULE [--lkdtm KO] [KO...]"
arch=${1:?$usage}
image=${2:?$usage}
module=${3:?$usage}
shift 3
lkdtm=""
if [ "${1:-}" = --lkdtm ]; then
	lkdtm=${2:?$usage}
	shift 2
fi
karch=$(kernel_arch "$arch")
bb_var="BUSYBOX_$karch"
busybox=${!bb_var}
[ -f "$busybox" ] || die "no busybox for $arch ($busybox): run 'make setup'"
[ -f "$image" ] || die "$image missing: the kernel build is incomplete"

# gen_init_cpio, a host program of the kernel source.
gen_src="$KSRC/usr/gen_init_cpio.c"
gen="$PANICGEN_CACHE/tools/gen_init_cpio-$(hash_inputs "$gen_src")"
if [ ! -x "$gen" ]; then
	mkdir -p "$(dirname "$gen")"
	"clang$LLVM_SUFFIX" -O2 -o "$gen.tmp" "$gen_src" || die "building $gen_src failed"
	mv "$gen.tmp" "$gen"
fi

guest="$PANICGEN_ROOT/scripts/guest"
st="$PANICGEN_ROOT/selftests/panicgen"
# The tree makedumpfile (and kexec, if it holds it) come from: the project's (make setup), or
# a distribution kernel's own release's (PANICGEN_GUESTROOT).
root_var="GUESTROOT_$karch"
groot=${PANICGEN_GUESTROOT:-${!root_var:-}}
[ -d "$groot" ] || die "no makedumpfile tree for $arch ($groot): run 'make setup'"
case $karch in
x86_64) triple=x86_64-linux-gnu ;;
arm64) triple=aarch64-linux-gnu ;;
esac
outdir=$(dirname "$module")
out="$outdir/initramfs-$karch.cpio"
capture="$outdir/capture-$karch.cpio"

# The modules to load first, numbered in their order, unpacked if compressed.
rm -rf "$outdir/boot-modules"
mkdir -p "$outdir/boot-modules"
n=0
for ko; do
	n=$((n + 1))
	name=$(printf '%02d-%s' "$n" "$(basename "${ko%.xz}")")
	case $ko in
	*.ko.xz) xz -dc "$ko" >"$outdir/boot-modules/$name" || die "cannot unpack $ko" ;;
	*.ko) cp "$ko" "$outdir/boot-modules/$name" || die "cannot copy $ko" ;;
	*) die "$ko is not a kernel module (.ko or .ko.xz)" ;;
	esac
done

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

# makedumpfile (and kexec, where the tree has it), their ELF interpreter and every library
# they load, transitively.
dumper_list() {
	local bins=(usr/bin/makedumpfile) bin interp todo seen="" lib
	[ -x "$groot/usr/sbin/kexec" ] && bins+=(usr/sbin/kexec)
	interp=$("llvm-readelf$LLVM_SUFFIX" -l "$groot/usr/bin/makedumpfile" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -n "$interp" ] || die "cannot read makedumpfile's ELF interpreter"
	printf 'dir /usr 0755 0 0\ndir /usr/bin 0755 0 0\ndir /usr/sbin 0755 0 0\n'
	for bin in "${bins[@]}"; do
		printf 'file /%s %s 0755 0 0\n' "$bin" "$groot/$bin"
	done
	printf 'dir /lib 0755 0 0\ndir /lib64 0755 0 0\ndir /lib/%s 0755 0 0\n' "$triple"
	printf 'file %s %s 0755 0 0\n' "$interp" "$(find_in_root "$(basename "$interp")")"
	todo=$(printf "$groot/%s " "${bins[@]}")
	while [ -n "$todo" ]; do
		# shellcheck disable=SC2086 # a list of paths without blanks
		set -- $todo
		todo=""
		for f in "$@"; do
			for lib in $("llvm-readelf$LLVM_SUFFIX" -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
				case " $seen " in *" $lib "*) continue ;; esac
				seen="$seen $lib"
				[ "$lib" = "$(basename "$interp")" ] && continue
				printf 'file /lib/%s/%s %s 0755 0 0\n' "$triple" "$lib" "$(find_in_root "$lib")"
				todo="$todo $(find_in_root "$lib")"
			done
		done
	done
}

# The kernel's kselftest runner, installed as `make -C tools/testing/selftests install`
# installs it, with panicgen's collection added by its own Makefile (make install): the
# guest's /kselftest, where run_kselftest.sh -c panicgen runs the selftest.
kselftest_list() {
	local tree="$outdir/kselftest" ks="$KSRC/tools/testing/selftests" f
	rm -rf "$tree"
	mkdir -p "$tree/kselftest"
	cp "$ks/run_kselftest.sh" "$tree/" &&
		cp "$ks"/kselftest/{runner.sh,ktap_helpers.sh,prefix.pl} "$tree/kselftest/" ||
		die "$KSRC has no kselftest runner (tools/testing/selftests/run_kselftest.sh)"
	make -s -C "$st" install KSFT_INSTALL_PATH="$tree" >/dev/null ||
		die "installing panicgen's kselftest collection (selftests/panicgen/Makefile) failed"
	printf 'dir /kselftest 0755 0 0\n'
	(cd "$tree" && find . -mindepth 1 | sort) | while read -r f; do
		f=${f#./}
		if [ -d "$tree/$f" ]; then
			printf 'dir /kselftest/%s 0755 0 0\n' "$f"
		else
			printf 'file /kselftest/%s %s %s 0 0\n' "$f" "$tree/$f" "$(stat -c %a "$tree/$f")"
		fi
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
		dir /modules 0755 0 0
	LIST
	for f in "$outdir"/boot-modules/*.ko; do
		[ -e "$f" ] && printf 'file /modules/%s %s 0644 0 0\n' "$(basename "$f")" "$f"
	done
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
	for f in "$st"/*.sh; do
		printf 'file /selftests/%s %s 0755 0 0\n' "$(basename "$f")" "$f"
	done
	kselftest_list
	if [ -n "$lkdtm" ]; then
		printf 'file /lkdtm.ko %s 0644 0 0\n' "$lkdtm"
	fi
} >"$out.list"
"$gen" "$out.list" >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
