// SPDX-License-Identifier: GPL-2.0

//! Every rule that turns what a run produced into `pass`, `fail`, `error` or `skip`.
//!
//! A run is: plan → guest spec → `vm::run` → [`Facts`] (console lines, how the guest ended,
//! what the dump held) → [`decide`] → report. `decide` is pure: the unit tests below feed it
//! recorded consoles and dump facts. The console rules are in [`console`], the dump checks in
//! [`vmcore`] (its `context` check in `vmcore_context`), the parts of the decision after the
//! console's in `after_console`, the selftest and KUnit folding in
//! [`selftest`]; the boundary between them, the retry rule and what counts as passed are here.

pub mod boot;
mod capture;
pub mod check;
pub mod console;
pub mod crash;
pub mod dump_levels;
pub mod kept_log;
mod known_loss;
pub mod listing;
mod module_refused;
pub mod pstore;
pub mod selftest;
pub mod stop;
pub mod system;

use known_loss::excuse;
pub use known_loss::{
    excused,
    KnownLoss, //
};
mod after_console;
pub mod vmcore;
mod vmcore_context;

use after_console::{
    with_dump,
    with_pstore, //
};

use serde::{
    Deserialize,
    Serialize, //
};

pub use console::{
    at_hit,
    Matcher, //
};

use crate::model::facts::{
    End,
    Evidence, //
};

/// A result's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Error,
    Skip,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Skip => "skip",
        }
    }
}

/// Why a run did not pass. The verdict follows from it: a CI system (and `make check`'s
/// negative controls) read this field, never the prose of `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The fault cannot work on this arch (`skip`).
    ArchCannot,
    /// The kernel lacks an option without which it shows nothing of the fault: it was not
    /// fired (`skip`, naming the option).
    KernelLacks,
    /// The crash point's function is not in this kernel, or was not reached in time
    /// (`skip`, with the module's line).
    PointUnreached,
    /// QEMU could not be started, or a saved guest not restored (`error`).
    NotStarted,
    /// The guest never printed the trigger line: boot, insmod or the time limit (`error`).
    NotFired,
    /// The fault fired but the kernel's message did not follow (`fail`).
    NoMessage,
    /// The message appeared but the kernel did not panic (`fail`).
    NoPanic,
    /// Before the fault's message, the kernel reported panicgen itself breaking the rules of
    /// the context it fires in (`fail`).
    ContextBroken,
    /// A dump was asked for and none was written (`fail`).
    NoVmcore,
    /// The capture kernel did not finish writing the dump in time (`error`).
    CaptureTimeout,
    /// The capture kernel panicked while booting, before its init ran (`error`, tried again).
    CaptureBootFailed,
    /// A dump was written but drgn could not read it (`fail`).
    VmcoreUnreadable,
    /// drgn read the dump and one of its checks failed (`fail`).
    VmcoreCheck,
    /// A distribution system's pipeline did not keep the crash as it should, or the system
    /// did not come back ([`system::CHECKS`]; `fail`).
    SystemCheck,
    /// `--dump pstore`: the next boot's pstore held no record of the fault, its message or
    /// its trigger id (`fail`).
    PstoreRecord,
    /// The selftest did not run to the end of its plan (`error`).
    SelftestIncomplete,
    /// A selftest or KUnit case failed (`fail`).
    CaseFailed,
    /// Every selftest case was skipped (`skip`).
    AllSkipped,
    /// The runner was cancelled (SIGINT, SIGTERM) before the run ended, or before it started
    /// (`error`, not tried again).
    Cancelled,
    /// QEMU was killed by a signal the runner did not send, before the run was decided
    /// (`error`).
    QemuKilled,
    /// The guest's console passed the runner's limit (`error`, not tried again).
    ConsoleFlood,
    /// The host's file system filled up under the run's dump (`error`, not tried again).
    HostDiskFull,
    /// The saved guest the run was to start from changed after it was saved (truncated,
    /// overwritten): the run did not start (`error`; the next attempt boots).
    SavedGuestChanged,
}

impl Cause {
    /// Every cause, in declaration order ([`Cause::position`] keeps it whole).
    #[cfg(test)]
    pub const ALL: [Cause; 23] = [
        Cause::ArchCannot,
        Cause::KernelLacks,
        Cause::PointUnreached,
        Cause::NotStarted,
        Cause::NotFired,
        Cause::NoMessage,
        Cause::NoPanic,
        Cause::ContextBroken,
        Cause::NoVmcore,
        Cause::CaptureTimeout,
        Cause::CaptureBootFailed,
        Cause::VmcoreUnreadable,
        Cause::VmcoreCheck,
        Cause::SystemCheck,
        Cause::PstoreRecord,
        Cause::SelftestIncomplete,
        Cause::CaseFailed,
        Cause::AllSkipped,
        Cause::Cancelled,
        Cause::QemuKilled,
        Cause::ConsoleFlood,
        Cause::HostDiskFull,
        Cause::SavedGuestChanged,
    ];

    /// Its place in [`Cause::ALL`]: a new cause does not compile until it has one (and a
    /// test holds `ALL` to these places).
    #[cfg(test)]
    pub const fn position(self) -> usize {
        match self {
            Cause::ArchCannot => 0,
            Cause::KernelLacks => 1,
            Cause::PointUnreached => 2,
            Cause::NotStarted => 3,
            Cause::NotFired => 4,
            Cause::NoMessage => 5,
            Cause::NoPanic => 6,
            Cause::ContextBroken => 7,
            Cause::NoVmcore => 8,
            Cause::CaptureTimeout => 9,
            Cause::CaptureBootFailed => 10,
            Cause::VmcoreUnreadable => 11,
            Cause::VmcoreCheck => 12,
            Cause::SystemCheck => 13,
            Cause::PstoreRecord => 14,
            Cause::SelftestIncomplete => 15,
            Cause::CaseFailed => 16,
            Cause::AllSkipped => 17,
            Cause::Cancelled => 18,
            Cause::QemuKilled => 19,
            Cause::ConsoleFlood => 20,
            Cause::HostDiskFull => 21,
            Cause::SavedGuestChanged => 22,
        }
    }

    /// Its name in results.json (`no-message`).
    pub fn key(self) -> String {
        serde_json::to_string(&self)
            .unwrap_or_default()
            .trim_matches('"')
            .to_string()
    }

    pub fn verdict(self) -> Verdict {
        match self {
            Cause::ArchCannot | Cause::KernelLacks | Cause::PointUnreached | Cause::AllSkipped => {
                Verdict::Skip
            }
            Cause::NotStarted
            | Cause::NotFired
            | Cause::CaptureTimeout
            | Cause::CaptureBootFailed
            | Cause::SelftestIncomplete
            | Cause::Cancelled
            | Cause::QemuKilled
            | Cause::ConsoleFlood
            | Cause::HostDiskFull
            | Cause::SavedGuestChanged => Verdict::Error,
            Cause::NoMessage
            | Cause::NoPanic
            | Cause::ContextBroken
            | Cause::NoVmcore
            | Cause::VmcoreUnreadable
            | Cause::VmcoreCheck
            | Cause::SystemCheck
            | Cause::PstoreRecord
            | Cause::CaseFailed => Verdict::Fail,
        }
    }

    /// Whether another attempt can end otherwise: not once the runner is cancelled, nor for
    /// a guest or a host that would do the same again.
    fn worth_retrying(self) -> bool {
        !matches!(
            self,
            Cause::Cancelled | Cause::ConsoleFlood | Cause::HostDiskFull
        )
    }
}

/// How many times a run is tried: an `error` (the infrastructure's, never the fault's) gets
/// one more attempt.
pub const MAX_ATTEMPTS: u32 = 2;

/// Whether a decision made on attempt `attempt` (1-based) calls for another attempt.
pub fn retry(decision: &Decision, attempt: u32) -> bool {
    decision.verdict() == Verdict::Error
        && attempt < MAX_ATTEMPTS
        && decision.cause.is_some_and(Cause::worth_retrying)
}

/// Whether a verdict counts as passed: a pass, or a skip that says why.
pub fn acceptable(verdict: Verdict, reason: &str) -> bool {
    verdict == Verdict::Pass || (verdict == Verdict::Skip && !reason.is_empty())
}

/// Why a run's fault is not fired at all: the kernel cannot show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CannotShow {
    /// The fault cannot work on this arch, and why.
    OnArch(&'static str),
    /// The kernel lacks this option, without which it shows nothing of the fault.
    Lacking(&'static str),
}

impl CannotShow {
    fn decision(self) -> Decision {
        let (cause, reason) = match self {
            CannotShow::OnArch(why) => (Cause::ArchCannot, why.to_string()),
            CannotShow::Lacking(option) => (
                Cause::KernelLacks,
                format!("needs {option}, which this kernel does not have"),
            ),
        };
        Decision {
            cause: Some(cause),
            observed: String::new(),
            reason,
            checks: Vec::new(),
        }
    }
}

/// What one fault run produced.
pub struct Facts<'a> {
    /// The rules for the fault on this arch and kernel; why it was not fired otherwise.
    pub matcher: Result<&'a Matcher, CannotShow>,
    /// The console, one line each.
    pub console: &'a [String],
    pub end: &'a End,
    /// QEMU's own stderr.
    pub qemu_stderr: &'a str,
    /// What the dump held; `None` when the run was not asked for one.
    pub dump: Option<&'a Evidence>,
    /// The run's correlation id (`id=` of the trigger).
    pub id: &'a str,
    /// What a distribution system kept of the crash (the system guest kind's runs).
    pub system: Option<&'a system::SystemFacts>,
    /// What the capture's dump level is known to lose on this kernel (a system's own
    /// kdump-tools setting), when it loses something.
    pub known_loss: Option<&'a KnownLoss>,
    /// A `--dump pstore` run's record, as the next boot printed it.
    pub pstore: Option<&'a crate::model::pstore::Record>,
    /// The vmcore's log by the capture's `makedumpfile --dump-dmesg` (`None`: not read).
    pub dmesg: Option<&'a Result<Vec<String>, String>>,
    /// What crash read of the vmcore (`None`: not run).
    pub crash: Option<&'a crate::model::crash::CrashFacts>,
}

#[cfg(test)]
impl<'a> Facts<'a> {
    /// A run's facts with its console alone, for the tests to add to.
    pub fn console(matcher: &'a Matcher, console: &'a [String], end: &'a End, id: &'a str) -> Self {
        Facts {
            matcher: Ok(matcher),
            console,
            end,
            qemu_stderr: "",
            dump: None,
            id,
            system: None,
            known_loss: None,
            pstore: None,
            dmesg: None,
            crash: None,
        }
    }
}

/// The judgement of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// `None`: pass.
    pub cause: Option<Cause>,
    /// The console lines that matched the expectation, one per expected line.
    pub observed: String,
    /// Why the verdict is not `pass` (empty for a pass).
    pub reason: String,
    /// The dump checks, in [`vmcore::CHECKS`] order (empty without a dump).
    pub checks: Vec<check::Check>,
}

impl Decision {
    pub fn verdict(&self) -> Verdict {
        self.cause.map_or(Verdict::Pass, Cause::verdict)
    }
}

/// Decides one fault run.
pub fn decide(facts: &Facts<'_>) -> Decision {
    let matcher = match facts.matcher {
        Ok(m) => m,
        Err(cannot) => return cannot.decision(),
    };
    // A pstore run's console goes on into the next boot, which prints the record: the
    // fault is judged on the boot that fired it.
    let console = match facts.pstore {
        Some(_) => crate::model::pstore::first_boot(facts.console),
        None => facts.console,
    };
    if let Some(d) = interrupted(facts.end) {
        return d;
    }
    let judged = matcher.judge(console, facts.end);
    // A crash point the kernel cannot reach (no such function here, or never hit in time)
    // is a skip with the module's reason, never a pass.
    if !judged.passed() {
        if let Some(why) = matcher.unreached(facts.console) {
            return Decision {
                cause: Some(Cause::PointUnreached),
                observed: String::new(),
                reason: why.to_string(),
                checks: Vec::new(),
            };
        }
    }
    let mut d = Decision {
        cause: judged.cause,
        observed: judged.observed,
        reason: judged.reason,
        checks: Vec::new(),
    };
    if d.cause == Some(Cause::NotFired) {
        if let Some(death) = boot::died_before_fault(console) {
            d.reason = format!(
                "the kernel died before the fault ('{death}'): the guest's, not the fault's; {}",
                d.reason
            );
        }
    }
    if d.verdict() == Verdict::Error && !facts.qemu_stderr.trim().is_empty() {
        d.reason = format!("{}; QEMU said: {}", d.reason, facts.qemu_stderr.trim());
    }
    // A system the runner lost before the fault (its agent never answered, say).
    if let (Some(Cause::NotFired), Some(sys)) = (d.cause, facts.system) {
        if !sys.lost.is_empty() {
            d.reason = format!("{}; the system: {}", d.reason, sys.lost);
        }
    }
    if let Some(record) = facts.pstore {
        return with_pstore(d, facts, matcher, record);
    }
    let d = match facts.dump {
        Some(evidence) => with_dump(d, facts, matcher, evidence),
        None => d,
    };
    killed(d, facts)
}

/// A run decided while the runner was being cancelled by `signal`: a pass stands (everything
/// was seen), anything else is the cancel's doing, not the kernel's.
pub fn cancelled(d: Decision, signal: i32) -> Decision {
    if d.cause.is_none() {
        return d;
    }
    interrupted(&End::Cancelled(signal)).unwrap_or(d)
}

/// A guest the runner stopped for the runner's own sake: cancelled, or a console flood.
fn interrupted(end: &End) -> Option<Decision> {
    let (cause, reason) = match end {
        End::Cancelled(signal) => (
            Cause::Cancelled,
            format!(
                "the runner was cancelled ({}) while the guest ran: not judged",
                crate::model::facts::signal_name(*signal)
            ),
        ),
        End::Flooded(what) => (Cause::ConsoleFlood, what.clone()),
        End::SavedGuestChanged(why) => (Cause::SavedGuestChanged, why.clone()),
        _ => return None,
    };
    Some(Decision {
        cause: Some(cause),
        observed: String::new(),
        reason,
        checks: Vec::new(),
    })
}

/// A QEMU killed from outside before the run showed everything: what is missing is the
/// kill's doing, never the kernel's. A run decided before the kill keeps its decision.
fn killed(mut d: Decision, facts: &Facts<'_>) -> Decision {
    let End::Killed(signal) = facts.end else {
        return d;
    };
    let dump_lost = matches!(
        facts.dump,
        Some(Evidence::Missing(_) | Evidence::Unreadable(_))
    );
    let judged_by_console = matches!(
        d.cause,
        Some(Cause::NotFired | Cause::NoMessage | Cause::NoPanic)
    );
    if judged_by_console || (dump_lost && d.cause.is_some()) {
        d.reason = format!(
            "QEMU was killed by {} (not by the runner) before the run showed everything; {}",
            crate::model::facts::signal_name(*signal),
            d.reason
        );
        d.cause = Some(Cause::QemuKilled);
    }
    d
}

#[cfg(test)]
mod stock_tests;
#[cfg(test)]
mod tests;
