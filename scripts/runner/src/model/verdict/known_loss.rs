// SPDX-License-Identifier: GPL-2.0

//! What a capture is known to lose, and how the decision reports it.

use super::{
    check,
    vmcore, //
};
use crate::model::facts::Evidence;

/// What a capture is known to lose on this kernel, and the note that names the skew and the
/// fix: a system's kdump-tools at its dump level, or a capture tool that cannot read the
/// kernel at all (its `--dump-dmesg` neither): some checks of a dump that is read
/// (`checks`), or the whole dump (`whole`: no dump is written). What it predicts is
/// reported as that loss, not as a failure; anything else still fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownLoss {
    pub checks: Vec<&'static str>,
    pub whole: bool,
    pub note: String,
}

/// How an excused check's detail begins.
const LOST: &str = "lost to a known skew: ";

/// How the detail of a check begins that the system's own set-up makes moot (a record its
/// configuration cannot keep): told, with what to add, never a failure.
const NOT_KEPT: &str = "not kept by this system's set-up: ";

/// Whether a failed check's `detail` says a known skew lost it, or the system's set-up
/// keeps nothing for it (an excused check, not a failure).
pub fn excused(detail: &str) -> bool {
    detail.starts_with(LOST) || detail.starts_with(NOT_KEPT)
}

/// A check the system's set-up makes moot, and `why` with what to add.
pub(super) fn not_kept(name: &'static str, why: &str) -> check::Check {
    check::Check::new(name, false, format!("{NOT_KEPT}{why}"))
}

/// The checks the system's set-up makes moot ([`not_kept`]), by name.
pub(super) fn moot(checks: &[check::Check]) -> Vec<&'static str> {
    checks
        .iter()
        .filter(|c| !c.ok && c.detail.starts_with(NOT_KEPT))
        .map(|c| c.name)
        .collect()
}

/// Marks the failed checks a known loss explains as that loss; returns their names.
pub(super) fn excuse(
    checks: &mut [check::Check],
    evidence: &Evidence,
    loss: Option<&KnownLoss>,
) -> Vec<&'static str> {
    let Some(loss) = loss else {
        return Vec::new();
    };
    // A dump that is read loses only the checks named; no dump at all, only where none was
    // to be had (and then kdump-tools' dmesg file, which the same tool writes, with it).
    let lost = |name: &str| match evidence {
        Evidence::Read(_) => loss.checks.contains(&name),
        Evidence::Missing(_) | Evidence::Unreadable(_) => {
            loss.whole && (vmcore::CHECKS.contains(&name) || name == "kdump_dmesg")
        }
    };
    let mut excused = Vec::new();
    for c in checks.iter_mut() {
        if !c.ok && lost(c.name) {
            c.detail = format!("{LOST}{}", c.detail);
            excused.push(c.name);
        }
    }
    excused
}
