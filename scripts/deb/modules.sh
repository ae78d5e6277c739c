#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Builds panicgen-modules-<kernel release>: panicgen.ko prebuilt for one kernel, for
# machines where DKMS cannot build it in place (an image of a foreign architecture, built on
# another machine). Installs the module under updates/ of that kernel and runs depmod; the
# selftest comes from panicgen-selftests. Runs in the packaging chroot (scripts/deb/build.sh).
#
# Usage: modules.sh KO KERNELRELEASE DEBIAN-ARCH VERSION DEBIAN-DIR OUTDIR
set -eu
ko=$1 krel=$2 darch=$3 version=$4 debian=$5 out=$6
pkg="panicgen-modules-$krel"
stage=$(mktemp -d)
chmod 755 "$stage"
trap 'rm -rf "$stage"' EXIT

install -D -m 644 "$ko" "$stage/usr/lib/modules/$krel/updates/panicgen.ko"
doc="$stage/usr/share/doc/$pkg"
install -D -m 644 "$debian/copyright" "$doc/copyright"
gzip -9n <"$debian/changelog" >"$doc/changelog.gz"
chmod 644 "$doc/changelog.gz"
mkdir -p "$stage/DEBIAN"
for script in postinst postrm; do
	cat >"$stage/DEBIAN/$script" <<SCRIPT
#!/bin/sh
set -e
# The kernel's module index, with panicgen in it (or out of it).
if [ -e /usr/lib/modules/$krel/modules.dep ]; then
	depmod -a $krel
fi
SCRIPT
	chmod 755 "$stage/DEBIAN/$script"
done
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: $pkg
Source: panicgen
Version: $version
Architecture: $darch
Maintainer: panicgen developers <panicgen@lists.example.org>
Installed-Size: $size
Depends: linux-image-$krel
Recommends: panicgen-selftests (= $version)
Provides: panicgen-modules
Section: kernel
Priority: optional
Description: crash a Linux kernel on purpose, precisely (module for $krel)
 panicgen is a kernel module, written in Rust, that fires the fault written to
 /sys/kernel/debug/panicgen/trigger, in the context asked for, so that a
 kernel's oops, panic, lockdep and kdump handling can be tested on purpose.
 .
 This package holds the module prebuilt for the kernel $krel, for
 machines where panicgen-dkms cannot build it (no compilers, or an image
 built on a machine of another architecture).
CONTROL
(cd "$stage" && find usr -type f -exec md5sum {} + >DEBIAN/md5sums)
dpkg-deb --root-owner-group --build "$stage" "$out/${pkg}_${version}_$darch.deb"
