# SPDX-License-Identifier: GPL-2.0
# Shared by the scripts/debian/ tools (not chroot.sh, which they run). Source it, do not run it.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Debian's name for the architecture $1.
debian_arch() {
	case $(kernel_arch "$1") in
	x86_64) echo amd64 ;;
	arm64) echo arm64 ;;
	esac
}

# The chroot of the stock kernel's release, and commands run in it.
CH="$(dirname "${BASH_SOURCE[0]}")/chroot.sh"
in_chroot() { "$CH" run "$@"; }
