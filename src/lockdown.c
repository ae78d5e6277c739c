// SPDX-License-Identifier: GPL-2.0
/*
 * Which of panicgen's trigger interfaces this kernel leaves open. security_locked_down()
 * and debugfs_initialized() are inline stubs on kernels without CONFIG_SECURITY or
 * CONFIG_DEBUG_FS, which Rust's bindings cannot call; here both builds work.
 */
#include <linux/debugfs.h>
#include <linux/security.h>

#include "panicgen.h"

int panicgen_debugfs_state(void)
{
	if (!debugfs_initialized())
		return PANICGEN_DEBUGFS_OFF;
	/* fs/debugfs/file.c refuses to open any file that can be written for this reason. */
	if (security_locked_down(LOCKDOWN_DEBUGFS))
		return PANICGEN_DEBUGFS_LOCKED;
	return PANICGEN_DEBUGFS_OPEN;
}

int panicgen_lockdown_level(void)
{
	/*
	 * DEBUGFS is an integrity reason, TRACEFS a confidentiality one (whose notice a
	 * confidentiality kernel prints at boot anyway; kprobes' would mislead: a module's
	 * register_kprobe, at='s, is not refused).
	 */
	if (security_locked_down(LOCKDOWN_TRACEFS))
		return PANICGEN_LOCKDOWN_CONFIDENTIALITY;
	if (security_locked_down(LOCKDOWN_DEBUGFS))
		return PANICGEN_LOCKDOWN_INTEGRITY;
	return PANICGEN_LOCKDOWN_NONE;
}
