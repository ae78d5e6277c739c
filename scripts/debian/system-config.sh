#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Configures the Debian system image (scripts/debian/image.sh) the way an engineer who owns a
# fleet's crash-dump set-up would, with Debian's own tools and files. Runs inside the image's
# root tree, as root. Nothing here is panicgen's.
#
# Usage: system-config.sh KERNEL-RELEASE ARCH
set -euo pipefail
krel=$1 karch=$2

echo debian >/etc/hostname
echo 'LABEL=debian-root / ext4 errors=remount-ro 0 1' >/etc/fstab
# The journal kept across boots (journalctl -b -1 after a crash).
mkdir -p /var/log/journal
# The whole kernel log on the serial console, as a lab reads it (procps's
# 10-console-messages.conf sets the console level to 4, which drops everything below
# warnings until an oops raises it).
echo 'kernel.printk = 7 4 1 7' >/etc/sysctl.d/90-console-loglevel.conf
# pstore: the ramoops back end loaded at boot (its region is on the command line, below);
# systemd-pstore archives each record to /var/lib/systemd/pstore.
echo ramoops >/etc/modules-load.d/ramoops.conf
systemctl enable systemd-pstore.service
# Debian orders systemd-pstore only after efi_pstore's modprobe: when ramoops registers after
# its check of /sys/fs/pstore the records stay there, unarchived. After the modules, then.
mkdir -p /etc/systemd/system/systemd-pstore.service.d
printf '[Unit]\nAfter=systemd-modules-load.service\n' \
	>/etc/systemd/system/systemd-pstore.service.d/after-ramoops.conf

# kdump-tools: enabled (debconf said so at installation; checked here). Its capture initrd is
# made by kdump-config at the first boot, as kdump-tools leaves it in a chroot.
grep -q '^USE_KDUMP=1' /etc/default/kdump-tools || sed -i 's/^#*USE_KDUMP=.*/USE_KDUMP=1/' /etc/default/kdump-tools
grep -q '^USE_KDUMP=1' /etc/default/kdump-tools
systemctl enable kdump-tools.service
ls "/boot/vmlinuz-$krel" "/boot/initrd.img-$krel"

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
