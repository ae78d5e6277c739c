#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A chroot of the Debian release whose toolchain built Debian's stock kernel, with that
# toolchain (gcc-14, rustc, rust-src, bindgen, pahole, and the arm64 cross compilers), kept in
# the cache. Its compilers need a newer glibc than the host's, so they run only in there;
# nothing of that release is installed on the host. Its packages come from the mirror the
# host's apt already uses. The stock kernel's own packages are fetched inside it too
# (scripts/debian/kernel.sh).
#
# Usage: chroot.sh path            create it if needed, print its directory
#        chroot.sh run CMD [ARG...]  run CMD in it (with /proc and /dev), as root
#        chroot.sh enter DIR CMD [ARG...]  the same in another root tree DIR (a system
#                                          image's, scripts/debian/image.sh)
# Environment: PANICGEN_CHROOT (build: the toolchain above, the default; deb: what
# building and checking panicgen's packages needs; crash: unstable's crash),
# PANICGEN_DEBIAN_RELEASE (default trixie: Debian's 7.x kernels are its backports, built
# with its toolchain; sid for crash)

. "$(dirname "$0")/../lib.sh"

release=${PANICGEN_DEBIAN_RELEASE:-trixie}
case ${PANICGEN_CHROOT:-build} in
# What building a module for (and regenerating rust/ of) Debian's kernel needs.
build)
	packages="ca-certificates make bc bison flex cpio kmod xz-utils zstd openssl libssl-dev
	libelf-dev python3 gcc-14 rustc rust-src bindgen libclang-19-dev dwarves
	gcc-14-aarch64-linux-gnu gcc-14-arm-linux-gnueabihf"
	;;
# What building panicgen's packages, and checking them, needs (make deb).
deb)
	packages="ca-certificates build-essential debhelper dh-dkms dpkg-dev fakeroot lintian"
	;;
# crash, the distributions' vmcore analyser, of the newest release the archive serves
# (unstable's: it needs that release's glibc), run on the vmcores as a second reader.
crash)
	release=${PANICGEN_DEBIAN_RELEASE:-sid}
	packages="crash"
	;;
# What building that crash's source for another architecture's dumps needs (its
# Build-Depends), with the release's sources (scripts/debian/crash.sh).
crash-build)
	release=${PANICGEN_DEBIAN_RELEASE:-sid}
	packages="ca-certificates build-essential dpkg-dev binutils binutils-dev bison gawk flex
	zlib1g-dev libncurses-dev liblzo2-dev libsnappy-dev libzstd-dev texinfo libmpfr-dev
	libgmp-dev pkg-config"
	sources=1
	;;
*) die "no chroot kind '$PANICGEN_CHROOT' (build, deb, crash, crash-build)" ;;
esac
root="$PANICGEN_CACHE/chroot/$release-$(hash_inputs "$release" "$packages")"

create() {
	local uri start=$SECONDS
	command -v debootstrap >/dev/null || die "debootstrap is missing: run 'make setup'"
	[ "$(id -u)" -eq 0 ] || die "building the $release chroot needs root (debootstrap, chroot)"
	read -r _ uri < <(system_mirror)
	rm -rf "$root.tmp"
	mkdir -p "$(dirname "$root")"
	run_logged "$root.log" "debootstrap $release (minbase)" \
		debootstrap --variant=minbase "$release" "$root.tmp" "$uri"
	if [ "$release" = sid ]; then
		printf 'deb %s %s main\n' "$uri" "$release"
		[ -z "${sources:-}" ] || printf 'deb-src %s %s main\n' "$uri" "$release"
	else
		printf 'deb %s %s main\ndeb %s %s-backports main\n' "$uri" "$release" "$uri" "$release"
	fi >"$root.tmp/etc/apt/sources.list"
	# A mirror kept as a snapshot serves Release files past their Valid-Until.
	echo 'Acquire::Check-Valid-Until "false";' >"$root.tmp/etc/apt/apt.conf.d/99panicgen"
	# The arm64 kernel's packages are fetched in here too.
	in_root "$root.tmp" dpkg --add-architecture arm64
	run_logged "$root.log" "$release package lists" in_root "$root.tmp" apt-get update
	# shellcheck disable=SC2086 # a word list
	run_logged "$root.log" "$release packages ($(echo $packages | cut -c1-60)...)" \
		in_root "$root.tmp" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends $packages
	in_root "$root.tmp" apt-get clean
	touch "$root.tmp/.complete"
	mv "$root.tmp" "$root"
	msg "$release chroot ready in $((SECONDS - start)) s: $root"
}

# Runs "$@" in the chroot at $1 with /proc and /dev, in a mount namespace of its own (the
# mounts go with it, whatever happens).
in_root() {
	local dir=$1
	shift
	unshare --mount --propagation private -- sh -c '
		dir=$1; shift
		mount -t proc proc "$dir/proc" && mount --rbind /dev "$dir/dev" &&
			exec chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
				LANG=C.UTF-8 "$@"' sh "$dir" "$@"
}

case ${1:-path} in
path)
	[ -e "$root/.complete" ] || create
	echo "$root"
	;;
run)
	shift
	[ -e "$root/.complete" ] || create
	in_root "$root" "$@"
	;;
enter)
	shift
	[ -d "${1:-}/usr" ] || die "chroot.sh enter: '${1:-}' is no root tree"
	in_root "$@"
	;;
*) die "usage: chroot.sh path | run CMD [ARG...] | enter DIR CMD [ARG...]" ;;
esac
