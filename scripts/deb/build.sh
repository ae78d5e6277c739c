#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: builds panicgen's Debian packages in a chroot of the release they are for
# (scripts/debian/chroot.sh, PANICGEN_CHROOT=deb) and checks them with that release's
# lintian (any error fails): panicgen-dkms (the module's source for DKMS), panicgen-selftests
# (debian/ here) and, given a module built for one kernel (a foreign architecture's, where
# DKMS cannot build in place), the prebuilt panicgen-modules-<kernel release>
# (scripts/deb/modules.sh). The packages go to OUT (default out/deb).
#
# Usage: build.sh [--modules KO KERNELRELEASE DEBIAN-ARCH] [OUT]
#        build.sh --inputs    prints the hash of what goes into the packages

. "$(dirname "$0")/../lib.sh"

# What the packages are made of: their key in the cache (scripts/debian/image.sh).
inputs() {
	(cd "$PANICGEN_ROOT" && find Kbuild Makefile src selftests scripts/check-kdir.sh \
		scripts/rust-headers.sh scripts/deb -type f | LC_ALL=C sort | xargs sha256sum)
}
if [ "${1:-}" = --inputs ]; then
	hash_inputs "$(inputs)"
	exit 0
fi
ko=""
if [ "${1:-}" = --modules ]; then
	ko=$2 krel=$3 darch=$4
	shift 4
	[ -f "$ko" ] || die "no module at '$ko'"
fi

out=${1:-${PANICGEN_OUT:-$PANICGEN_ROOT/out}/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export PANICGEN_CHROOT=deb
ch="$PANICGEN_ROOT/scripts/debian/chroot.sh"
root=$("$ch" path)

# The version and date: the last commit's (a checkout without git: 0.1.0, now).
version=0.1.0 date=$(date -R)
if stamp=$(git -C "$PANICGEN_ROOT" log -1 --date=format:%Y%m%d --format='%cd.%h' 2>/dev/null); then
	version="0.1.0~git$stamp"
	date=$(git -C "$PANICGEN_ROOT" log -1 --format=%cD)
fi
stage="/build/panicgen-$version"
rm -rf "$root/build"
mkdir -p "$root$stage/scripts/deb"
(cd "$PANICGEN_ROOT" && cp -r Kbuild Makefile src selftests "$root$stage/" &&
	cp scripts/check-kdir.sh scripts/rust-headers.sh "$root$stage/scripts/" &&
	cp scripts/deb/dkms-rust.sh "$root$stage/scripts/deb/" &&
	cp -r scripts/deb/debian "$root$stage/")
cat >"$root$stage/debian/changelog" <<CHANGES
panicgen ($version) unstable; urgency=medium

  * Built from panicgen's checkout.

 -- panicgen developers <panicgen@lists.example.org>  $date
CHANGES
run_logged "$out/build.log" "dpkg-buildpackage (panicgen $version)" \
	"$ch" run sh -c "cd $stage && dpkg-buildpackage -us -uc -b"
if [ -n "$ko" ]; then
	cp "$ko" "$root/build/panicgen.ko"
	cp "$PANICGEN_ROOT/scripts/deb/modules.sh" "$root/build/"
	run_logged "$out/build.log" "panicgen-modules-$krel ($darch)" \
		"$ch" run sh /build/modules.sh /build/panicgen.ko "$krel" "$darch" "$version" \
		"$stage/debian" /build
fi
rm -f "$out"/*.deb
cp "$root"/build/*.deb "$out/"
msg "lintian on the packages"
checked="/build/*.changes${ko:+ /build/panicgen-modules-*.deb}"
"$ch" run sh -c "lintian --fail-on error --info $checked" | tee "$out/lintian.log" >&2 ||
	die "lintian found errors in panicgen's packages (above; also in $out/lintian.log)"
ls "$out"/*.deb
