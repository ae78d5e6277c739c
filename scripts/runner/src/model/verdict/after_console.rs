// SPDX-License-Identifier: GPL-2.0

//! The parts of a decision that come after the console's: a pstore run's record, a dump's
//! checks (drgn's, the kept log's, crash's and a system's), what a known skew excuses, and a
//! console cut short at the hand-over judged on the dump's own log.

use super::{
    capture,
    check,
    crash,
    excuse,
    kept_log,
    known_loss::moot,
    pstore,
    system,
    vmcore,
    Cause,
    Decision,
    Facts,
    Matcher, //
};
use crate::model::facts::{
    End,
    Evidence,
    MissingDump, //
};

/// A pstore run's part: the record's check, and the cause it gives when the console passed
/// (a machine that never came back in time is the infrastructure's error, retried).
pub(super) fn with_pstore(
    mut d: Decision,
    facts: &Facts<'_>,
    matcher: &Matcher,
    record: &crate::model::pstore::Record,
) -> Decision {
    let check = pstore::check(record, matcher, facts.id);
    if d.cause.is_none() && !check.ok {
        let timed_out =
            *facts.end == End::Timeout && *record == crate::model::pstore::Record::NotYet;
        d.cause = Some(if timed_out {
            Cause::CaptureTimeout
        } else {
            Cause::PstoreRecord
        });
        d.reason = format!("pstore: {}", check.detail);
    }
    d.checks = vec![check];
    d
}

/// The dump's part of the decision: its checks (and a system's), what a known loss excuses,
/// and the cause a failed check gives when the console passed.
pub(super) fn with_dump(
    mut d: Decision,
    facts: &Facts<'_>,
    matcher: &Matcher,
    evidence: &Evidence,
) -> Decision {
    d.checks = vmcore::check(evidence, matcher, facts.id);
    if let Some(log) = facts.dmesg {
        d.checks.push(kept_log::dmesg(log, matcher, facts.id));
    }
    if let Some(read) = facts.crash {
        d.checks.extend(crash::check(read, matcher, facts.id));
    }
    if let Some(sys) = facts.system {
        d.checks.extend(system::check(sys, matcher, facts.id));
    }
    let mut excused = excuse(&mut d.checks, evidence, facts.known_loss);
    let loss_note = match (excused.is_empty(), facts.known_loss) {
        (false, Some(loss)) => Some(format!(
            "known skews lose {} here: {}",
            excused.join(", "),
            loss.note
        )),
        _ => None,
    };
    // What the system's own set-up cannot keep is told in its check, not failed.
    excused.extend(moot(&d.checks));
    if let Some(cut) = console_cut(&d, evidence, matcher, &excused) {
        return with_note(cut, loss_note);
    }
    if d.cause.is_some() {
        // The console already says why; the checks are reported as they are.
        return d;
    }
    let Some(bad) = d
        .checks
        .iter()
        .find(|c| !c.ok && !excused.contains(&c.name))
    else {
        if let Some(note) = loss_note {
            d.reason = format!("passed; {note}");
        }
        return d;
    };
    let (cause, reason) = match evidence {
        // Out of time after the panic: the capture kernel never booted or hung. That is
        // the infrastructure's failure (retried), not the fault's, whatever else is
        // missing for it (a system's records after the reboot, say).
        Evidence::Missing(MissingDump::HostFull(why)) => (Cause::HostDiskFull, why.clone()),
        Evidence::Missing(why) if *facts.end == End::Timeout => (
            Cause::CaptureTimeout,
            format!(
                "the capture did not finish before the time limit ({}): {why}",
                capture::progress(facts.console)
            ),
        ),
        _ if system::CHECKS.contains(&bad.name) => (
            Cause::SystemCheck,
            format!("system check '{}' failed: {}", bad.name, bad.detail),
        ),
        Evidence::Read(_) => (
            Cause::VmcoreCheck,
            format!("vmcore check '{}' failed: {}", bad.name, bad.detail),
        ),
        Evidence::Missing(why) => match capture::died_booting(facts.console) {
            Some(panic) => (
                Cause::CaptureBootFailed,
                format!("the capture kernel died while booting ('{panic}'): {why}"),
            ),
            None => (Cause::NoVmcore, why.to_string()),
        },
        Evidence::Unreadable(why) => (Cause::VmcoreUnreadable, why.clone()),
    };
    d.cause = Some(cause);
    d.reason = reason;
    d
}

/// A pass's reason with the note of what known skews lost, if any.
fn with_note(mut d: Decision, note: Option<String>) -> Decision {
    if let Some(note) = note {
        d.reason = format!("{}; {note}", d.reason);
    }
    d
}

/// The console lost the run's last lines, and the dump of this very run has them all: a
/// pass, judged on the kernel's own log. At the hand-over to the capture kernel the serial
/// console can be cut short (the panic CPU kexecs before every pending line is printed),
/// while the log buffer in the dump holds every line the kernel wrote. The dump's checks
/// (the same matcher, the trigger's id, the stack and the context) must all have passed,
/// but for those a known skew of the dump tools loses (`excused`, e.g. crash's `bt` on a
/// kernel newer than it); anything else stays the console's verdict.
fn console_cut(
    d: &Decision,
    evidence: &Evidence,
    matcher: &Matcher,
    excused: &[&str],
) -> Option<Decision> {
    if !matches!(d.cause, Some(Cause::NoMessage | Cause::NoPanic)) {
        return None;
    }
    let Evidence::Read(facts) = evidence else {
        return None;
    };
    let held = |c: &check::Check| c.ok || excused.contains(&c.name);
    if d.checks.is_empty() || !d.checks.iter().all(held) {
        return None;
    }
    // The dump's own log must show what the console lost, whatever a skew excuses.
    let in_dump = matcher.judge(&facts.dmesg, &End::Exited(None));
    if !in_dump.passed() {
        return None;
    }
    Some(Decision {
        cause: None,
        observed: in_dump.observed,
        reason: format!("{CONSOLE_CUT}; {}", d.reason),
        checks: d.checks.clone(),
    })
}

/// What a pass judged on the dump's log says (its `reason`).
pub const CONSOLE_CUT: &str =
    "judged on the vmcore's log: the console was cut short at the hand-over to the capture kernel";
