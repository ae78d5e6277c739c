// SPDX-License-Identifier: GPL-2.0

//! The `context` dump check: the crashed stack proves the execution context asked for, or, for
//! a crash-point run, the function the probe was on.

use super::check::{
    site,
    sites,
    Check, //
};
use crate::{
    catalog::{
        Context,
        Fault, //
    },
    model::facts::{
        Frame,
        Thread, //
    },
};

/// The fault ran in the context asked for. In the stack of the thread that ran it, the
/// frames from the fault's out to the first one an interrupt came in on are the code that
/// called it in that context: they hold the context's callers in order
/// ([`Context::callers`]) and no other context's first caller, and a context that runs on an
/// interrupt ([`Context::on_interrupt`]) ends on an interrupted frame, or, taken from user
/// space, on arm64's EL0 vector ([`FROM_USER_IRQ`]).
pub(super) fn context(fault: &Fault, ctx: Context, threads: &[Thread]) -> Check {
    let fail = |detail: String| Check::new("context", false, format!("{}: {detail}", ctx.name()));
    let Some((t, at)) = site(fault, threads) else {
        return fail(format!("no {} frame to start from", sites(fault)[0]));
    };
    let end = (at + 1..t.frames.len()).find(|&i| t.frames[i].interrupted);
    let callers = &t.frames[at + 1..end.unwrap_or(t.frames.len())];
    let mut rest = callers.iter();
    if let Some(missing) = ctx.callers().iter().find(|want| !rest.any(|f| f.is(want))) {
        return fail(format!(
            "no {missing} among the fault's callers (wanted {}, innermost first): {}",
            ctx.callers().join(" < "),
            shown(callers)
        ));
    }
    let foreign = Context::ALL
        .iter()
        .map(|c| c.callers()[0])
        .filter(|f| !ctx.callers().contains(f))
        .find(|f| callers.iter().any(|c| c.is(f)));
    if let Some(f) = foreign {
        return fail(format!(
            "{f}, another context's, among the fault's callers: {}",
            shown(callers)
        ));
    }
    ran_in(ctx, t, end, callers)
}

/// The callers as a check's detail shows them.
fn shown(callers: &[Frame]) -> String {
    // Inlined functions repeat their caller's symbol: once is enough.
    let mut s: Vec<&str> = callers.iter().map(|f| f.name.as_str()).collect();
    s.dedup();
    if s.len() > 12 {
        s.truncate(12);
        s.push("...");
    }
    s.join(" < ")
}

/// The check, once the callers are `ctx`'s: a context that runs on an interrupt must end on
/// an interrupted frame (`end`), or come in from user space.
fn ran_in(ctx: Context, t: &Thread, end: Option<usize>, callers: &[Frame]) -> Check {
    let fail = |detail: String| Check::new("context", false, format!("{}: {detail}", ctx.name()));
    // arm64 ends the stack of an interrupt taken from user space at its EL0 vector, with no
    // interrupted frame after it (x86 shows the user address as one).
    let from_user = callers
        .last()
        .filter(|f| end.is_none() && FROM_USER_IRQ.iter().any(|e| f.is(e)));
    match end {
        None if ctx.on_interrupt() => match from_user {
            Some(entry) => Check::new(
                "context",
                true,
                format!(
                    "{}: {} in {} (pid {}), on an interrupt that came in from user space ({})",
                    ctx.name(),
                    ctx.callers().join(" < "),
                    t.comm,
                    t.pid,
                    entry.name
                ),
            ),
            None => fail(format!(
                "its callers run on no interrupt (no interrupted frame after them): {}",
                shown(callers)
            )),
        },
        Some(i) if ctx.on_interrupt() => Check::new(
            "context",
            true,
            format!(
                "{}: {} in {} (pid {}), on an interrupt that came in on {}",
                ctx.name(),
                ctx.callers().join(" < "),
                t.comm,
                t.pid,
                t.frames[i].name
            ),
        ),
        _ => Check::new(
            "context",
            true,
            format!(
                "{}: {} in {} (pid {})",
                ctx.name(),
                ctx.callers().join(" < "),
                t.comm,
                t.pid
            ),
        ),
    }
}

/// arm64's vectors for an interrupt taken at EL0 (user space), 64- and 32-bit.
const FROM_USER_IRQ: [&str; 2] = ["el0t_64_irq", "el0t_32_irq"];

/// A crash-point run fired from the function the probe was on: in the stack of the thread
/// that ran the fault, panicgen's probe handler (`panicgen_fire_at`) and then that function
/// are among the fault's callers, whether the probe trapped into it (an interrupted frame) or
/// was called from its entry (ftrace).
pub(super) fn context_at(fault: &Fault, function: Option<&str>, threads: &[Thread]) -> Check {
    let Some(function) = function else {
        return Check::new(
            "context",
            false,
            "at: the console never said which function the probe fired from".into(),
        );
    };
    let fail = |detail: String| Check::new("context", false, format!("at {function}: {detail}"));
    let Some((t, at)) = site(fault, threads) else {
        return fail(format!("no {} frame to start from", sites(fault)[0]));
    };
    let callers = &t.frames[at + 1..];
    let mut rest = callers.iter().enumerate();
    let handler = rest.find(|(_, f)| f.is(AT_HANDLER));
    let hooked = rest.find(|(_, f)| f.is(function));
    let shown = || {
        let mut s: Vec<&str> = callers.iter().take(16).map(|f| f.name.as_str()).collect();
        s.dedup();
        s.join(" < ")
    };
    match (handler, hooked) {
        (None, _) => fail(format!(
            "no {AT_HANDLER} among the fault's callers: {}",
            shown()
        )),
        (Some(_), None) => fail(format!(
            "no {function} after {AT_HANDLER} among the fault's callers: {}",
            shown()
        )),
        (Some(_), Some((_, f))) => Check::new(
            "context",
            true,
            format!(
                "at {function}: {AT_HANDLER} < ... < {function}{} in {} (pid {})",
                if f.interrupted { " (trapped)" } else { "" },
                t.comm,
                t.pid
            ),
        ),
    }
}

/// panicgen's function that the probe handler fires the fault from (src/point.rs).
const AT_HANDLER: &str = "panicgen_fire_at";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        catalog,
        model::facts::Frame, //
    };

    /// A thread from the frames of a real dump (x86_64, 7.3.4, trimmed): `[I]` marks a
    /// frame an interrupt or exception came in on, `symbol{function}` an inlined function.
    fn thread(frames: &str) -> Thread {
        let frames = frames
            .split(" < ")
            .map(|f| {
                let (f, interrupted) = match f.strip_suffix("[I]") {
                    Some(f) => (f, true),
                    None => (f, false),
                };
                let (name, function) = match f.split_once('{') {
                    Some((n, inlined)) => (n, inlined.trim_end_matches('}')),
                    None => (f, ""),
                };
                Frame {
                    name: name.into(),
                    function: function.into(),
                    interrupted,
                }
            })
            .collect();
        Thread {
            pid: 64,
            comm: "init".into(),
            crashed: true,
            frames,
            ..Thread::default()
        }
    }

    const BUG_HARDIRQ: &str = "panic < oops_end < asm_exc_invalid_op < \
        panicgen_main::faults::bugs::bug[I] < panicgen_main::faults::fire < \
        panicgen_fire_deferred < hardirq_fn < hardirq_fn < __hrtimer_run_queues < \
        hrtimer_interrupt < __sysvec_apic_timer_interrupt < asm_sysvec_apic_timer_interrupt < \
        panicgen_main::trigger_write[I] < full_proxy_write < vfs_write < ksys_write < \
        do_syscall_64 < entry_SYSCALL_64 < 0x47b7a0[I]";
    const BUG_SOFTIRQ: &str = "panic < oops_end < asm_exc_invalid_op < \
        panicgen_main::faults::bugs::bug[I] < panicgen_main::faults::fire < \
        panicgen_fire_deferred < softirq_fn < call_timer_fn < run_timer_softirq < \
        handle_softirqs < __irq_exit_rcu < sysvec_apic_timer_interrupt < \
        asm_sysvec_apic_timer_interrupt < vfs_write[I] < ksys_write < do_syscall_64 < \
        entry_SYSCALL_64 < 0x47b7a0[I]";
    const BUG_PROCESS: &str = "panic < oops_end < asm_exc_invalid_op < \
        panicgen_main::faults::bugs::bug[I] < panicgen_main::faults::fire < \
        panicgen_main::trigger_write < full_proxy_write < vfs_write < ksys_write < \
        do_syscall_64 < entry_SYSCALL_64 < 0x47b7a0[I]";
    /// A call to NULL: the caller's frame is inferred from the return address.
    const NULL_EXEC_KTHREAD: &str = "panic < oops_end < exc_page_fault < \
        asm_exc_page_fault < 0x0[I] < panicgen_main::faults::memory::null_exec[I] < \
        panicgen_main::faults::fire < panicgen_fire_deferred < thread_fn < kthread < \
        ret_from_fork < ret_from_fork_asm";

    /// arm64, a hardirq taken while init ran in user space (a make check run with the host
    /// loaded): drgn's stack ends at the EL0 vector, with no interrupted frame.
    const NULL_DEREF_HARDIRQ_EL0: &str = "panic < die < die_kernel_fault < \
        __do_kernel_fault < do_page_fault < do_translation_fault < do_mem_abort < el1_abort < \
        el1h_64_sync_handler < el1h_64_sync < panicgen_main::faults::memory::null_deref[I] < \
        panicgen_main::faults::fire < panicgen_fire_deferred < hardirq_fn < __run_hrtimer < \
        __hrtimer_run_queues < hrtimer_interrupt < timer_handler < arch_timer_handler_virt < \
        handle_percpu_devid_irq < generic_handle_domain_irq < gic_handle_irq < \
        call_on_irq_stack < do_interrupt_handler < el0_interrupt < __el0_irq_handler_common < \
        el0t_64_irq_handler < el0t_64_irq";

    fn context_of(fault: &str, ctx: Context, frames: &str) -> Check {
        context(catalog::find(fault).unwrap(), ctx, &[thread(frames)])
    }

    #[test]
    fn the_context_is_read_from_the_stack() {
        let c = context_of("BUG", Context::Hardirq, BUG_HARDIRQ);
        assert!(c.ok, "{c:?}");
        assert!(c.detail.contains("came in on panicgen_main::trigger_write"));
        assert!(context_of("BUG", Context::Softirq, BUG_SOFTIRQ).ok);
        for ctx in [Context::Process, Context::IrqOff, Context::PreemptOff] {
            assert!(context_of("BUG", ctx, BUG_PROCESS).ok);
        }
        assert!(context_of("NULL_EXEC", Context::Kthread, NULL_EXEC_KTHREAD).ok);
        // A caller inlined into another function (gcc's kernels) counts by its DWARF name.
        let inlined = BUG_HARDIRQ.replace(
            "hardirq_fn < __hrtimer_run_queues <",
            "hardirq_fn < hrtimer_interrupt{__hrtimer_run_queues} <",
        );
        assert!(context_of("BUG", Context::Hardirq, &inlined).ok);
        let c = context_of("NULL_DEREF", Context::Hardirq, NULL_DEREF_HARDIRQ_EL0);
        assert!(c.ok, "{c:?}");
        assert!(
            c.detail.contains("came in from user space (el0t_64_irq)"),
            "{c:?}"
        );
    }

    #[test]
    fn a_wrong_context_fails() {
        // Asked for hardirq, fired from the softirq timer (the negative control's module).
        let c = context_of("BUG", Context::Hardirq, BUG_SOFTIRQ);
        assert!(!c.ok && c.detail.contains("no hardirq_fn"), "{c:?}");
        // The writer's stack is no interrupt's; an interrupt's is no writer's.
        assert!(!context_of("BUG", Context::Hardirq, BUG_PROCESS).ok);
        assert!(!context_of("BUG", Context::Process, BUG_HARDIRQ).ok);
        assert!(
            !context_of(
                "BUG",
                Context::Workqueue,
                NULL_EXEC_KTHREAD.replace("NULL_EXEC", "BUG").as_str()
            )
            .ok
        );
        // The callers out of order.
        let swapped = BUG_HARDIRQ.replace(
            "hardirq_fn < hardirq_fn < __hrtimer_run_queues",
            "__hrtimer_run_queues < hardirq_fn",
        );
        assert!(!context_of("BUG", Context::Hardirq, &swapped).ok);
        // The hrtimer path with no interrupt under it.
        let flat = BUG_HARDIRQ
            .replace("[I] < full", " < full")
            .replace("0x47b7a0[I]", "0x47b7a0");
        let c = context_of("BUG", Context::Hardirq, &flat);
        assert!(!c.ok, "{c:?}");
        // An arm64 stack cut short before its EL0 vector is no interrupt from user space.
        let cut = NULL_DEREF_HARDIRQ_EL0.replace(" < el0t_64_irq_handler < el0t_64_irq", "");
        let c = context_of("NULL_DEREF", Context::Hardirq, &cut);
        assert!(!c.ok && c.detail.contains("no interrupted frame"), "{c:?}");
        // The EL0 vector ends only an interrupt's stack: a process-context fault is the
        // writer's, with its own callers.
        let c = context_of("NULL_DEREF", Context::Process, NULL_DEREF_HARDIRQ_EL0);
        assert!(!c.ok, "{c:?}");
        // Another context's deferral among the callers.
        let both = BUG_PROCESS.replace("trigger_write <", "trigger_write < work_fn <");
        let c = context_of("BUG", Context::Process, &both);
        assert!(
            !c.ok && c.detail.contains("work_fn, another context's"),
            "{c:?}"
        );
    }

    #[test]
    fn a_crash_point_dump_shows_the_hooked_function() {
        let bug = catalog::find("BUG").unwrap();
        // x86's int3: the probed function is the trapped frame.
        let trapped = thread(
            "panic < oops_end < asm_exc_invalid_op < panicgen_main::faults::bugs::bug[I] < \
             panicgen_main::faults::fire < panicgen_fire_at < pre_handler < kprobe_int3_handler < \
             asm_exc_int3 < handle_irq_event[I] < handle_edge_irq < common_interrupt",
        );
        let c = context_at(
            bug,
            Some("handle_irq_event"),
            std::slice::from_ref(&trapped),
        );
        assert!(c.ok, "{c:?}");
        assert!(c.detail.contains("(trapped)"), "{c:?}");
        // A dump whose stack never reaches the function (drgn could not unwind an ftrace
        // trampoline), or a function the probe was not on, fails.
        let cut = thread(
            "panic < asm_exc_invalid_op < panicgen_main::faults::bugs::bug[I] < \
             panicgen_main::faults::fire < panicgen_fire_at < pre_handler < \
             kprobe_ftrace_handler < 0xffffffffc080f0da",
        );
        let c = context_at(bug, Some("submit_bio"), std::slice::from_ref(&cut));
        assert!(
            !c.ok && c.detail.contains("no submit_bio after panicgen_fire_at"),
            "{c:?}"
        );
        assert!(!context_at(bug, Some("schedule"), std::slice::from_ref(&trapped)).ok);
        // Without the probe handler, it was not fired from a probe.
        let direct = thread(
            "panic < panicgen_main::faults::bugs::bug[I] < panicgen_main::faults::fire < \
             handle_irq_event",
        );
        assert!(!context_at(bug, Some("handle_irq_event"), std::slice::from_ref(&direct)).ok);
        assert!(!context_at(bug, None, std::slice::from_ref(&trapped)).ok);
    }
}
