#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: builds panicgen's Debian packages in a chroot of the release they are for
# (scripts/debian/chroot.sh, PANICGEN_CHROOT=deb) and checks them with that release's
# lintian (any error fails). Today one package: panicgen-dkms, the module's source for DKMS
# (debian/ here), with the selftest. The packages go to OUT (default out/deb).
#
# Usage: build.sh [OUT]

. "$(dirname "$0")/../lib.sh"

out=${1:-${PANICGEN_OUT:-$PANICGEN_ROOT/out}/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export PANICGEN_CHROOT=deb
ch="$PANICGEN_ROOT/scripts/debian/chroot.sh"
root=$("$ch" path)

# The version: the last commit's date and name (a checkout without git: 0.1.0).
version=0.1.0
if stamp=$(git -C "$PANICGEN_ROOT" log -1 --date=format:%Y%m%d --format='%cd.%h' 2>/dev/null); then
	version="0.1.0~git$stamp"
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

 -- panicgen developers <panicgen@lists.example.org>  $(date -R)
CHANGES
run_logged "$out/build.log" "dpkg-buildpackage (panicgen $version)" \
	"$ch" run sh -c "cd $stage && dpkg-buildpackage -us -uc -b"
cp "$root"/build/*.deb "$out/"
msg "lintian on the packages"
"$ch" run sh -c 'lintian --fail-on error --info /build/*.changes' | tee "$out/lintian.log" >&2 ||
	die "lintian found errors in panicgen's packages (above; also in $out/lintian.log)"
ls "$out"/*.deb
