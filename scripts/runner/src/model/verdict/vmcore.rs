// SPDX-License-Identifier: GPL-2.0

//! The dump checks: what a vmcore must show for a fatal run to pass. drgn reads the facts
//! (`scripts/vmcore-check.py`, through [`crate::exec::drgn::Verifier`]); the rules are here.

use super::{
    check::{
        site,
        sites,
        Check, //
    },
    console::{
        Matcher,
        Probe, //
    },
    vmcore_context::{
        context,
        context_at, //
    },
};
use crate::{
    catalog::Fault,
    model::facts::{
        End,
        Evidence,
        Thread, //
    },
};

/// The check names, in report order.
pub const CHECKS: [&str; 5] = ["captured", "message", "stack", "context", "trigger_id"];

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
    checks.push(match matcher.probe() {
        Probe::None => context(fault, matcher.context(), &facts.threads),
        Probe::Armed => context_at(fault, None, &facts.threads),
        Probe::Hit(function) => context_at(fault, Some(function), &facts.threads),
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

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::{
        catalog::{
            self,
            Arch,
            Context, //
        },
        model::facts::{
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
}
