// SPDX-License-Identifier: GPL-2.0
/*
 * Deferred contexts for panicgen faults: the thin C glue for what the 7.3
 * Rust abstractions do not offer. timer_list and kthreads have no Rust
 * abstraction; the Rust workqueue and hrtimer APIs cannot queue on a given CPU
 * or cancel at unload. Which fault runs, and how, stays in Rust: every path
 * here ends in panicgen_fire_deferred() (src/dispatch.rs).
 *
 * One deferred fault may be pending at a time; module unload cancels it.
 *
 * The hrtimer is not a HRTIMER_MODE_*_HARD one: on a kernel without PREEMPT_RT
 * its callback runs in hardirq context all the same, and lockdep then models it
 * like an interrupt handler, which may take spinlock_t and allocate. A hard
 * timer would make every such fault report "Invalid wait context" first.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/smp.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "panicgen.h"

static atomic_t pending = ATOMIC_INIT(0);
static u32 pending_fault;
static u32 pending_ctx;
static struct timer_list softirq_timer;
static struct hrtimer hardirq_timer;
static struct delayed_work work;
static struct task_struct *thread;
static unsigned int thread_delay_ms;

static void fire(void)
{
	panicgen_fire_deferred(READ_ONCE(pending_fault), READ_ONCE(pending_ctx));
	atomic_set(&pending, 0);
}

static void softirq_fn(struct timer_list *t)
{
	fire();
}

static enum hrtimer_restart hardirq_fn(struct hrtimer *t)
{
	fire();
	return HRTIMER_NORESTART;
}

static void work_fn(struct work_struct *w)
{
	fire();
}

static int thread_fn(void *data)
{
	msleep(thread_delay_ms);
	if (!kthread_should_stop())
		fire();
	/* Wait to be stopped, so that unload and this thread never race. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static void start_hrtimer_here(void *delay_ns)
{
	hrtimer_start(&hardirq_timer, ns_to_ktime((u64)(uintptr_t)delay_ns),
		      HRTIMER_MODE_REL_PINNED);
}

void panicgen_deferral_init(void)
{
	timer_setup(&softirq_timer, softirq_fn, 0);
	hrtimer_setup(&hardirq_timer, hardirq_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	INIT_DELAYED_WORK(&work, work_fn);
}

void panicgen_deferral_exit(void)
{
	timer_shutdown_sync(&softirq_timer);
	hrtimer_cancel(&hardirq_timer);
	cancel_delayed_work_sync(&work);
	if (thread) {
		kthread_stop(thread);
		put_task_struct(thread);
		thread = NULL;
	}
}

int panicgen_defer(u32 ctx, u32 fault, s32 cpu, u32 delay_ms)
{
	struct task_struct *t;
	int ret = 0;

	if (atomic_cmpxchg(&pending, 0, 1))
		return -EBUSY;
	WRITE_ONCE(pending_fault, fault);
	WRITE_ONCE(pending_ctx, ctx);
	switch (ctx) {
	case PANICGEN_CTX_SOFTIRQ:
		softirq_timer.expires = jiffies + msecs_to_jiffies(delay_ms);
		if (cpu >= 0)
			add_timer_on(&softirq_timer, cpu);
		else
			add_timer(&softirq_timer);
		break;
	case PANICGEN_CTX_HARDIRQ:
		if (cpu >= 0)
			ret = smp_call_function_single(cpu, start_hrtimer_here,
						       (void *)(uintptr_t)(delay_ms * NSEC_PER_MSEC), 1);
		else
			hrtimer_start(&hardirq_timer, ms_to_ktime(delay_ms), HRTIMER_MODE_REL);
		break;
	case PANICGEN_CTX_WORKQUEUE:
		queue_delayed_work_on(cpu >= 0 ? cpu : WORK_CPU_UNBOUND, system_wq, &work,
				      msecs_to_jiffies(delay_ms));
		break;
	case PANICGEN_CTX_KTHREAD:
		if (thread) {
			/* A kthread from an earlier request: it has fired; reap it. */
			kthread_stop(thread);
			put_task_struct(thread);
			thread = NULL;
		}
		thread_delay_ms = delay_ms;
		t = kthread_create(thread_fn, NULL, "panicgen");
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			break;
		}
		get_task_struct(t);
		if (cpu >= 0)
			kthread_bind(t, cpu);
		thread = t;
		wake_up_process(t);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret)
		atomic_set(&pending, 0);
	return ret;
}
