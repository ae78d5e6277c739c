#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The user's own Debian system image, checked and read before anything runs: it must have
# systemd, Debian's kdump-tools enabled and a crashkernel= on its kernel
# command line, the QEMU guest agent (the runner's control channel) and panicgen installed
# from its package (panicgen-dkms or panicgen-modules-<kernel release>). What is missing is
# named with the way to add it, and nothing runs. Its kernel, initramfs, command line
# (/etc/kernel/cmdline, else the first entry of /boot/grub/grub.cfg), .config and panicgen.ko
# are copied out into the cache (keyed by the image's path, size and time). Prints the assignments
# of scripts/debian/image.sh; SYS_VMLINUX is VMLINUX (the kernel's DWARF vmlinux, e.g. from
# its -dbg package), which the user gives.
#
# The image: raw or qcow2, its root file system ext4, on the whole disk or a partition.
#
# Usage: user-image.sh ARCH IMAGE   Environment: VMLINUX

. "$(dirname "$0")/lib.sh"

karch=$(kernel_arch "${1:?usage: user-image.sh ARCH IMAGE}")
image=${2:?usage: user-image.sh ARCH IMAGE}
[ -f "$image" ] || die "IMAGE=$image is not a file"
[ -n "${VMLINUX:-}" ] && [ -f "$VMLINUX" ] ||
	die "IMAGE= needs VMLINUX=<the image kernel's DWARF vmlinux> (Debian: the kernel's -dbg package, usr/lib/debug/lib/modules/<release>/vmlinux)"
command -v debugfs >/dev/null || die "debugfs is missing: run 'make setup' (e2fsprogs)"
image=$(cd "$(dirname "$image")" && pwd)/$(basename "$image")
# (Names and stat lines, not the files: hash_inputs reads a file given by name whole, and the
# image and its vmlinux are gigabytes.)
dir="$PANICGEN_CACHE/user-image/$(hash_inputs "image $image $(stat -c '%s %Y' "$image")" "$karch" \
	"vmlinux $VMLINUX $(stat -c '%s %Y' "$VMLINUX")" "$(cat "$0")")"
# Checked and read before, unchanged since.
[ -f "$dir/vars" ] && exec cat "$dir/vars"
mkdir -p "$dir"

# A raw view of the image (qcow2 is converted once, sparse) and its ext4 root's offset.
raw=$image
# (Every reader of a pipe here reads it all — grep without -q, sed -n 1p for head: under
# pipefail a writer cut off by an early exit fails the test, at random.)
if qemu-img info "$image" 2>/dev/null | grep '^file format: qcow2' >/dev/null; then
	raw="$dir/disk.raw"
	[ -f "$raw" ] || run_logged "$dir/convert.log" "reading the qcow2 image" \
		qemu-img convert -O raw "$image" "$raw"
fi
is_ext4() { # byte offset
	[ "$(od -An -tx2 -j $(($1 + 1080)) -N2 "$raw" | tr -d ' ')" = ef53 ]
}
offset=""
if is_ext4 0; then
	offset=0
else
	command -v sfdisk >/dev/null || die "sfdisk is missing (to find the root partition in $image): run 'make setup' (fdisk)"
	for start in $(sfdisk -J "$raw" 2>/dev/null | sed -n 's/.*"start": *\([0-9]*\).*/\1/p'); do
		is_ext4 $((start * 512)) && offset=$((start * 512)) && break
	done
fi
[ -n "$offset" ] || die "$image holds no ext4 file system (on the disk or a partition): panicgen reads the system's root from it"
fs="$raw?offset=$offset"
has() { debugfs -R "stat $1" "$fs" 2>/dev/null | grep '^Inode:' >/dev/null; }
cat_file() { debugfs -R "cat $1" "$fs" 2>/dev/null; }

missing=()
has /usr/lib/systemd/systemd || missing+=("systemd: apt install systemd-sysv")
has /usr/sbin/kdump-config || missing+=("kdump-tools: apt install kdump-tools")
cat_file /etc/default/kdump-tools | grep '^USE_KDUMP=1' >/dev/null ||
	missing+=("kdump-tools enabled: USE_KDUMP=1 in /etc/default/kdump-tools")
# makedumpfile is kdump-tools' Recommends: without it the whole memory is copied and no
# dmesg file saved, which the runner tells (and advises on Debian's arm64 kernel, which no
# makedumpfile release reads).
has /usr/sbin/qemu-ga || missing+=("the QEMU guest agent, the runner's control channel: apt install qemu-guest-agent")

# The kernel and its command line, as the system boots.
cmdline=$(cat_file /etc/kernel/cmdline | sed -n 1p)
kernel=""
if [ -z "$cmdline" ]; then
	entry=$(cat_file /boot/grub/grub.cfg | awk '$1 == "linux" && !n++ { $1 = ""; print }')
	kernel=$(awk '{ print $1 }' <<<"$entry")
	cmdline=$(cut -d' ' -f3- <<<"$entry")
fi
krel=""
if [ -n "$kernel" ]; then
	krel=${kernel##*/vmlinuz-}
else
	krel=$(debugfs -R "ls /boot" "$fs" 2>/dev/null | tr -s ' ' '\n' | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
fi
[ -n "$krel" ] || missing+=("a kernel in /boot (vmlinuz-<release>)")
[ -n "$cmdline" ] ||
	missing+=("its kernel command line: /etc/kernel/cmdline (or a /boot/grub/grub.cfg entry)")
case " $cmdline " in
*" crashkernel="*) ;;
*) missing+=("crashkernel= on the kernel command line (kdump-tools' /etc/default/grub.d/kdump-tools.cfg has Debian's)") ;;
esac
case $karch in
x86_64) console=ttyS0 ;;
arm64) console=ttyAMA0 ;;
esac
case " $cmdline " in
*" console=$console"*) ;;
*) missing+=("console=$console on the kernel command line: the kernel's messages are read there") ;;
esac
# The whole kernel log on that console: procps sets the console level to 4 at boot, which
# hides the module's trigger line.
case " $cmdline " in
*" ignore_loglevel "*) ;;
*) debugfs -R "ls -p /etc/sysctl.d" "$fs" 2>/dev/null | awk -F/ '$6 ~ /\.conf$/ { print $6 }' |
	while read -r f; do cat_file "/etc/sysctl.d/$f"; done |
	grep -E '^[[:space:]]*kernel\.printk[[:space:]]*=[[:space:]]*([7-9]|1[0-5])' >/dev/null ||
	missing+=("the whole kernel log on the console: kernel.printk = 7 4 1 7 in /etc/sysctl.d/, or ignore_loglevel on the command line") ;;
esac
ko=""
[ -z "$krel" ] || ko=$(debugfs -R "rdump /usr/lib/modules/$krel/updates $dir" "$fs" >/dev/null 2>&1;
	find "$dir/updates" -name 'panicgen.ko*' 2>/dev/null | sed -n 1p)
[ -n "$ko" ] ||
	missing+=("panicgen for ${krel:-its kernel}: apt install ./panicgen-dkms_*.deb (make deb), or panicgen-modules-${krel:-<kernel release>}")
if [ ${#missing[@]} -gt 0 ]; then
	rm -rf "$dir"
	printf 'panicgen: %s lacks:\n' "$image" >&2
	printf '  - %s\n' "${missing[@]}" >&2
	die "add them to the image and run again (nothing was run)"
fi

for f in "vmlinuz-$krel:vmlinuz" "initrd.img-$krel:initrd.img" "config-$krel:config"; do
	debugfs -R "dump /boot/${f%%:*} $dir/${f#*:}" "$fs" >/dev/null 2>&1
	[ -s "$dir/${f#*:}" ] || die "$image has no /boot/${f%%:*}"
done
module_contents "$ko" >"$dir/panicgen.ko"
# What was read is kept; the qcow2's raw copy (gigabytes) is not needed again.
[ "$raw" = "$image" ] || rm -f "$raw"
rm -rf "$dir/updates"
{
	printf 'SYS_DISK=%q\nSYS_KERNEL=%q\nSYS_INITRD=%q\nSYS_CMDLINE=%q\n' \
		"$image" "$dir/vmlinuz" "$dir/initrd.img" "$cmdline"
	printf 'SYS_KREL=%q\nSYS_VMLINUX=%q\nSYS_MODULE=%q\nSYS_KCONFIG=%q\nSYS_LOG=\n' \
		"$krel" "$VMLINUX" "$dir/panicgen.ko" "$dir/config"
} >"$dir/vars.tmp"
mv "$dir/vars.tmp" "$dir/vars"
cat "$dir/vars"
