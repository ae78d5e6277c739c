/* SPDX-License-Identifier: GPL-2.0 */
/* The C side of panicgen: declarations shared by the C files and mirrored in Rust. */
#ifndef PANICGEN_H
#define PANICGEN_H

#include <linux/types.h>

/*
 * How far past the end of a canary buffer the overrun looks for the canary: it writes
 * up to and including the first word that holds it, and not a byte further.
 */
#define PANICGEN_CANARY_OVERRUN 32

/*
 * Context numbers: catalog::Context's discriminants (src/catalog/mod.rs), which
 * src/catalog/c_header.rs holds to these when the module or the runner builds.
 */
#define PANICGEN_CTX_PROCESS 0
#define PANICGEN_CTX_SOFTIRQ 1
#define PANICGEN_CTX_HARDIRQ 2
#define PANICGEN_CTX_WORKQUEUE 3
#define PANICGEN_CTX_KTHREAD 4
#define PANICGEN_CTX_IRQOFF 5
#define PANICGEN_CTX_PREEMPTOFF 6

/* The longest function name at= takes (catalog::MAX_SYMBOL_LEN, held to it likewise). */
#define PANICGEN_AT_SYMBOL_MAX 64

/* lockdown.c: the debugfs trigger's state, and the lockdown level */
#define PANICGEN_DEBUGFS_OPEN 0
#define PANICGEN_DEBUGFS_LOCKED 1
#define PANICGEN_DEBUGFS_OFF 2
#define PANICGEN_LOCKDOWN_NONE 0
#define PANICGEN_LOCKDOWN_INTEGRITY 1
#define PANICGEN_LOCKDOWN_CONFIDENTIALITY 2
int panicgen_debugfs_state(void);
int panicgen_lockdown_level(void);

/* canary.c */
void panicgen_stack_canary(void);
void panicgen_stack_canary_strong(void);

/* slab.c */
int panicgen_slab_init(void);
void panicgen_slab_exit(void);
int panicgen_use_after_free(void);
int panicgen_double_free(void);
int panicgen_slab_oob(void);

/* bounds.c */
int panicgen_array_bounds(void);

/* deferral.c */
void panicgen_deferral_init(void);
void panicgen_deferral_exit(void);
int panicgen_defer(u32 ctx, u32 fault, s32 cpu, u32 delay_ms);

/* cpu_state.c */
unsigned long panicgen_irq_save(void);
void panicgen_irq_restore(unsigned long flags);
int panicgen_irqs_disabled(void);
void panicgen_preempt_disable(void);
void panicgen_preempt_enable(void);
int panicgen_cpu_valid(u32 cpu);
int panicgen_pin_current(u32 cpu);

/* kprobe.c */
void panicgen_at_init(void);
void panicgen_at_exit(void);
int panicgen_at_arm(const char *name, u32 len, u32 offset, u32 count, u32 timeout_ms,
		    s32 cpu, u32 fault);

/* Rust (src/dispatch.rs): fires catalog fault number @fault; @ctx is where it runs. */
void panicgen_fire_deferred(u32 fault, u32 ctx);

/*
 * Rust (src/point.rs): hit @count of @symbol+@offset (@moved: past its ftrace call) on @cpu,
 * in context @ctx: fires catalog fault number @fault if it can run there.
 */
void panicgen_fire_at(u32 fault, u32 ctx, const char *symbol, u32 offset, bool moved, u32 count,
		      u32 cpu);
/* Rust (src/point.rs): the probe on @symbol+@offset saw @hits hits in @timeout_ms, not enough. */
void panicgen_at_expired(const char *symbol, u32 offset, u32 timeout_ms, u32 hits);

#endif /* PANICGEN_H */
