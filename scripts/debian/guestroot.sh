#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The dump tools of the stock kernel's own release for ARCH, for its capture initramfs:
# makedumpfile and kexec-tools (Debian's arm64 kernel has no kexec_file_load, so its capture
# kernel is loaded with kexec_load, which kexec-tools does) with every package they depend on,
# fetched in the release's chroot and unpacked (never installed) into a tree that
# scripts/mkinitramfs.sh copies the programs and their libraries from. Prints its path.
#
# Usage: guestroot.sh ARCH

. "$(dirname "$0")/lib.sh"

karch=$(kernel_arch "${1:-x86_64}")
darch=$(debian_arch "$karch")
chroot_dir=$("$CH" path)
tools="makedumpfile kexec-tools"
# The versions decide the tree: a new makedumpfile in the archive makes a new one.
# shellcheck disable=SC2046,SC2086 # the package names: one word each
pkgs=$(in_chroot apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances $(printf "%s:$darch " $tools) |
	sed -n "s/^\\([a-z0-9][^ :]*\\)\\(:$darch\\)\\{0,1\\}\$/\\1/p" | sort -u)
[ -n "$pkgs" ] || die "cannot list the packages of $tools for $darch"
# shellcheck disable=SC2046,SC2086 # the package names: one word each
vers=$(in_chroot apt-cache policy $(printf "%s:$darch " $pkgs) |
	awk '/^[a-z0-9]/ { p = $1; sub(/:$/, "", p) } /Candidate:/ && $2 != "(none)" { print p "=" $2 }')
root="$PANICGEN_CACHE/guestroot/debian-$darch-$(hash_inputs "$vers")"
if [ ! -e "$root/.complete" ]; then
	rm -rf "$root" "$root.tmp"
	mkdir -p "$root.tmp"
	msg "fetching $tools of the stock kernel's release for $darch"
	# shellcheck disable=SC2086 # a word list
	in_chroot sh -c 'mkdir -p /var/cache/panicgen-guest && cd /var/cache/panicgen-guest &&
		rm -f ./*.deb && apt-get download -q "$@"' sh $vers >"$root.log" 2>&1 ||
		{ cat "$root.log" >&2; die "fetching $tools for $darch failed"; }
	for deb in "$chroot_dir"/var/cache/panicgen-guest/*.deb; do
		dpkg-deb -x "$deb" "$root.tmp"
	done
	rm -rf "$chroot_dir/var/cache/panicgen-guest"
	[ -x "$root.tmp/usr/bin/makedumpfile" ] || die "makedumpfile:$darch has no usr/bin/makedumpfile"
	[ -x "$root.tmp/usr/sbin/kexec" ] || die "kexec-tools:$darch has no usr/sbin/kexec"
	touch "$root.tmp/.complete"
	mv "$root.tmp" "$root"
fi
echo "$root"
