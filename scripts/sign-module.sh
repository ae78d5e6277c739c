#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Sign a module (panicgen.ko) for a kernel that checks module signatures (module.sig_enforce=1,
# lockdown, UEFI Secure Boot), with the kernel's own sign-file: the key's PEM (private key,
# and the certificate too unless CERT names it apart), the kernel's hash
# (CONFIG_MODULE_SIG_HASH, else sha256). A signed module is left as it is. The key must be
# one the kernel trusts: built into it, or enrolled as a MOK (Documentation/signing.rst).
#
# Usage: sign-module.sh MODULE KDIR KEY [CERT]

. "$(dirname "$0")/lib.sh"

module=${1:?usage: sign-module.sh MODULE KDIR KEY [CERT]}
kdir=${2:?usage: sign-module.sh MODULE KDIR KEY [CERT]}
key=${3:?usage: sign-module.sh MODULE KDIR KEY [CERT]}
cert=${4:-$key}
marker='~Module signature appended~'

[ -f "$module" ] || die "no module $module: build it first (make)"
for f in "$key" "$cert"; do
	[ -r "$f" ] || die "cannot read $f: KEY= is the signing key's PEM (and CERT= its certificate, if apart)"
done
if [ "$(tail -c 28 "$module" | head -c 27)" = "$marker" ]; then
	msg "$module is signed already (left as it is; sign an unsigned build to change its key)"
	exit 0
fi
# kbuild's own, else the distribution's linux-kbuild (Debian ships it there, not in headers).
sign_file=""
for f in "$kdir/scripts/sign-file" "$(readlink -f "$kdir")/scripts/sign-file" /usr/lib/linux-kbuild-*/scripts/sign-file; do
	[ -x "$f" ] && { sign_file=$f; break; }
done
[ -n "$sign_file" ] ||
	die "no scripts/sign-file for $kdir: a kernel build tree with CONFIG_MODULE_SIG has it; on Debian, install linux-kbuild-<series>"
hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "$kdir/.config" 2>/dev/null)
"$sign_file" "${hash:-sha256}" "$key" "$cert" "$module" ||
	die "$sign_file could not sign $module with $key"
subject=$(openssl x509 -in "$cert" -noout -subject 2>/dev/null || openssl x509 -inform DER -in "$cert" -noout -subject 2>/dev/null)
msg "signed $module (${hash:-sha256}, ${subject#subject=})"
