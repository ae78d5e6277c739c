// SPDX-License-Identifier: GPL-2.0

//! Logs kept of a crash besides the console, held to the console's own rules: the fault's
//! message after this run's trigger line, and that trigger line's id (the log is this run's,
//! not an earlier crash's). A pstore record ([`super::pstore`]), a vmcore's kernel log as
//! makedumpfile reads it (`dmesg`), crash's `log`, and what a distribution system kept
//! ([`super::system`]: kdump-tools' dmesg file, systemd-pstore's record).

use super::{
    check::Check,
    console::Matcher, //
};
use crate::model::facts::End;

/// The `dmesg` check's name: the vmcore's log by `makedumpfile --dump-dmesg`.
pub const DMESG: &str = "dmesg";

/// `lines`, a log kept of the run's crash, as check `name`.
pub fn check(name: &'static str, lines: &[String], matcher: &Matcher, id: &str) -> Check {
    let judged = matcher.judge(lines, &End::Exited(None));
    if !judged.passed() {
        return Check::new(name, false, format!("in the log: {}", judged.reason));
    }
    if matcher.trigger_with_id(lines, id).is_none() {
        return Check::new(
            name,
            false,
            format!("the log has the message but not this run's trigger line (id={id})"),
        );
    }
    Check::new(
        name,
        true,
        format!(
            "{} lines, with id={id}: {}",
            lines.len(),
            judged.observed.replace('\n', " / ")
        ),
    )
}

/// The vmcore's log as makedumpfile read it (or why it could not).
pub fn dmesg(log: &Result<Vec<String>, String>, matcher: &Matcher, id: &str) -> Check {
    match log {
        Ok(lines) => check(DMESG, lines, matcher, id),
        Err(why) => Check::new(DMESG, false, why.clone()),
    }
}
