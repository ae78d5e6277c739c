// SPDX-License-Identifier: GPL-2.0
/*
 * This CPU's execution state, for src/cpu_state.rs: local_irq_save(), irqs_disabled(),
 * preempt_disable() and cpumask_of() are macros or inlines without Rust
 * bindings, and the 7.3 kernel crate's local_interrupt_disable() warns in NMI
 * context, where a fault fired from a kprobe (x86's int3, arm64's brk) runs.
 */
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#include "panicgen.h"

unsigned long panicgen_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void panicgen_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

int panicgen_irqs_disabled(void)
{
	return irqs_disabled();
}

void panicgen_preempt_disable(void)
{
	preempt_disable();
}

void panicgen_preempt_enable(void)
{
	preempt_enable();
}

int panicgen_cpu_valid(u32 cpu)
{
	return cpu < nr_cpu_ids && cpu_online(cpu);
}

int panicgen_pin_current(u32 cpu)
{
	return set_cpus_allowed_ptr(current, cpumask_of(cpu));
}
