// SPDX-License-Identifier: GPL-2.0
/*
 * The one panicgen fault Rust cannot express: the kernel compiles Rust without
 * the stack protector, so the overrun lives in C built with the kernel's
 * CFLAGS (-fstack-protector-strong).
 *
 * Clang deletes stores to a dead local (LKDTM's CORRUPT_STACK survives on
 * clang): the pointer is hidden from the optimiser and the buffer is kept
 * live after the overrun. `make check` verifies the canary check is present in
 * the object code.
 */
#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/array_size.h>
#include <linux/sched.h>
#include <linux/stackprotector.h>
#include <linux/types.h>

#include "panicgen.h"

/*
 * Writes 0x5a over p[0..len) and on past the end, up to and including the first
 * word after it that holds this task's stack canary (at most
 * PANICGEN_CANARY_OVERRUN bytes on): exactly what a run-away copy does to the
 * canary, and no more. The saved registers above the canary stay intact, so
 * the oops and a crash dump still unwind to the function's callers (a fixed
 * overrun clobbers the return address on gcc's layout). No canary found: the
 * buffer alone is written, and the fault honestly shows nothing.
 */
static __always_inline void smash_canary(char *p, size_t len)
{
#if defined(CONFIG_ARM64) && !defined(CONFIG_STACKPROTECTOR_PER_TASK)
	unsigned long canary = __stack_chk_guard;	/* one for all tasks */
#else
	unsigned long canary = current->stack_canary;
#endif
	size_t end = len, i;

	for (i = ALIGN(len, sizeof(long)); i < len + PANICGEN_CANARY_OVERRUN; i += sizeof(long)) {
		if (*(unsigned long *)(p + i) == canary) {
			end = i + sizeof(long);
			break;
		}
	}
	for (i = 0; i < end; i++)
		p[i] = 0x5a;
}

noinline void panicgen_stack_canary(void)
{
	char buf[16];
	char *p = buf;

	OPTIMIZER_HIDE_VAR(p);
	smash_canary(p, sizeof(buf));
	barrier_data(buf);
}

/*
 * STACK_CANARY_STRONG: an array of longs. Plain -fstack-protector guards only
 * char arrays; -fstack-protector-strong guards every array.
 */
noinline void panicgen_stack_canary_strong(void)
{
	unsigned long words[2];
	char *p = (char *)words;

	OPTIMIZER_HIDE_VAR(p);
	smash_canary(p, sizeof(words));
	barrier_data(words);
}
