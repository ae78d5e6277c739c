#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Validate a results.xml against the JUnit schema CI systems read (Jenkins
# xunit's junit-10.xsd, every version make setup fetched), and show that the
# validation can fail: a copy whose first testcase lost its required name must
# be rejected.
#
# Usage: check-junit.sh RESULTS.xml

. "$(dirname "$0")/lib.sh"
toolchain_env

xml=${1:?usage: check-junit.sh RESULTS.xml}
[ -f "$xml" ] || die "$xml does not exist (the runner writes it next to results.json)"
command -v xmllint >/dev/null || die "xmllint missing: run 'make setup' (Debian libxml2-utils)"
schemas=("$JUNIT_XSD_DIR"/junit-10.*.xsd)
[ -f "${schemas[0]}" ] || die "no JUnit schema in $JUNIT_XSD_DIR: run 'make setup'"
broken=$(mktemp)
trap 'rm -f "$broken"' EXIT
sed '0,/<testcase name="[^"]*"/s//<testcase/' "$xml" >"$broken"
for xsd in "${schemas[@]}"; do
	xmllint --noout --schema "$xsd" "$xml" 2>&1 | grep -v ' validates$' >&2 || true
	xmllint --noout --schema "$xsd" "$xml" 2>/dev/null ||
		die "$xml does not validate against $(basename "$xsd") (errors above)"
	if xmllint --noout --schema "$xsd" "$broken" 2>/dev/null; then
		die "a testcase without a name validated against $(basename "$xsd"): the check cannot fail"
	fi
done
msg "$(basename "$(dirname "$xml")")/$(basename "$xml"): valid JUnit XML (${#schemas[@]} schema versions; $(grep -c '<testcase ' "$xml") testcases)"
