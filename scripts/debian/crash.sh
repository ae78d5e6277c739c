#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# crash, to read ARCH's vmcores on this host, from the newest release the archive serves
# (unstable; it needs that release's glibc, so it runs in a tree of that release, kept in
# the cache, through the tree's own loader). Where ARCH is the host's: unstable's crash
# package. For another ARCH: the same crash source package, with Debian's patches and its
# bundled gdb, built on the host for that target (crash's `make target=ARM64`), so an arm64
# dump is read in seconds instead of minutes under qemu-user. Prints CRASHROOT= (the tree)
# and CRASHPROGRAM= (crash's path in it). Callers wait for each other (a lock).
#
# Usage: crash.sh ARCH   (root: debootstrap, chroot)

. "$(dirname "$0")/../lib.sh"

karch=$(kernel_arch "${1:-x86_64}")
CH="$(dirname "$0")/chroot.sh"
mkdir -p "$PANICGEN_CACHE"
exec 9>"$PANICGEN_CACHE/crash-$karch.lock"
flock 9
if [ "$karch" = "$(kernel_arch "$(uname -m)")" ]; then
	printf 'CRASHROOT=%q\nCRASHPROGRAM=usr/bin/crash\n' "$(PANICGEN_CHROOT=crash "$CH" path)"
	exit 0
fi
case $karch in
arm64) target=ARM64 ;;
*) die "no crash build for $karch dumps on $(uname -m)" ;;
esac
root=$(PANICGEN_CHROOT=crash-build "$CH" path)
program="usr/local/bin/crash-$karch"
if [ ! -x "$root/$program" ]; then
	# The source's bundled gdb is named in its version (9.0.2+~16.3: gdb 16.3).
	run_logged "$root.crash-$karch.log" "building crash for $karch dumps (gdb too: ~15 min)" \
		env PANICGEN_CHROOT=crash-build "$CH" run sh -c '
			set -e
			rm -rf /build && mkdir /build && cd /build
			apt-get source -q crash
			cd crash-*/
			gdb=gdb-$(dpkg-parsechangelog -S Version | sed -n "s/.*+~\([0-9.]*\)-.*/\1/p")
			make -j2 target='"$target"' GDB="$gdb" lzo snappy zstd
			install -s -m 0755 crash /'"$program"'.tmp
			mv /'"$program"'.tmp /'"$program"'
			rm -rf /build'
	[ -x "$root/$program" ] || die "crash for $karch dumps was not built (log: $root.crash-$karch.log)"
fi
printf 'CRASHROOT=%q\nCRASHPROGRAM=%q\n' "$root" "$program"
