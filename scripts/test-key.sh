#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's throw-away module signing key: made once per cache, never committed. Its
# PEM (private key and X.509 certificate in one file, as the kernel's MODULE_SIG_KEY takes
# it) is the debug kernels' own signing key, so their builtin keyring trusts it; panicgen.ko
# built for them is signed with it. It proves nothing about who built a module: use your
# own key (Documentation/signing.rst) anywhere it matters.
#
# Usage: test-key.sh   (prints the PEM's path)

. "$(dirname "$0")/lib.sh"

dir="$PANICGEN_CACHE/keys"
pem="$dir/panicgen-test-key.pem"
mkdir -p "$dir"
# One key, made once: callers at the same time (make check's background kernel builds) wait.
exec 9>"$dir/.lock"
flock 9
if [ ! -s "$pem" ]; then
	command -v openssl >/dev/null || die "openssl is missing: run 'make setup'"
	mkdir -p "$dir"
	cat >"$dir/x509.genkey" <<-'CONF'
		[ req ]
		default_bits = 3072
		distinguished_name = req_distinguished_name
		prompt = no
		string_mask = utf8only
		x509_extensions = myexts
		[ req_distinguished_name ]
		O = panicgen
		CN = panicgen throw-away test signing key
		[ myexts ]
		basicConstraints=critical,CA:FALSE
		keyUsage=digitalSignature
		subjectKeyIdentifier=hash
		authorityKeyIdentifier=keyid
	CONF
	openssl req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 -config "$dir/x509.genkey" \
		-outform PEM -out "$dir/cert.pem" -keyout "$dir/key.pem" 2>"$dir/openssl.log" ||
		die "openssl could not make the test key (log: $dir/openssl.log)"
	cat "$dir/key.pem" "$dir/cert.pem" >"$pem.tmp"
	rm -f "$dir/key.pem"
	chmod 600 "$pem.tmp"
	mv "$pem.tmp" "$pem"
	msg "made the project's throw-away module signing key: $pem"
fi
echo "$pem"
