#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The user's image check (scripts/debian/user-image.sh) on small images made here, without
# a guest: a system with every part it needs is accepted (as a raw ext4, as qcow2, and on a
# partition; its command line in /etc/kernel/cmdline or GRUB's), giving its kernel release
# and command line; the same system without any one part is refused, naming that part, and
# keeps nothing in the cache.
#
# Usage: check-user-image.sh   (x86_64 parts; runs in a few seconds)

. "$(dirname "$0")/lib.sh"
for tool in qemu-img sfdisk debugfs mkfs.ext4; do
	command -v "$tool" >/dev/null || die "$tool is missing: run 'make setup'"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PANICGEN_CACHE="$work/cache"
krel=7.3.4+deb13-amd64
cmdline="root=LABEL=debian-root ro console=ttyS0 crashkernel=384M-:256M oops=panic"
failures=0

# A system tree with every part, then without the part named $1 (none: all there).
tree() { # part
	local t="$work/tree"
	rm -rf "$t"
	mkdir -p "$t"/{usr/lib/systemd,usr/sbin,usr/bin,etc/default,etc/kernel,etc/sysctl.d,boot} \
		"$t/usr/lib/modules/$krel/updates/dkms"
	[ "$1" = systemd ] || : >"$t/usr/lib/systemd/systemd"
	[ "$1" = kdump-tools ] || : >"$t/usr/sbin/kdump-config"
	[ "$1" = USE_KDUMP ] && echo 'USE_KDUMP=0' >"$t/etc/default/kdump-tools" ||
		echo 'USE_KDUMP=1' >"$t/etc/default/kdump-tools"
	[ "$1" = makedumpfile ] || : >"$t/usr/bin/makedumpfile"
	[ "$1" = qemu-ga ] || : >"$t/usr/sbin/qemu-ga"
	local words=$cmdline
	[ "$1" = crashkernel= ] && words=${words/crashkernel=384M-:256M /}
	[ "$1" = console= ] && words=${words/console=ttyS0 /}
	if [ "$1" = grub ]; then
		# The command line from GRUB's first entry instead.
		mkdir -p "$t/boot/grub"
		printf "menuentry 'Debian GNU/Linux' {\n\tlinux\t/boot/vmlinuz-%s %s\n}\n" \
			"$krel" "$words" >"$t/boot/grub/grub.cfg"
	else
		echo "$words" >"$t/etc/kernel/cmdline"
	fi
	[ "$1" = kernel.printk ] || echo 'kernel.printk = 7 4 1 7' >"$t/etc/sysctl.d/10-console.conf"
	[ "$1" = panicgen ] || echo 'a module' >"$t/usr/lib/modules/$krel/updates/dkms/panicgen.ko"
	if [ "$1" != vmlinuz ]; then
		for f in vmlinuz initrd.img config; do echo "$f" >"$t/boot/$f-$krel"; done
	fi
	echo "$t"
}

ext4() { # tree image [mkfs options...]
	local t=$1 img=$2
	shift 2
	mkfs.ext4 -q -F -L debian-root -d "$t" "$@" "$img" 16M >/dev/null
}

result() { # ok what
	if [ "$1" = 0 ]; then
		printf 'ok: %s\n' "$2"
	else
		printf 'FAILED: %s\n' "$2"
		failures=$((failures + 1))
	fi
}

# Accepted, with the image's release and command line.
accepted() { # image what
	local vars ok=1
	vars=$(VMLINUX="$work/vmlinux" "$PANICGEN_ROOT/scripts/debian/user-image.sh" x86_64 "$1" 2>"$work/err") &&
		(eval "$vars" && [ "$SYS_KREL" = "$krel" ] && [ "$SYS_CMDLINE" = "$cmdline" ] &&
			[ "$(cat "$SYS_MODULE")" = "a module" ]) && ok=0
	[ "$ok" = 0 ] || sed 's/^/    /' "$work/err"
	result "$ok" "$2 is accepted, its kernel $krel and command line read"
}

: >"$work/vmlinux"
ext4 "$(tree none)" "$work/whole.raw"
accepted "$work/whole.raw" "a raw ext4 image"
qemu-img convert -O qcow2 "$work/whole.raw" "$work/whole.qcow2"
accepted "$work/whole.qcow2" "a qcow2 image"
# The root on a partition 1 MiB into the disk.
ext4 "$(tree none)" "$work/part.raw" -E offset=1048576
echo 'start=2048, type=83' | sfdisk -q "$work/part.raw" >/dev/null 2>&1
accepted "$work/part.raw" "an image with its root on a partition"
rm -rf "$PANICGEN_CACHE"
ext4 "$(tree grub)" "$work/grub.raw"
accepted "$work/grub.raw" "an image booted by GRUB (no /etc/kernel/cmdline)"

# kdump-tools' Recommends: without it kdump-tools copies the whole memory (the way around
# makedumpfile on Debian's arm64 kernel).
rm -rf "$PANICGEN_CACHE"
ext4 "$(tree makedumpfile)" "$work/nomdf.raw"
accepted "$work/nomdf.raw" "an image without makedumpfile"

for part in systemd kdump-tools USE_KDUMP qemu-ga crashkernel= console= \
	kernel.printk panicgen vmlinuz; do
	rm -rf "$PANICGEN_CACHE"
	ext4 "$(tree "$part")" "$work/lacks.raw"
	ok=1
	if ! VMLINUX="$work/vmlinux" "$PANICGEN_ROOT/scripts/debian/user-image.sh" x86_64 \
		"$work/lacks.raw" >/dev/null 2>"$work/err"; then
		# Named, and only it (without a kernel, its module cannot be found either);
		# nothing kept.
		named=$(grep -c '^  - ' "$work/err")
		most=1 want=$part
		case $part in
		vmlinuz) want="a kernel in /boot" most=2 ;;
		qemu-ga) want=qemu-guest-agent ;;
		esac
		grep '^  - ' "$work/err" | grep -qF -- "$want" && [ "$named" -le "$most" ] &&
			[ -z "$(ls -A "$PANICGEN_CACHE/user-image" 2>/dev/null)" ] && ok=0
	fi
	[ "$ok" = 0 ] || sed 's/^/    /' "$work/err"
	result "$ok" "an image without $part is refused, naming it"
done
[ "$failures" -eq 0 ] || die "$failures user-image check(s) failed"
