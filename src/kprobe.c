// SPDX-License-Identifier: GPL-2.0
/*
 * Crash points (at=): the thin C glue around register_kprobe(), which has no
 * Rust abstraction. One probe may be armed at a time. Its handler counts the
 * hits (on one CPU, if asked) and on the chosen one hands the fault to Rust,
 * in the probed function's own context (src/point.rs decides what runs and
 * what is said). The probe is removed after firing, after the timeout and at
 * unload, always from process context (unregister_kprobe() sleeps).
 *
 * The handler runs as an NMI where the probe traps (x86's int3 and arm64's brk
 * handlers enter NMI context): it takes no lock and queues no work item there,
 * only an irq_work, NMI-safe, whose callback queues the removal.
 */
#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/ftrace.h>
#include <linux/irq_work.h>
#include <linux/irqflags.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "panicgen.h"

#ifdef CONFIG_KPROBES

static struct kprobe probe;
static char symbol[PANICGEN_AT_SYMBOL_MAX + 1];
/* Serialises arming. */
static DEFINE_MUTEX(arming);
/* Guards @registered: held by whoever registers or removes the probe. */
static DEFINE_MUTEX(lock);
static bool registered;
/* Set once the chosen hit came (or while the probe is checked): the handler is then a no-op. */
static atomic_t done = ATOMIC_INIT(1);
static atomic_t hits;
static u32 at_count, at_fault, at_timeout_ms, at_offset;
/* The probe sits past the function's ftrace call, not at at_offset. */
static bool moved;
static s32 at_cpu;
static struct irq_work remove_irq_work;
static struct work_struct remove_work;
static struct delayed_work timeout_work;

/*
 * The context of the probed function: x86's int3 handler enters as an NMI (it
 * adds NMI_OFFSET + HARDIRQ_OFFSET to the preempt count), which is taken off
 * again; arm64's brk handler and ftrace-based probes leave the count as the
 * function had it. A task is irqoff or preemptoff by the interrupted flags.
 */
static u32 probed_context(struct pt_regs *regs)
{
	unsigned long count = preempt_count();

	if (in_nmi())
		count -= NMI_OFFSET + HARDIRQ_OFFSET;
	if (count & HARDIRQ_MASK)
		return PANICGEN_CTX_HARDIRQ;
	if (count & SOFTIRQ_OFFSET)
		return PANICGEN_CTX_SOFTIRQ;
	return regs_irqs_disabled(regs) ? PANICGEN_CTX_IRQOFF : PANICGEN_CTX_PREEMPTOFF;
}

static int pre_handler(struct kprobe *p, struct pt_regs *regs)
{
	u32 ctx;

	if (atomic_read(&done) || (at_cpu >= 0 && smp_processor_id() != at_cpu))
		return 0;
	if ((u32)atomic_inc_return(&hits) != at_count || atomic_xchg(&done, 1))
		return 0;
	ctx = probed_context(regs);
	panicgen_fire_at(at_fault, ctx, symbol, at_offset, moved, at_count, smp_processor_id());
	/* The fault returned (it was refused, or lets the kernel carry on). */
	irq_work_queue(&remove_irq_work);
	return 0;
}

/*
 * Unused, on purpose: a probe with a post handler is never turned into a jump
 * (OPTPROBES), whose detour buffer crash-dump unwinders (drgn) cannot step
 * through; it stays a trap, and the dump shows the probed function.
 */
static void post_handler(struct kprobe *p, struct pt_regs *regs, unsigned long flags)
{
}

static void remove(void)
{
	mutex_lock(&lock);
	if (registered) {
		unregister_kprobe(&probe);
		registered = false;
	}
	mutex_unlock(&lock);
}

static void remove_fn(struct work_struct *w)
{
	remove();
}

/* In hardirq context, where a work item may be queued. */
static void remove_irq_work_fn(struct irq_work *w)
{
	schedule_work(&remove_work);
}

static void timeout_fn(struct work_struct *w)
{
	bool expired = !atomic_xchg(&done, 1);

	/*
	 * Removed before it is said: once the line is out, the next probe can be
	 * armed. symbol[] stays as it is, as arming waits for this work first.
	 */
	remove();
	if (expired)
		panicgen_at_expired(symbol, at_offset, at_timeout_ms, atomic_read(&hits));
}

void panicgen_at_init(void)
{
	init_irq_work(&remove_irq_work, remove_irq_work_fn);
	INIT_WORK(&remove_work, remove_fn);
	INIT_DELAYED_WORK(&timeout_work, timeout_fn);
}

void panicgen_at_exit(void)
{
	atomic_set(&done, 1);
	/*
	 * First the probe: once unregister_kprobe() has returned, no handler runs,
	 * so none can queue the removal again; then the irq_work and work items.
	 */
	remove();
	irq_work_sync(&remove_irq_work);
	cancel_work_sync(&remove_work);
	cancel_delayed_work_sync(&timeout_work);
}

int panicgen_at_arm(const char *name, u32 len, u32 offset, u32 count, u32 timeout_ms,
		    s32 cpu, u32 fault)
{
	bool busy;
	int ret;

	if (len > PANICGEN_AT_SYMBOL_MAX)
		return -ENAMETOOLONG;
	mutex_lock(&arming);
	mutex_lock(&lock);
	busy = registered;
	mutex_unlock(&lock);
	if (busy) {
		mutex_unlock(&arming);
		return -EBUSY;
	}
	/* No probe: what is left of the last one's removal and timeout is stale. */
	irq_work_sync(&remove_irq_work);
	cancel_work_sync(&remove_work);
	cancel_delayed_work_sync(&timeout_work);
	memcpy(symbol, name, len);
	symbol[len] = '\0';
	memset(&probe, 0, sizeof(probe));
	probe.symbol_name = symbol;
	probe.offset = offset;
	probe.pre_handler = pre_handler;
	probe.post_handler = post_handler;
	at_count = count;
	at_offset = offset;
	at_fault = fault;
	at_timeout_ms = timeout_ms;
	at_cpu = cpu;
	atomic_set(&hits, 0);
	atomic_set(&done, 1);
	moved = false;
	mutex_lock(&lock);
	ret = register_kprobe(&probe);
	if (!ret && within_module((unsigned long)probe.addr, THIS_MODULE)) {
		unregister_kprobe(&probe);
		ret = -EPERM;
	}
#if defined(CONFIG_KPROBES_ON_FTRACE) && defined(MCOUNT_INSN_SIZE)
	/*
	 * A probe on a function's ftrace call site runs from an ftrace trampoline,
	 * which crash-dump unwinders (drgn) cannot step through: the dump would not
	 * show the function. Move it to the next instruction, where it traps like
	 * any other probe, the function entered all the same.
	 */
	if (!ret && kprobe_ftrace(&probe)) {
		void *next = (void *)probe.addr + MCOUNT_INSN_SIZE;

		unregister_kprobe(&probe);
		memset(&probe, 0, sizeof(probe));
		probe.addr = next;
		probe.pre_handler = pre_handler;
		probe.post_handler = post_handler;
		ret = register_kprobe(&probe);
		moved = !ret;
	}
#endif
	registered = !ret;
	mutex_unlock(&lock);
	if (!ret) {
		atomic_set(&done, 0);
		schedule_delayed_work(&timeout_work, msecs_to_jiffies(timeout_ms));
	}
	mutex_unlock(&arming);
	return ret;
}

#else /* !CONFIG_KPROBES */

void panicgen_at_init(void)
{
}

void panicgen_at_exit(void)
{
}

int panicgen_at_arm(const char *name, u32 len, u32 offset, u32 count, u32 timeout_ms,
		    s32 cpu, u32 fault)
{
	return -EOPNOTSUPP;
}

#endif /* CONFIG_KPROBES */
