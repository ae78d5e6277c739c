#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A real Debian system for ARCH, the kind a kernel developer's test VM or a crash-dump CI
# pipeline runs, built from the archive into the cache: trixie with systemd, Debian's 7.x
# backports kernel (the one scripts/debian/kernel.sh chooses) installed as a package with its
# own initramfs, kdump-tools enabled as its README says (USE_KDUMP=1, its crashkernel=), a
# networkd network, a persistent journal, qemu-guest-agent as the control channel, and
# panicgen installed from its packages (make deb) as the README says: with DKMS where the
# image's architecture is the host's, else the prebuilt modules package for that kernel. In
# two flavours: as its users have it (scripts/debian/system-stock.sh: kdump-tools as
# shipped, no pstore backend, GRUB's command line), and panicgen's own on top of that
# (scripts/debian/system-config.sh: systemd-pstore over a ramoops region, oops=panic,
# crash_kexec_post_notifiers).
#
# The system is built in two layers, each kept and keyed by its inputs: the base (the
# packages; minutes, rebuilt for a new kernel or package list) and the image (the base
# configured, with panicgen's packages installed as a user installs them, then written to a
# raw ext4 disk per flavour). Prints shell assignments:
#   SYS_DISK     panicgen's flavour's raw disk (root file system, label debian-root)
#   SYS_STOCK_DISK  the disk of the system as its users have it (its command line is its
#                /etc/kernel/cmdline, as scripts/debian/user-image.sh reads it)
#   SYS_KERNEL   its kernel, SYS_INITRD its initramfs (copied out of /boot)
#   SYS_CMDLINE  the kernel command line the system boots with (its /etc/kernel/cmdline)
#   SYS_KREL     the kernel release, SYS_VMLINUX its DWARF vmlinux (for drgn)
#   SYS_MODULE   panicgen.ko as installed in the system, SYS_KCONFIG the kernel's .config
#   SYS_LOG      the log of panicgen's installation (DKMS's build included)
#
# Usage: image.sh ARCH   (x86_64 or arm64; root: debootstrap, chroot)

. "$(dirname "$0")/lib.sh"

karch=$(kernel_arch "${1:-x86_64}")
darch=$(debian_arch "$karch")
release=trixie
[ "$(id -u)" -eq 0 ] || die "building the Debian system image needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap is missing: run 'make setup'"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 is missing: run 'make setup' (e2fsprogs)"
eval "$("$(dirname "$0")/kernel.sh" "$karch")"
foreign=""
[ "$darch" = "$(dpkg --print-architecture)" ] || foreign=1

# The system's own packages (without Recommends, so named here: makedumpfile is only
# kdump-tools' Recommends, and without it kdump-tools copies /proc/vmcore whole), from the
# release; the kernel's, from its backports as Debian
# documents (apt install -t trixie-backports linux-image-...), with their dependencies from
# the release wherever the release's versions do.
packages="systemd-sysv udev dbus kmod procps iproute2 less e2fsprogs initramfs-tools zstd
	kdump-tools makedumpfile qemu-guest-agent"
kernel_packages="linux-image-$DEB_KREL"
# DKMS builds on the system itself: the headers, and the kernel's source, of which
# panicgen-dkms regenerates the headers' missing rust/ (the Rust toolchain comes with
# panicgen-dkms's dependencies).
[ -n "$foreign" ] || kernel_packages="$kernel_packages linux-headers-$DEB_KREL dkms
	linux-source-$(cut -d. -f1,2 <<<"$DEB_KREL")"
base="$PANICGEN_CACHE/system/$darch-base-$(hash_inputs "$release" "$DEB_KVER" "$packages" \
	"$kernel_packages")"
config_script="$(dirname "$0")/system-config.sh"
stock_script="$(dirname "$0")/system-stock.sh"

# Lets the kernel run ARCH's programs (maintainer scripts of a foreign image) through
# qemu-user-static, as the host's qemu-user-static package registers it.
foreign_exec() {
	local q=/usr/libexec/qemu-binfmt/aarch64-binfmt-P
	[ -x "$q" ] || die "building an $darch image on $(dpkg --print-architecture) needs qemu-user-static: run 'make setup'"
	[ -e /proc/sys/fs/binfmt_misc/register ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
		die "cannot mount binfmt_misc (needed to run $darch programs while building the image)"
	[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && return 0
	# The magic and mask of qemu-user-static's own binfmt entry; F: the interpreter works in
	# a chroot; P: argv[0] preserved.
	local magic mask
	magic=$(awk '$1 == "magic" { print $2 }' /usr/share/binfmts/qemu-aarch64)
	mask=$(awk '$1 == "mask" { print $2 }' /usr/share/binfmts/qemu-aarch64)
	printf ':qemu-aarch64:M:0:%s:%s:%s:FP' "$magic" "$mask" "$q" >/proc/sys/fs/binfmt_misc/register ||
		die "cannot register qemu-aarch64 with binfmt_misc"
}

enter() { "$(dirname "$0")/chroot.sh" enter "$@"; }

make_base() {
	local tmp="$base.tmp" uri start=$SECONDS log="$base.log"
	read -r _ uri < <(system_mirror)
	rm -rf "$tmp"
	mkdir -p "$(dirname "$base")"
	: >"$log"
	[ -z "$foreign" ] || foreign_exec
	run_logged "$log" "debootstrap $release for $darch (the system image's base)" \
		debootstrap --variant=minbase --arch="$darch" ${foreign:+--foreign} "$release" "$tmp" "$uri"
	[ -z "$foreign" ] || run_logged "$log" "debootstrap's second stage for $darch (emulated)" \
		enter "$tmp" /debootstrap/debootstrap --second-stage
	printf 'deb %s %s main\ndeb %s %s-backports main\n' "$uri" "$release" "$uri" "$release" \
		>"$tmp/etc/apt/sources.list"
	# No service starts in the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/usr/sbin/policy-rc.d"
	run_logged "$log" "$release package lists" enter "$tmp" apt-get update
	# kdump-tools asks whether to enable kdump: yes, as its README says.
	echo 'kdump-tools kdump-tools/use_kdump boolean true' |
		enter "$tmp" debconf-set-selections
	# shellcheck disable=SC2086 # word lists
	run_logged "$log" "installing the system's packages (kdump-tools, qemu-guest-agent, ...)" \
		enter "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends $packages
	# shellcheck disable=SC2086 # a word list
	run_logged "$log" "installing the kernel $DEB_KREL from $release-backports" \
		enter "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends -t "$release-backports" $kernel_packages
	enter "$tmp" apt-get clean
	touch "$tmp/.complete"
	mv "$tmp" "$base"
	msg "$darch system base ready in $((SECONDS - start)) s: $base"
	# Older bases of this architecture (another kernel or package list) go: a gigabyte each.
	for old in "$PANICGEN_CACHE/system/$darch-base-"*; do
		case $old in "$base" | "$base.log") ;; *) rm -rf "$old" ;; esac
	done
}

[ -e "$base/.complete" ] || make_base

# The image: the base with panicgen's packages installed as a user installs them, keyed by
# the base and what the packages are made of.
image="$PANICGEN_CACHE/system/$darch-image-$(hash_inputs "$(basename "$base")" \
	"$(cat "$stock_script" "$config_script")" "$("$PANICGEN_ROOT/scripts/deb/build.sh" --inputs)")"
log="$image/install.log"

# panicgen's packages for this system: DKMS's source, or the module prebuilt here for its
# kernel when the system's architecture is foreign.
make_debs() { # dir
	if [ -z "$foreign" ]; then
		"$PANICGEN_ROOT/scripts/deb/build.sh" "$1" >/dev/null
	else
		prepare_target debian "$karch"
		"$PANICGEN_ROOT/scripts/deb/build.sh" --modules "$MODULE" "$DEB_KREL" "$darch" "$1" >/dev/null
	fi
}

# Installs panicgen's packages in the root tree $1 with apt, exactly as the README says (apt
# install ./panicgen-dkms_*.deb: DKMS builds the module for the system's kernel; then the
# selftests, a Recommends, the same way), and checks the module is where the kernel will look
# for it. One thing a user of a backports kernel may meet, which
# Documentation/debian-system.rst names: installing the kernel with -t <release>-backports can
# upgrade libelf1t64 (pahole's) to backports' version, and then the release's libelf-dev no
# longer installs ("held broken packages").
# That command is then run again with that page's fix (libelf-dev at libelf1t64's own
# version; not -t <release>-backports for everything, which would bring backports' rustc,
# newer than the kernel's, and panicgen-dkms rightly refuses to build with it), and the log
# says so.
install_panicgen() { # tree
	local tree=$1 module
	rm -rf "$tree/tmp/panicgen-debs"
	make_debs "$tree/tmp/panicgen-debs"
	if [ -z "$foreign" ]; then
		module="panicgen-dkms_*.deb"
	else
		module="panicgen-modules-${DEB_KREL}_*.deb"
	fi
	# (In a subshell: a failed step dies, and this one is read first.)
	if ! (apt_install "$tree" "./$module") 2>/dev/null; then
		[ -z "$foreign" ] && grep -q 'libelf-dev : Depends' "$log" ||
			die "apt install ./$module failed in the $darch system (log: $log)"
		msg "apt install ./$module stopped at libelf-dev (held broken packages): again with the fix Documentation/debian-system.rst names"
		apt_install "$tree" "./$module" \
			"libelf-dev=$(enter "$tree" dpkg-query -W -f '${Version}' libelf1t64)"
	fi
	apt_install "$tree" ./panicgen-selftests_*.deb
	[ -n "$foreign" ] || enter "$tree" dkms status >>"$log" 2>&1
	find "$tree/usr/lib/modules/$DEB_KREL/updates" -name 'panicgen.ko*' | tee -a "$log" | grep . >/dev/null ||
		die "no panicgen.ko for $DEB_KREL in the $darch system after the installation (log: $log)"
	rm -rf "$tree/tmp/panicgen-debs" "$tree/usr/sbin/policy-rc.d"
	enter "$tree" apt-get clean
}

# `apt install WORDS...` in the root tree $1, from the directory of panicgen's packages.
apt_install() { # tree words...
	local tree=$1
	shift
	# shellcheck disable=SC2145 # the words, one string for sh -c
	run_logged "$log" "apt install $* in the $darch system$(case $1 in *dkms*) echo ' (DKMS builds the module: minutes)' ;; esac)" \
		enter "$tree" sh -c "cd /tmp/panicgen-debs && env DEBIAN_FRONTEND=noninteractive apt-get install -y $*"
}

# Configures the root tree $1 with the script $2 (run in it), saying $3.
configure() { # tree script what
	cp "$2" "$1/tmp/"
	run_logged "$log" "$3" enter "$1" bash "/tmp/$(basename "$2")" "$DEB_KREL" "$karch"
	rm -f "$1/tmp/$(basename "$2")"
}

# Writes the root tree $1 to the ext4 disk $2, with room for the dumps kdump-tools writes
# to /var/crash (a sparse file).
write_disk() { # tree disk
	local size
	size=$(($(du -sm "$1" | cut -f1) + 3072))
	run_logged "$log" "writing the $darch system's disk $(basename "$2") (${size} MiB ext4, sparse)" \
		mkfs.ext4 -q -L debian-root -d "$1" "$2" "${size}M"
}

# Two flavours of one system, one installation of panicgen: as its users have it
# (stock.raw), then with panicgen's crash-dump set-up on top (disk.raw).
make_image() {
	local tree="$image.tree" start=$SECONDS
	rm -rf "$image" "$tree"
	mkdir -p "$image"
	: >"$log"
	msg "copying the $darch system base"
	cp -a "$base" "$tree"
	rm -f "$tree/.complete"
	[ -z "$foreign" ] || foreign_exec
	configure "$tree" "$stock_script" \
		"configuring the system as its users have it (kdump-tools as shipped, networkd, GRUB's command line)"
	install_panicgen "$tree"
	cp "$tree/boot/vmlinuz-$DEB_KREL" "$image/vmlinuz"
	cp "$tree/boot/initrd.img-$DEB_KREL" "$image/initrd.img"
	cp "$tree/etc/kernel/cmdline" "$image/stock-cmdline"
	# The module as installed (symbols for drgn's reading of the dumps).
	ko=$(find "$tree/usr/lib/modules/$DEB_KREL/updates" -name 'panicgen.ko*' | head -n 1)
	module_contents "$ko" >"$image/panicgen.ko"
	write_disk "$tree" "$image/stock.raw"
	configure "$tree" "$config_script" \
		"panicgen's flavour on top (pstore over ramoops, oops=panic, crash_kexec_post_notifiers)"
	cp "$tree/etc/kernel/cmdline" "$image/cmdline"
	write_disk "$tree" "$image/disk.raw"
	rm -rf "$tree"
	touch "$image/.complete"
	msg "$darch system image ready in $((SECONDS - start)) s: $image"
	# Older images of this architecture (other panicgen sources) go: gigabytes each.
	for old in "$PANICGEN_CACHE/system/$darch-image-"*; do
		[ "$old" = "$image" ] || rm -rf "$old"
	done
}

[ -e "$image/.complete" ] || make_image
printf 'SYS_DISK=%q\nSYS_KERNEL=%q\nSYS_INITRD=%q\nSYS_CMDLINE=%q\nSYS_STOCK_DISK=%q\n' \
	"$image/disk.raw" "$image/vmlinuz" "$image/initrd.img" "$(cat "$image/cmdline")" \
	"$image/stock.raw"
printf 'SYS_KREL=%q\nSYS_VMLINUX=%q\nSYS_MODULE=%q\nSYS_KCONFIG=%q\nSYS_LOG=%q\n' \
	"$DEB_KREL" "$DEB_VMLINUX" "$image/panicgen.ko" "$DEB_KCONFIG" "$log"
