// SPDX-License-Identifier: GPL-2.0

//! The `crash_*` checks: what crash read of a vmcore ([`crate::model::crash`]). Its `log`
//! holds the fault's message and this run's trigger id, by the console's rules; `bt` of the
//! crashed task names the fault's function; `ps` lists tasks; `mod` lists panicgen. What a
//! known skew of crash loses on this kernel is excused by name, as that skew's loss.

use super::{
    check::{
        sites,
        Check, //
    },
    console::Matcher,
    kept_log, //
};
use crate::model::{
    crash::CrashFacts,
    symbols, //
};

/// The checks' names, in report order.
pub const CHECKS: [&str; 4] = ["crash_log", "crash_bt", "crash_ps", "crash_mod"];

/// crash's reading of the dump, as the four checks.
pub fn check(facts: &CrashFacts, matcher: &Matcher, id: &str) -> Vec<Check> {
    if facts.sections.is_empty() {
        let why = format!("crash did not run its commands: {}", facts.error);
        return CHECKS
            .iter()
            .map(|c| Check::new(c, false, why.clone()))
            .collect();
    }
    let section = |c: &str| facts.sections.get(c).map_or(&[][..], Vec::as_slice);
    vec![
        kept_log::check("crash_log", section("log"), matcher, id),
        backtrace(section("bt"), matcher),
        tasks(section("ps")),
        module(section("mod")),
    ]
}

/// `bt` of the crashed task names the fault's function.
fn backtrace(lines: &[String], matcher: &Matcher) -> Check {
    let sites = sites(matcher.fault());
    let text = symbols::symbolise(lines);
    match text
        .lines()
        .find(|l| sites.iter().any(|s| l.contains(s.as_str())))
    {
        Some(frame) => Check::new("crash_bt", true, frame.trim().to_string()),
        None => Check::new(
            "crash_bt",
            false,
            format!(
                "bt does not name {}: {}",
                sites[0],
                lines
                    .iter()
                    .find(|l| l.contains("exception") || l.contains("bt:"))
                    .or(lines.first())
                    .map_or("no output", |l| l.trim())
            ),
        ),
    }
}

/// `ps` lists the tasks (a row per task after its header).
fn tasks(lines: &[String]) -> Check {
    let rows = lines
        .iter()
        .filter(|l| {
            let w: Vec<&str> = l
                .trim_start_matches(['>', ' '])
                .split_whitespace()
                .collect();
            w.len() >= 9 && w[0].parse::<u32>().is_ok()
        })
        .count();
    Check::new(
        "crash_ps",
        rows > 0,
        if rows > 0 {
            format!("{rows} tasks")
        } else {
            format!(
                "ps listed no task: {}",
                lines.first().map_or("", |l| l.trim())
            )
        },
    )
}

/// `mod` lists panicgen.
fn module(lines: &[String]) -> Check {
    match lines
        .iter()
        .find(|l| l.split_whitespace().any(|w| w == "panicgen"))
    {
        Some(l) => Check::new("crash_mod", true, l.trim().to_string()),
        None => Check::new(
            "crash_mod",
            false,
            format!(
                "mod does not list panicgen: {}",
                lines.first().map_or("no output", |l| l.trim())
            ),
        ),
    }
}
