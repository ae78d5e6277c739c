// SPDX-License-Identifier: GPL-2.0
/*
 * ARRAY_BOUNDS: a C array indexed one past its end, which UBSAN's bounds check
 * (CONFIG_UBSAN_BOUNDS) sees at the access. In C because Rust checks every
 * index itself (RUST_BOUNDS) and UBSAN instruments only C. The array is the
 * first member of a static structure, so the write lands in the member after
 * it: nothing outside panicgen's own data is touched, and neither KASAN nor
 * anything else sees a fault, only UBSAN, which knows the array's length.
 */
#include <linux/compiler.h>
#include <linux/errno.h>

#include "panicgen.h"

#define PANICGEN_BOUNDS_LEN 4

static struct {
	int values[PANICGEN_BOUNDS_LEN];
	int after;
} bounds;

int panicgen_array_bounds(void)
{
	unsigned int index = PANICGEN_BOUNDS_LEN;

	/* Not a constant to the compiler: the check is made at run time, not refused. */
	OPTIMIZER_HIDE_VAR(index);
	/*
	 * A plain element access: WRITE_ONCE() would take the element's address first, and
	 * one past the end is a valid address in C, so UBSAN would see nothing.
	 */
	bounds.values[index] = 1;
	return READ_ONCE(bounds.after) == 1 ? 0 : -EINVAL;
}
