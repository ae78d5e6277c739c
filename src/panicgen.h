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

/* Context numbers: the order of catalog::Context in src/catalog/mod.rs. */
#define PANICGEN_CTX_SOFTIRQ 1
#define PANICGEN_CTX_HARDIRQ 2
#define PANICGEN_CTX_WORKQUEUE 3
#define PANICGEN_CTX_KTHREAD 4

/* canary.c */
void panicgen_stack_canary(void);
void panicgen_stack_canary_strong(void);

/* slab.c */
int panicgen_use_after_free(void);
int panicgen_double_free(void);
int panicgen_slab_oob(void);

/* context.c */
void panicgen_context_init(void);
void panicgen_context_exit(void);
int panicgen_cpu_valid(u32 cpu);
int panicgen_defer(u32 ctx, u32 fault, s32 cpu, u32 delay_ms);
int panicgen_pin_current(u32 cpu);
void panicgen_preempt_disable(void);
void panicgen_preempt_enable(void);
void panicgen_irq_disable(void);
void panicgen_irq_enable(void);

/* Rust (src/context.rs): fires catalog fault number @fault; @ctx is where it runs. */
void panicgen_fire_deferred(u32 fault, u32 ctx);

#endif /* PANICGEN_H */
