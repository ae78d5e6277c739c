#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's stock kernel for ARCH, ready to build panicgen.ko against and to boot: the newest
# one the archive serves of the series the project supports (found by rule, never pinned),
# its image, modules and headers fetched and unpacked in the release's chroot
# (scripts/debian/chroot.sh), and the headers' missing rust/ metadata regenerated there from
# the matching linux-source with the kernel's own configuration and toolchain
# (scripts/rust-headers.sh). Debian's headers ship no rust/ (no *.rmeta, libmacros.so,
# scripts/target.json), without which no Rust module builds.
#
# Prints shell assignments:
#   DEB_KREL      the kernel release (uname -r), e.g. 7.3.4+deb13-amd64
#   DEB_KVER      the package version, e.g. 7.3.4-1~bpo13+1
#   DEB_IMAGE     the kernel image to boot (host path)
#   DEB_MODULES   its /lib/modules/<release> (host path)
#   DEB_KDIR      the headers directory, as the chroot sees it (module builds run there)
#   DEB_KCONFIG   the kernel's .config (host path)
#   DEB_CHROOT    the chroot
#   DEB_VMLINUX   its DWARF vmlinux (from the -dbg package), for drgn
#
# Usage: kernel.sh ARCH   (x86_64 or arm64)

. "$(dirname "$0")/lib.sh"

karch=$(kernel_arch "${1:-x86_64}")
darch=$(debian_arch "$karch")
chroot_dir=$("$CH" path)

# The package lists, refreshed once a day.
stamp="$chroot_dir/var/lib/apt/lists/.panicgen-updated"
if [ ! -e "$stamp" ] || [ $(($(date +%s) - $(stat -c %Y "$stamp"))) -gt 86400 ]; then
	run_logged "$chroot_dir.log" "package lists of the chroot" in_chroot apt-get update
	touch "$stamp"
fi

# The newest served metapackage version whose series is supported, and its release.
kver=""
while read -r v; do
	series=$(sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p' <<<"$v")
	case " $PANICGEN_SUPPORTED_SERIES " in *" $series "*) kver=$v && break ;; esac
done < <(in_chroot apt-cache madison "linux-image-$darch" |
	awk -F'|' -v a=" $darch Packages" 'index($3, a) { gsub(/ /, "", $2); print $2 }')
[ -n "$kver" ] ||
	die "Debian serves no linux-image-$darch of a supported series ($PANICGEN_SUPPORTED_SERIES) for $darch"
image_pkg=$(in_chroot apt-cache depends "linux-image-$darch:$darch=$kver" |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ :]*\).*/\1/p' | head -n 1)
[ -n "$image_pkg" ] || die "cannot tell which kernel linux-image-$darch $kver depends on"
krel=${image_pkg#linux-image-}
abi=${krel%-"$darch"}
series=$(cut -d. -f1,2 <<<"$abi")

dest="$PANICGEN_CACHE/debian-kernel/$krel-$kver"
kdir="/usr/src/linux-headers-$krel"
# The headers live in the chroot: a new chroot needs them again.
if [ ! -e "$dest/.complete" ] || [ ! -f "$chroot_dir$kdir/.config" ]; then
	msg "Debian kernel $krel ($kver) for $darch: fetching its packages"
	rm -rf "$dest"
	mkdir -p "$dest/root"
	# The image is a metapackage over the binary, its configuration and its modules.
	parts=$(in_chroot apt-cache depends "$image_pkg:$darch=$kver" |
		sed -n "s/^ *Depends: \\(linux-[a-z]*-$abi-[^ :<]*\\).*/\\1/p" | sort -u)
	[ -n "$parts" ] || die "cannot tell the packages of $image_pkg $kver"
	wanted=()
	for p in $parts; do wanted+=("$p:$darch=$kver"); done
	# The headers: the flavour's, the common ones, and kbuild's host programs (for the
	# chroot's own architecture, whatever the kernel's).
	wanted+=("linux-headers-$krel:$darch=$kver" "linux-headers-$abi-common=$kver"
		"linux-kbuild-$abi:amd64=$kver" "linux-source-$series=$kver")
	in_chroot sh -c 'mkdir -p /var/cache/panicgen-debs && cd /var/cache/panicgen-debs && rm -f ./*.deb &&
		apt-get download -q "$@"' sh "${wanted[@]}" >"$dest/fetch.log" 2>&1 ||
		{ cat "$dest/fetch.log" >&2; die "fetching Debian's kernel packages failed"; }
	for deb in "$chroot_dir"/var/cache/panicgen-debs/*.deb; do
		case $(basename "$deb") in
		linux-headers-* | linux-kbuild-* | linux-source-*)
			# Unpacked in the chroot: the headers' links point at its /usr/src, /usr/lib.
			dpkg-deb -x "$deb" "$chroot_dir" ;;
		*) dpkg-deb -x "$deb" "$dest/root" ;;
		esac
	done
	rm -rf "$chroot_dir/var/cache/panicgen-debs"
	touch "$dest/.complete"
fi
[ -f "$chroot_dir$kdir/.config" ] || die "the headers of $krel have no .config ($chroot_dir$kdir)"
modules="$dest/root/usr/lib/modules/$krel"
image=""
for f in "$modules/vmlinuz" "$dest/root/boot/vmlinuz-$krel"; do
	[ -f "$f" ] && image=$f && break
done
[ -n "$image" ] || die "Debian's $krel packages hold no kernel image"

# rust/: made by the kernel's own `make prepare` in the matching source, with the headers'
# configuration and the kernel's compiler, as Debian's build did.
if [ ! -e "$chroot_dir$kdir/rust/.panicgen-complete" ]; then
	tarball=$(find "$chroot_dir/usr/src" -maxdepth 1 -name "linux-source-$series.tar.*" 2>/dev/null |
		sort | head -n 1 || true)
	[ -n "$tarball" ] || die "linux-source-$series $kver holds no source tarball"
	src="/build/linux-source-$series-$kver"
	if [ ! -e "$chroot_dir$src/.complete" ]; then
		rm -rf "${chroot_dir:?}$src"
		mkdir -p "$chroot_dir$src"
		run_logged "$dest/rust.log" "extracting linux-source-$series $kver" \
			tar -xf "$tarball" -C "$chroot_dir$src" --strip-components=1
		touch "$chroot_dir$src/.complete"
	fi
	cp "$PANICGEN_ROOT/scripts/rust-headers.sh" "$chroot_dir/build/"
	run_logged "$dest/rust.log" "regenerating rust/ for $krel (olddefconfig, make prepare, ~2 min)" \
		in_chroot bash /build/rust-headers.sh "$kdir" "$src"
	touch "$chroot_dir$kdir/rust/.panicgen-complete"
fi

# The kernel's DWARF vmlinux, for drgn's reading of the dumps: only that file of the
# -dbg package (1.2 GB, all modules' debug info), read until it is found.
vmlinux="$dest/dbg/usr/lib/debug/lib/modules/$krel/vmlinux"
if [ ! -f "$vmlinux" ]; then
	rm -rf "$dest/dbg"
	mkdir -p "$dest/dbg"
	run_logged "$dest/dbg.log" "fetching $krel's debug symbols (1.2 GB)" \
		in_chroot sh -c 'mkdir -p /var/cache/panicgen-dbg && cd /var/cache/panicgen-dbg &&
			rm -f ./*.deb && apt-get download -q "$1"' sh "linux-image-$krel-dbg:$darch=$kver"
	deb=$(ls "$chroot_dir"/var/cache/panicgen-dbg/*.deb)
	run_logged "$dest/dbg.log" "extracting $krel's vmlinux" \
		sh -c 'dpkg-deb --fsys-tarfile "$1" | tar -x --occurrence=1 -C "$2" "./usr/lib/debug/lib/modules/$3/vmlinux"' \
		sh "$deb" "$dest/dbg" "$krel"
	rm -rf "$chroot_dir/var/cache/panicgen-dbg"
	[ -f "$vmlinux" ] || die "linux-image-$krel-dbg holds no usr/lib/debug/lib/modules/$krel/vmlinux"
fi

printf 'DEB_KREL=%q\nDEB_KVER=%q\nDEB_IMAGE=%q\nDEB_MODULES=%q\n' \
	"$krel" "$kver" "$image" "$modules"
printf 'DEB_KDIR=%q\nDEB_KCONFIG=%q\nDEB_CHROOT=%q\nDEB_VMLINUX=%q\n' \
	"$kdir" "$chroot_dir$kdir/.config" "$chroot_dir" "$vmlinux"
