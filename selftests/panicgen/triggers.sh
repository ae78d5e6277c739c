#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2154 # out, DIR: panicgen.sh's, which sources this file
#
# Sourced by the selftest (panicgen.sh --inputs): panicgen's two triggers, the debugfs
# file and /dev/panicgen. The module's "triggers:" line must tell the kernel's lockdown
# level as securityfs does; each trigger it says works must answer as the parser does (a
# bad command: EINVAL and the module's refusal); a debugfs trigger it says lockdown closes
# must be refused by the kernel (EPERM, nothing reaching the module).

# shellcheck disable=SC2034 # panicgen.sh, which sources this, plans with it
TRIGGER_TESTS=2

# The lockdown level in securityfs ("none [integrity] confidentiality"), or none.
lockdown_level() {
	f=/sys/kernel/security/lockdown
	[ -r "$f" ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	if [ -r "$f" ]; then sed -n 's/.*\[\([a-z]*\)\].*/\1/p' "$f"; else echo none; fi
}

# The module's last "triggers:" line in the kernel log.
triggers_line() { dmesg | grep -E -- "$(line_pattern interfaces)" | tail -n 1; }

test_triggers() {
	line=$(triggers_line)
	level=$(lockdown_level)
	debugfs=$(echo "$line" | sed -n 's/.*triggers: debugfs \([a-z]*\),.*/\1/p')
	said=$(echo "$line" | sed -n 's/.*; lockdown \([a-z]*\)$/\1/p')
	if [ -z "$line" ]; then
		ktap_result fail triggers_line "no line matching '$(line_pattern interfaces)' since the module loaded"
	elif [ "$said" != "$level" ]; then
		ktap_result fail triggers_line "the module says lockdown $said, securityfs says $level"
	elif [ "$level" != none ] && [ "$debugfs" != locked ]; then
		ktap_result fail triggers_line "lockdown $level, yet the module says debugfs $debugfs"
	elif [ "$level" = none ] && [ "$debugfs" != works ]; then
		ktap_result fail triggers_line "no lockdown, yet the module says debugfs $debugfs"
	else
		ktap_result ok triggers_line
	fi
	case $debugfs in
	works)
		expect_refused triggers_debugfs_and_device "Invalid argument" sh -c \
			"echo NO_SUCH_FAULT >$DIR/trigger && exit 0; echo NO_SUCH_FAULT >/dev/panicgen"
		;;
	locked)
		# The kernel refuses the debugfs file before panicgen sees it: no refusal of its own.
		mark triggers_debugfs_and_device
		if sh -c "echo NO_SUCH_FAULT >$DIR/trigger" >"$out" 2>&1; then
			ktap_result fail triggers_debugfs_and_device "lockdown $level, yet debugfs took the write"
		elif ! grep -q "Operation not permitted" "$out"; then
			ktap_result fail triggers_debugfs_and_device "debugfs under lockdown: '$(cat "$out")', not EPERM"
		else
			expect_refused triggers_debugfs_and_device "Invalid argument" sh -c \
				"echo NO_SUCH_FAULT >/dev/panicgen"
		fi
		;;
	*)
		expect_refused triggers_debugfs_and_device "Invalid argument" sh -c \
			"echo NO_SUCH_FAULT >/dev/panicgen"
		;;
	esac
}
