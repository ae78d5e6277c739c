// SPDX-License-Identifier: GPL-2.0
/*
 * Slab corruption faults: the invalid accesses (write after free, double
 * free, write past the end) happen here in C, never in Rust. The faults use a
 * cache with SLUB's debug flags, so CONFIG_SLUB_DEBUG reports each at once
 * without any boot parameter: poison checks when the freed object is handed
 * out again, red-zone checks and double-free checks in kmem_cache_free().
 *
 * The cache is made once, at load: kmem_cache_create() sleeps, and the faults
 * run in any context (a hardirq, with interrupts off). It is destroyed at
 * unload only if no fault used it. Where SLUB found a corruption it keeps the
 * slab marked in use, or the object not freed, and destroying the cache would
 * then warn that objects remain: such a cache stays, as the kernel keeps any
 * corrupt cache. Loaded again, panicgen makes a new one (debugfs then says
 * "'panicgen_slab' already exists in 'slab'"), and the faults report as before.
 */
#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kfence.h>
#include <linux/slab.h>

#include "panicgen.h"

#define PANICGEN_SLAB_FLAGS \
	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)
#define PANICGEN_OBJ_SIZE 64

static struct kmem_cache *cache;
/* Set by the first fault that uses the cache. */
static atomic_t used = ATOMIC_INIT(0);

int panicgen_slab_init(void)
{
	cache = kmem_cache_create("panicgen_slab", PANICGEN_OBJ_SIZE, 0, PANICGEN_SLAB_FLAGS,
				  NULL);
	return cache ? 0 : -ENOMEM;
}

void panicgen_slab_exit(void)
{
	if (!atomic_read(&used))
		kmem_cache_destroy(cache);
}

/*
 * An object of the cache's own slabs. A KFENCE kernel (Debian's) hands out one
 * sampled allocation of its own pool now and then, and KFENCE, not SLUB, would
 * then report the fault: such an object is given back once another is had (the
 * sampling takes one allocation per interval, so the next is SLUB's).
 */
static void *alloc_slub(struct kmem_cache *c)
{
	void *p = kmem_cache_alloc(c, GFP_ATOMIC);
	void *sampled;

	if (!p || !is_kfence_address(p))
		return p;
	sampled = p;
	p = kmem_cache_alloc(c, GFP_ATOMIC);
	kmem_cache_free(c, sampled);
	if (p && is_kfence_address(p)) {
		kmem_cache_free(c, p);
		p = NULL;
	}
	return p;
}

/* The cache, for a fault about to corrupt it. */
static struct kmem_cache *use_cache(void)
{
	atomic_set(&used, 1);
	return cache;
}

int panicgen_use_after_free(void)
{
	struct kmem_cache *c = use_cache();
	char *p, *again;

	p = alloc_slub(c);
	if (!p)
		return -ENOMEM;
	kmem_cache_free(c, p);
	OPTIMIZER_HIDE_VAR(p);
	p[8] = 0x5a;
	/* The freed object is the cache's next one: allocating checks its poison. */
	again = alloc_slub(c);
	if (again)
		kmem_cache_free(c, again);
	return 0;
}

int panicgen_double_free(void)
{
	struct kmem_cache *c = use_cache();
	char *p, *keep;

	/* A second live object keeps the slab in use, so the check that fires is the free list's. */
	keep = alloc_slub(c);
	if (!keep)
		return -ENOMEM;
	p = alloc_slub(c);
	if (!p) {
		kmem_cache_free(c, keep);
		return -ENOMEM;
	}
	kmem_cache_free(c, p);
	OPTIMIZER_HIDE_VAR(p);
	kmem_cache_free(c, p);
	kmem_cache_free(c, keep);
	return 0;
}

int panicgen_slab_oob(void)
{
	struct kmem_cache *c = use_cache();
	char *p;

	p = alloc_slub(c);
	if (!p)
		return -ENOMEM;
	OPTIMIZER_HIDE_VAR(p);
	p[PANICGEN_OBJ_SIZE] = 0x5a;
	kmem_cache_free(c, p);
	return 0;
}
