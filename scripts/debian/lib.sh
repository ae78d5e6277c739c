# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared by the scripts/debian/ tools (not chroot.sh, which they run). Source it, do not run it.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Debian's name for the architecture $1.
debian_arch() {
	case $(kernel_arch "$1") in
	x86_64) echo amd64 ;;
	arm64) echo arm64 ;;
	esac
}

# Writes the kernel module $1 (.ko, .ko.xz or .ko.zst, as installed) to stdout, uncompressed.
module_contents() { # path
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*) cat "$1" ;;
	esac
}

# The chroot of the stock kernel's release, and commands run in it.
CH="$(dirname "${BASH_SOURCE[0]}")/chroot.sh"
in_chroot() { "$CH" run "$@"; }
