#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Configures the Debian system image (scripts/debian/image.sh) as its users have it: the
# packages as installed, kdump-tools as shipped (enabled at installation, its MAKEDUMP_ARGS
# and KDUMP_CMDLINE at their defaults), no pstore backend, a wired network through
# systemd-networkd and DHCP, and the kernel command line GRUB's defaults give with the
# serial console added. The one change for panicgen is the one its refusal of an image asks
# for: the whole kernel log on that console. Runs inside the image's root tree, as root.
# scripts/debian/system-config.sh makes panicgen's own flavour on top of this.
#
# Usage: system-stock.sh KERNEL-RELEASE ARCH
set -euo pipefail
krel=$1 karch=$2

echo debian >/etc/hostname
echo 'LABEL=debian-root / ext4 errors=remount-ro 0 1' >/etc/fstab
# The journal kept across boots, where trixie keeps it (its systemd-journald is persistent
# once the directory exists).
mkdir -p /var/log/journal
# The whole kernel log on the serial console (procps's 10-console-messages.conf sets the
# console level to 4, which hides the module's trigger line): what user-image.sh asks for.
echo 'kernel.printk = 7 4 1 7' >/etc/sysctl.d/90-console-loglevel.conf

# A wired network: any Ethernet card, by DHCP, as a cloud or lab VM has it.
mkdir -p /etc/systemd/network
printf '[Match]\nType=ether\n\n[Network]\nDHCP=yes\n' >/etc/systemd/network/20-wired.network
systemctl enable systemd-networkd.service

# kdump-tools: enabled (debconf said so at installation, as its README says to; checked
# here), nothing else set. Its capture initrd is made by kdump-config at the first boot, as
# kdump-tools leaves it in a chroot.
grep -q '^USE_KDUMP=1' /etc/default/kdump-tools || sed -i 's/^#*USE_KDUMP=.*/USE_KDUMP=1/' /etc/default/kdump-tools
grep -q '^USE_KDUMP=1' /etc/default/kdump-tools
systemctl enable kdump-tools.service
ls "/boot/vmlinuz-$krel" "/boot/initrd.img-$krel"

# The kernel command line as update-grub makes it from Debian's /etc/default/grub
# (GRUB_CMDLINE_LINUX_DEFAULT="quiet") with the serial console added to GRUB_CMDLINE_LINUX,
# and the grub.d snippets (kdump-tools' gives crashkernel=). The system boots from its
# disk's kernel directly (as a libvirt domain with <kernel> and <cmdline> does), so the line
# is kept in /etc/kernel/cmdline, the file kernel-install reads.
case $karch in
x86_64) console=ttyS0,115200 ;;
arm64) console=ttyAMA0,115200 ;;
esac
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="console=$console"
# shellcheck disable=SC1090 # kdump-tools' file
for f in /etc/default/grub.d/*.cfg; do . "$f"; done
echo "root=LABEL=debian-root ro $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT" |
	tr -s ' ' >/etc/kernel/cmdline
cat /etc/kernel/cmdline
