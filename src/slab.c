// SPDX-License-Identifier: GPL-2.0
/*
 * Slab corruption faults: the invalid accesses (write after free, double
 * free, write past the end) happen here in C, never in Rust. Each fault uses a
 * fresh cache with SLUB's debug flags, so CONFIG_SLUB_DEBUG reports it at once
 * without any boot parameter: poison checks when the freed object is handed
 * out again, red-zone checks and double-free checks in kmem_cache_free().
 */
#include <linux/compiler.h>
#include <linux/slab.h>

#include "panicgen.h"

#define PANICGEN_SLAB_FLAGS \
	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)
#define PANICGEN_OBJ_SIZE 64

static struct kmem_cache *new_cache(void)
{
	return kmem_cache_create("panicgen_slab", PANICGEN_OBJ_SIZE, 0, PANICGEN_SLAB_FLAGS,
				 NULL);
}

int panicgen_use_after_free(void)
{
	struct kmem_cache *c = new_cache();
	char *p, *again;

	if (!c)
		return -ENOMEM;
	p = kmem_cache_alloc(c, GFP_ATOMIC);
	if (!p)
		return -ENOMEM;
	kmem_cache_free(c, p);
	OPTIMIZER_HIDE_VAR(p);
	p[8] = 0x5a;
	/* The freed object is the cache's next one: allocating checks its poison. */
	again = kmem_cache_alloc(c, GFP_ATOMIC);
	if (again)
		kmem_cache_free(c, again);
	return 0;
}

int panicgen_double_free(void)
{
	struct kmem_cache *c = new_cache();
	char *p, *keep;

	if (!c)
		return -ENOMEM;
	/* A second live object keeps the slab in use, so the check that fires is the free list's. */
	keep = kmem_cache_alloc(c, GFP_ATOMIC);
	p = kmem_cache_alloc(c, GFP_ATOMIC);
	if (!keep || !p)
		return -ENOMEM;
	kmem_cache_free(c, p);
	OPTIMIZER_HIDE_VAR(p);
	kmem_cache_free(c, p);
	return 0;
}

int panicgen_slab_oob(void)
{
	struct kmem_cache *c = new_cache();
	char *p;

	if (!c)
		return -ENOMEM;
	p = kmem_cache_alloc(c, GFP_ATOMIC);
	if (!p)
		return -ENOMEM;
	OPTIMIZER_HIDE_VAR(p);
	p[PANICGEN_OBJ_SIZE] = 0x5a;
	kmem_cache_free(c, p);
	return 0;
}
