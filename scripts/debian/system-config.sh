#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Configures panicgen's own flavour of the Debian system image (scripts/debian/image.sh) the
# way an engineer who owns a fleet's crash-dump set-up would, with Debian's own tools and
# files, on top of the system as its users have it (scripts/debian/system-stock.sh): pstore
# over a ramoops region archived by systemd-pstore, panic_on_oops from the command line, the
# panic's notifiers before kdump (so pstore keeps the panic too), and, where makedumpfile
# cannot read the kernel, kdump-tools without it. Runs inside the image's root tree, as root.
# Nothing here is panicgen's.
#
# Usage: system-config.sh KERNEL-RELEASE ARCH
set -euo pipefail
krel=$1 karch=$2

# pstore: the ramoops back end loaded at boot (its region is on the command line, below);
# systemd-pstore archives each record to /var/lib/systemd/pstore.
echo ramoops >/etc/modules-load.d/ramoops.conf
systemctl enable systemd-pstore.service
# Debian orders systemd-pstore only after efi_pstore's modprobe: when ramoops registers after
# its check of /sys/fs/pstore the records stay there, unarchived. After the modules, then.
mkdir -p /etc/systemd/system/systemd-pstore.service.d
printf '[Unit]\nAfter=systemd-modules-load.service\n' \
	>/etc/systemd/system/systemd-pstore.service.d/after-ramoops.conf

# A kernel with arm64's 52-bit virtual addresses and 4K pages (Debian's arm64) is one no
# makedumpfile release reads (its master has the fix, b7587f1): kdump-tools would save an
# empty dump and report it saved. Without makedumpfile, only its Recommends, kdump-tools
# copies /proc/vmcore whole, which drgn and crash read (Documentation/kdump-tools.rst).
if grep -q '^CONFIG_ARM64_VA_BITS_52=y' "/boot/config-$krel" &&
	grep -q '^CONFIG_ARM64_4K_PAGES=y' "/boot/config-$krel"; then
	DEBIAN_FRONTEND=noninteractive apt-get remove -y makedumpfile
fi

# The kernel command line, as update-grub would make it from /etc/default/grub.d: kdump-tools'
# own snippet gives crashkernel=. The system boots from its disk's kernel directly (as a
# libvirt domain with <kernel> and <cmdline> does), so the line is kept in
# /etc/kernel/cmdline, the file kernel-install reads.
GRUB_CMDLINE_LINUX_DEFAULT=""
# shellcheck disable=SC1090 # kdump-tools' file
for f in /etc/default/grub.d/*.cfg; do . "$f"; done
case $karch in
x86_64)
	console=ttyS0
	# A fixed 1 MiB region, reserved (memmap=1M$ADDR), at the same place every boot.
	# (reserve_mem moves with the kernel's physical KASLR placement on x86: the record is
	# lost across the reboot.)
	ramoops='memmap=1M$0x7000000 ramoops.mem_address=0x7000000 ramoops.mem_size=0x100000'
	;;
arm64)
	console=ttyAMA0
	# Reserved by name; arm64 finds it at the same place on the next boot.
	ramoops='reserve_mem=1M:4096:oops ramoops.mem_name=oops'
	;;
esac
# panic_on_oops: an oops is a crash to capture; crash_kexec_post_notifiers: the panic reaches
# pstore before the capture kernel starts (else kdump runs first and pstore gets nothing).
words="root=LABEL=debian-root ro console=$console"
echo "$words $GRUB_CMDLINE_LINUX_DEFAULT $ramoops ramoops.record_size=0x20000 ramoops.ecc=1" \
	"oops=panic crash_kexec_post_notifiers" | tr -s ' ' >/etc/kernel/cmdline
# The capture kernel's command line, set whole: kdump-tools would hand it the running one
# minus crashkernel=, and with x86's memmap= the capture kernel dies before its first line;
# the ramoops region is the next boot's to read, not the capture kernel's.
sed -i "/^#*KDUMP_CMDLINE=/c KDUMP_CMDLINE=\"$words\"" /etc/default/kdump-tools
grep "^KDUMP_CMDLINE=" /etc/default/kdump-tools
cat /etc/kernel/cmdline
