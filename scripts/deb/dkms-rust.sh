#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# DKMS's PRE_BUILD for panicgen: Debian's kernel headers leave out the rust/ metadata a Rust
# module is built against. When KDIR lacks it, it is regenerated once, from the matching
# linux-source package (unpacked in a temporary directory, removed after), by
# rust-headers.sh; without that package, this says which one to install.
#
# Usage: dkms-rust.sh KDIR KERNELRELEASE   (DKMS passes ${kernel_source_dir} ${kernelver})
set -eu

kdir=${1:?usage: dkms-rust.sh KDIR KERNELRELEASE}
kver=${2:?usage: dkms-rust.sh KDIR KERNELRELEASE}
here=$(cd "$(dirname "$0")" && pwd)
say() { printf 'panicgen: %s\n' "$*" >&2; }

[ -n "$("$here/rust-headers.sh" --missing "$kdir")" ] || exit 0
series=$(printf '%s\n' "$kver" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
tarball=$(find /usr/src -maxdepth 1 -name "linux-source-$series.tar.*" 2>/dev/null | sort | head -n 1 || true)
if [ -z "$tarball" ]; then
	say "$kdir has no rust/ metadata (Debian's headers leave it out), and it is made from" \
		"the kernel's source: apt install linux-source-$series, then" \
		"dkms build panicgen/<version> -k $kver"
	exit 1
fi
# The source must be the kernel's own version: other metadata would not match the kernel.
want=$(dpkg-query -W -f '${Version}' "linux-headers-$kver" 2>/dev/null || true)
have=$(dpkg-query -W -f '${Version}' "linux-source-$series" 2>/dev/null || true)
if [ -n "$want" ] && [ "$want" != "$have" ]; then
	say "linux-source-$series is $have, the kernel $kver is $want: install" \
		"linux-source-$series=$want"
	exit 1
fi
src=$(mktemp -d /var/tmp/panicgen-linux-source.XXXXXX)
trap 'rm -rf "$src"' EXIT
say "regenerating $kdir/rust/ from $tarball (a few minutes, once per kernel)"
tar -xf "$tarball" -C "$src" --strip-components=1
"$here/rust-headers.sh" "$kdir" "$src"
