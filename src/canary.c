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
#include <linux/compiler.h>
#include <linux/array_size.h>
#include <linux/types.h>

#include "panicgen.h"

noinline void panicgen_stack_canary(void)
{
	char buf[16];
	char *p = buf;
	size_t i;

	OPTIMIZER_HIDE_VAR(p);
	/* Run past the end of buf over the canary stored above it. */
	for (i = 0; i < sizeof(buf) + PANICGEN_CANARY_OVERRUN; i++)
		p[i] = 0x5a;
	barrier_data(buf);
}

/*
 * STACK_CANARY_STRONG: an array of longs. Plain -fstack-protector guards only
 * char arrays; -fstack-protector-strong guards every array.
 */
noinline void panicgen_stack_canary_strong(void)
{
	unsigned long words[2];
	unsigned long *p = words;
	size_t i;

	OPTIMIZER_HIDE_VAR(p);
	for (i = 0; i < ARRAY_SIZE(words) + PANICGEN_CANARY_OVERRUN / sizeof(long); i++)
		p[i] = 0x5a5a5a5a5a5a5a5aUL;
	barrier_data(words);
}
