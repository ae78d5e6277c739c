// SPDX-License-Identifier: GPL-2.0

//! The dump checks: what a vmcore must show for a fatal run to pass. drgn reads the facts
//! (`scripts/vmcore-check.py`, through [`crate::dump::Verifier`]); the rules are here.

use super::console::Matcher;
use crate::{
    catalog::{
        Context,
        Fault,
        Kind, //
    },
    dump::{
        Evidence,
        Thread, //
    },
    vm::End,
};

/// The check names, in report order.
pub const CHECKS: [&str; 5] = ["captured", "message", "stack", "context", "trigger_id"];

/// One check on a dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn new(name: &'static str, ok: bool, detail: String) -> Self {
        Check { name, ok, detail }
    }
}

/// The functions that implement `fault`: the Rust one (`faults::<category>::<name>`) and, for
/// faults with a C part, `panicgen_<name>`. A catalog test keeps the naming rule honest by
/// building the names; the dump check is where a wrong name would show.
pub fn sites(fault: &Fault) -> [String; 2] {
    let lower = fault.name.to_ascii_lowercase();
    [
        format!("faults::{}::{lower}", fault.category),
        format!("panicgen_{lower}"),
    ]
}

fn is_site(frame: &str, sites: &[String; 2]) -> bool {
    frame.ends_with(&sites[0]) || frame == sites[1]
}

/// Checks a dump of a run of `matcher`'s fault whose trigger carried `id`.
pub fn check(evidence: &Evidence, matcher: &Matcher, id: &str) -> Vec<Check> {
    let fault = matcher.fault();
    let facts = match evidence {
        Evidence::Read(f) => f,
        Evidence::Missing(why) => return nothing(why.to_string()),
        Evidence::Unreadable(why) => return nothing(why.clone()),
    };
    let mut checks = vec![Check::new(
        "captured",
        true,
        format!("drgn read the dump of {}", facts.release),
    )];
    // The same rules as for the console, applied to the kernel log inside the dump.
    let j = matcher.judge(&facts.dmesg, &End::Exited(None));
    checks.push(Check::new(
        "message",
        j.passed(),
        if j.passed() {
            j.observed.replace('\n', " / ")
        } else {
            format!("in the dump's log: {}", j.reason)
        },
    ));
    checks.push(stack(fault, &facts.threads));
    checks.push(match matcher.at_function() {
        Some(function) => context_at(fault, function, &facts.threads),
        None => context(fault, matcher.context(), &facts.threads),
    });
    checks.push(match matcher.trigger_with_id(&facts.dmesg, id) {
        Some(l) => Check::new("trigger_id", true, l.trim().to_string()),
        None => Check::new(
            "trigger_id",
            false,
            format!(
                "the dump's log has no 'panicgen: trigger {} ... id={id}' line: not this run's dump",
                fault.name
            ),
        ),
    });
    checks
}

/// Every check failed: there is no dump to read (`why`).
fn nothing(why: String) -> Vec<Check> {
    CHECKS
        .iter()
        .map(|&name| {
            let detail = if name == "captured" {
                why.clone()
            } else {
                "no vmcore".to_string()
            };
            Check::new(name, false, detail)
        })
        .collect()
}

/// The thread that ran the fault and the index of the fault's frame in its stack: the
/// crashing thread; for a fault a detector (lockup, hung task, RCU stall) reports, which
/// panics on another task, any task whose stack shows it.
fn site<'a>(fault: &Fault, threads: &'a [Thread]) -> Option<(&'a Thread, usize)> {
    let sites = sites(fault);
    let wanted = |t: &&Thread| t.crashed || matches!(fault.kind, Kind::Hang(_));
    threads.iter().filter(wanted).find_map(|t| {
        t.frames
            .iter()
            .position(|f| is_site(&f.name, &sites))
            .map(|i| (t, i))
    })
}

/// The thread that ran the fault shows the fault's function (see [`site`]).
fn stack(fault: &Fault, threads: &[Thread]) -> Check {
    let sites = sites(fault);
    if let Some((t, i)) = site(fault, threads) {
        return Check::new(
            "stack",
            true,
            format!(
                "{} in the stack of {}{} (pid {})",
                t.frames[i].name,
                t.comm,
                if t.crashed { ", the crashing task" } else { "" },
                t.pid
            ),
        );
    }
    let Some(crashed) = threads.first() else {
        return Check::new("stack", false, "drgn found no crashing thread".into());
    };
    let top: Vec<&str> = crashed
        .frames
        .iter()
        .take(8)
        .map(|f| f.name.as_str())
        .collect();
    Check::new(
        "stack",
        false,
        format!(
            "no {} frame in the crashing task {} (pid {}): {}",
            sites[0],
            crashed.comm,
            crashed.pid,
            if top.is_empty() && !crashed.error.is_empty() {
                crashed.error.clone()
            } else if top.is_empty() {
                "no frames".to_string()
            } else {
                top.join(" < ")
            }
        ),
    )
}

/// The fault ran in the context asked for. In the stack of the thread that ran it, the
/// frames from the fault's out to the first one an interrupt came in on are the code that
/// called it in that context: they hold the context's callers in order
/// ([`Context::callers`]) and no other context's first caller, and a context that runs on an
/// interrupt ([`Context::on_interrupt`]) ends on an interrupted frame.
fn context(fault: &Fault, ctx: Context, threads: &[Thread]) -> Check {
    let fail = |detail: String| Check::new("context", false, format!("{}: {detail}", ctx.name()));
    let Some((t, at)) = site(fault, threads) else {
        return fail(format!("no {} frame to start from", sites(fault)[0]));
    };
    let end = (at + 1..t.frames.len()).find(|&i| t.frames[i].interrupted);
    let callers = &t.frames[at + 1..end.unwrap_or(t.frames.len())];
    let shown = || {
        // Inlined functions repeat their caller's symbol: once is enough.
        let mut s: Vec<&str> = callers.iter().map(|f| f.name.as_str()).collect();
        s.dedup();
        if s.len() > 12 {
            s.truncate(12);
            s.push("...");
        }
        s.join(" < ")
    };
    let mut rest = callers.iter();
    if let Some(missing) = ctx.callers().iter().find(|want| !rest.any(|f| f.is(want))) {
        return fail(format!(
            "no {missing} among the fault's callers (wanted {}, innermost first): {}",
            ctx.callers().join(" < "),
            shown()
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
            shown()
        ));
    }
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
                shown()
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
fn context_at(fault: &Fault, function: Option<&str>, threads: &[Thread]) -> Check {
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
pub mod tests {
    use super::*;
    use crate::{
        catalog::{
            self,
            Arch,
            Context, //
        },
        dump::{
            DumpFacts,
            Frame,
            MissingDump, //
        },
    };

    /// A dump drgn read: its log, and the crashing thread's frames.
    pub fn facts(dmesg: &[&str], frames: &[&str]) -> Evidence {
        Evidence::Read(DumpFacts {
            release: "7.3.4".into(),
            dmesg: dmesg.iter().map(|s| s.to_string()).collect(),
            threads: vec![Thread {
                pid: 60,
                comm: "sh".into(),
                crashed: true,
                frames: frames.iter().map(|s| Frame::named(s)).collect(),
                ..Thread::default()
            }],
            survey: Default::default(),
        })
    }

    fn bug_checks(dmesg: &[&str], frames: &[&str], id: &str) -> Vec<Check> {
        let fault = catalog::find("BUG").unwrap();
        let m = Matcher::new(fault, Context::Process, Arch::X86_64).unwrap();
        check(&facts(dmesg, frames), &m, id)
    }

    const DMESG: &[&str] = &[
        "panicgen: trigger BUG ctx=process id=r1",
        "kernel BUG at src/faults/bugs.rs:48!",
        "Oops: invalid opcode: 0000 [#1] SMP NOPTI",
        "Kernel panic - not syncing: Fatal exception",
    ];

    #[test]
    fn a_good_dump_passes_every_check() {
        let c = bug_checks(
            DMESG,
            &[
                "panicgen_main::faults::bugs::bug",
                "vfs_write",
                "ksys_write",
            ],
            "r1",
        );
        assert!(c.iter().all(|c| c.ok), "{c:?}");
        assert_eq!(c.iter().map(|c| c.name).collect::<Vec<_>>(), CHECKS);
    }

    #[test]
    fn each_check_can_fail() {
        // Another run's dump.
        let c = bug_checks(DMESG, &["panicgen_main::faults::bugs::bug"], "r2");
        assert!(!c[4].ok);
        // The right message, the wrong function on the stack.
        let c = bug_checks(DMESG, &["panicgen_main::faults::bugs::warn"], "r1");
        assert!(!c[2].ok && c[1].ok);
        // No message in the log.
        let c = bug_checks(&DMESG[..1], &["panicgen_main::faults::bugs::bug"], "r1");
        assert!(!c[1].ok);
        // No dump at all: every check fails, "no vmcore".
        let fault = catalog::find("BUG").unwrap();
        let m = Matcher::new(fault, Context::Process, Arch::X86_64).unwrap();
        let c = check(&Evidence::Missing(MissingDump::NothingWritten), &m, "r1");
        assert!(c.iter().all(|c| !c.ok));
        assert!(c[0].detail.starts_with("no vmcore"));
    }

    #[test]
    fn hang_faults_may_show_on_any_task() {
        let fault = catalog::find("HUNG_TASK").unwrap();
        let mut threads = vec![
            Thread {
                pid: 30,
                comm: "khungtaskd".into(),
                crashed: true,
                frames: vec![Frame::named("watchdog")],
                ..Thread::default()
            },
            Thread {
                pid: 61,
                comm: "sh".into(),
                crashed: false,
                frames: vec![Frame::named("panicgen_main::faults::hangs::hung_task")],
                ..Thread::default()
            },
        ];
        assert!(stack(fault, &threads).ok);
        let bug = catalog::find("BUG").unwrap();
        threads[1].frames = vec![Frame::named("panicgen_main::faults::bugs::bug")];
        assert!(
            !stack(bug, &threads).ok,
            "only the crashing task counts for an oops"
        );
    }

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
    fn the_callers_are_panicgens_deferrals() {
        // Each context's first caller is a function of src/context.c (or the write path).
        let source = include_str!("../../../../src/context.c");
        for ctx in Context::ALL {
            let first = ctx.callers()[0];
            assert!(
                first == "ksys_write" || source.contains(&format!(" {first}(")),
                "{first} is not defined in src/context.c"
            );
        }
    }

    #[test]
    fn c_parts_count_as_the_site() {
        let fault = catalog::find("STACK_CANARY").unwrap();
        let s = sites(fault);
        assert!(is_site("panicgen_stack_canary", &s));
        assert!(is_site("panicgen_main::faults::memory::stack_canary", &s));
        assert!(!is_site("panicgen_stack_canary_strong", &s));
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
