#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sourced, by the selftest (panicgen.sh) and by the test machine's init: the
# lines the module prints and its listings, matched by the patterns the module
# gives for them in its debugfs "lines" file (from its catalog), never retyped.

PANICGEN_DIR=${PANICGEN_DIR:-/sys/kernel/debug/panicgen}

# The pattern (POSIX ERE) of the module's line LINE, from its lines file: each
# {FIELD:PATTERN} there becomes the VALUE given as FIELD=VALUE, else PATTERN.
# Values are names and numbers, put in as written.
line_pattern() { # line [field=value...]
	lp_line=$1
	shift
	awk -v line="$lp_line" -v given="$*" '
	$1 == line {
		n = split(given, kv, " ")
		for (i = 1; i <= n; i++) {
			eq = index(kv[i], "=")
			value[substr(kv[i], 1, eq - 1)] = substr(kv[i], eq + 1)
		}
		rest = substr($0, length(line) + 2)
		out = ""
		while ((o = index(rest, "{")) > 0) {
			c = index(rest, "}")
			field = substr(rest, o + 1, c - o - 1)
			colon = index(field, ":")
			key = substr(field, 1, colon - 1)
			out = out substr(rest, 1, o - 1)
			out = out ((key in value) ? value[key] : substr(field, colon + 1))
			rest = substr(rest, c + 1)
		}
		print out rest
		found = 1
		exit
	}
	END { if (!found) exit 1 }' "$PANICGEN_DIR/lines"
}

# The trigger this kernel leaves open: the debugfs file, unless lockdown closes it
# (opening it to write fails: fs/debugfs/file.c), else the module's misc device; the
# module's "triggers:" line says which work and why.
panicgen_trigger() {
	if (: >>"$PANICGEN_DIR/trigger") 2>/dev/null; then
		echo "$PANICGEN_DIR/trigger"
	else
		echo /dev/panicgen
	fi
}
