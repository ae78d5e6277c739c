// SPDX-License-Identifier: GPL-2.0

//! The dump-level conformance table. For a fatal kdump run with `--dump-levels`, the capture
//! kernel saved one more dump per level after the run's own (see [`crate::vmcore_disk`]);
//! drgn reads each, and the run's dump checks apply to it, plus what a filter can lose
//! without a trace elsewhere: the stacks of every task and the walk of the task list.

use std::{collections::BTreeMap, fs, path::Path};

use serde::{
    Deserialize,
    Serialize, //
};

use crate::{
    dump::{
        Evidence,
        Survey,
        Verifier, //
    },
    protocol::{
        self,
        Event, //
    },
    results::{
        self,
        CheckResult,
        Results, //
    },
    verdict::{
        self,
        Matcher, //
    },
    vmcore_disk,
};

/// One dump level of one run: what a dump at that level kept, as drgn reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelResult {
    /// The makedumpfile dump level, or `elf` (unfiltered).
    pub level: String,
    /// The capture kernel's dump tool (`makedumpfile -v`'s first line).
    pub tool: String,
    /// The dump's size in bytes (0 when there is none).
    pub bytes: u64,
    /// The run's dump checks, then `tasks` and `task_list`.
    pub checks: BTreeMap<String, CheckResult>,
}

/// The checks a level's row has beyond the run's dump checks: every task's stack, and the
/// walk of the task list.
const SURVEY_CHECKS: [&str; 2] = ["tasks", "task_list"];

/// What the survey says of every task's stack, and of the walk of the task list (in
/// [`SURVEY_CHECKS`] order).
fn survey_checks(s: &Survey) -> [(&'static str, CheckResult); 2] {
    let lost: Vec<String> = s.errors.iter().map(|(e, n)| format!("{n}: {e}")).collect();
    [
        (
            SURVEY_CHECKS[0],
            CheckResult {
                ok: s.tasks > 0 && s.unwound == s.tasks,
                detail: if s.tasks == 0 {
                    "no task read: the task list could not be walked".to_string()
                } else if lost.is_empty() {
                    format!("{}/{} stacks unwound", s.unwound, s.tasks)
                } else {
                    format!(
                        "{}/{} stacks unwound ({})",
                        s.unwound,
                        s.tasks,
                        lost.join("; ")
                    )
                },
            },
        ),
        (
            SURVEY_CHECKS[1],
            CheckResult {
                ok: s.task_list.is_empty(),
                detail: if s.task_list.is_empty() {
                    format!("walked to its end ({} tasks)", s.tasks)
                } else {
                    format!("cut short after {} tasks: {}", s.tasks, s.task_list)
                },
            },
        ),
    ]
}

/// A level's row: the dump checks, and what the survey says where drgn read the dump.
fn row(
    level: &str,
    tool: &str,
    bytes: u64,
    checks: &[verdict::dump::Check],
    survey: Option<&Survey>,
) -> LevelResult {
    let mut checks = results::check_results(checks);
    if let Some(survey) = survey {
        checks.extend(
            survey_checks(survey)
                .into_iter()
                .map(|(n, c)| (n.to_string(), c)),
        );
    }
    LevelResult {
        level: level.to_string(),
        tool: tool.to_string(),
        bytes,
        checks,
    }
}

/// The row of the run's own dump (at `level`, the runner's, or `level (elf)` where the
/// capture saved it unfiltered: see the first header of `disk`), from its checks and survey.
pub fn own_level(
    level: &str,
    disk: &Path,
    checks: &[verdict::dump::Check],
    survey: &Survey,
    console: &[String],
    bytes: u64,
) -> LevelResult {
    let saved = vmcore_disk::headers(disk)
        .ok()
        .and_then(|h| h.into_iter().next());
    let level = match saved {
        Some(h) if h.format == protocol::disk::ELF && level != protocol::disk::ELF => {
            format!("{level} (elf)")
        }
        _ => level.to_string(),
    };
    row(&level, &tool(console), bytes, checks, Some(survey))
}

/// The capture kernel's dump tool, as its console names it.
fn tool(console: &[String]) -> String {
    protocol::find(console, Event::DumpTools)
        .and_then(|at| protocol::event(&console[at]))
        .map(|(_, d)| d.to_string())
        .unwrap_or_default()
}

/// The table of every run's levels: a row per level, a column per check (✓ or ✗), then what
/// each ✗ lost.
pub fn table(results: &Results) -> String {
    let mut out = String::new();
    let mut names: Vec<&str> = verdict::dump::CHECKS.to_vec();
    names.extend(SURVEY_CHECKS);
    for r in results.results.iter().filter(|r| !r.conformance.is_empty()) {
        let tool = &r.conformance[0].tool;
        out += &format!(
            "\ndump levels of {} {} on {} ({}):\n  {:<14} {:>8}  {}\n",
            results.arch,
            r.name(),
            results.kernel,
            if tool.is_empty() {
                "dump tool unknown"
            } else {
                tool
            },
            "level",
            "size",
            names.join("  ")
        );
        let mut lost = Vec::new();
        for row in &r.conformance {
            // A level without a dump says so once, not once per check.
            let no_dump = row.bytes == 0;
            let cells: Vec<String> = names
                .iter()
                .map(|n| {
                    let ok = row.checks.get(*n).is_some_and(|c| c.ok);
                    if let (false, Some(c)) = (ok, row.checks.get(*n)) {
                        if !no_dump || *n == names[0] {
                            lost.push(format!("  -d {} {n}: {}", row.level, c.detail));
                        }
                    }
                    format!("{:^w$}", if ok { "✓" } else { "✗" }, w = n.len())
                })
                .collect();
            out += &format!(
                "  {:<14} {:>5} MB  {}\n",
                row.level,
                row.bytes.div_ceil(1 << 20),
                cells.join("  ")
            );
        }
        for l in lost {
            out += &l;
            out.push('\n');
        }
    }
    out
}

/// Reads the dump of every level after the run's own off `disk`, each through
/// `dir/vmcore.<level>` (deleted once read unless `keep`); the capture's `console` names
/// its dump tool.
pub fn read_levels(
    disk: &Path,
    dir: &Path,
    console: &[String],
    verifier: &Verifier,
    matcher: &Matcher,
    id: &str,
    keep: bool,
) -> Vec<LevelResult> {
    let tool = tool(console);
    let headers = vmcore_disk::headers(disk).unwrap_or_default();
    headers
        .iter()
        .skip(1)
        .map(|h| {
            let file = dir.join(format!("vmcore.{}", h.level));
            let evidence = match vmcore_disk::extract_dump(disk, h, &file) {
                Err(why) => Evidence::Missing(why),
                Ok(_) => match verifier.read(&file) {
                    Ok(facts) => Evidence::Read(facts),
                    Err(why) => Evidence::Unreadable(why),
                },
            };
            let bytes = fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            if !keep {
                let _ = fs::remove_file(&file);
            }
            let survey = match &evidence {
                Evidence::Read(facts) => Some(&facts.survey),
                _ => None,
            };
            row(
                &h.level,
                &tool,
                bytes,
                &verdict::dump::check(&evidence, matcher, id),
                survey,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_survey_says_what_was_lost() {
        let all = Survey {
            tasks: 38,
            unwound: 38,
            ..Survey::default()
        };
        let [tasks, list] = survey_checks(&all);
        assert!(tasks.1.ok && list.1.ok);
        assert_eq!(tasks.1.detail, "38/38 stacks unwound");
        let lossy = Survey {
            tasks: 38,
            unwound: 23,
            errors: vec![("Excluded page".into(), 15)],
            task_list: String::new(),
        };
        let [tasks, _] = survey_checks(&lossy);
        assert!(!tasks.1.ok);
        assert_eq!(tasks.1.detail, "23/38 stacks unwound (15: Excluded page)");
        let cut = Survey {
            tasks: 12,
            unwound: 12,
            task_list: "could not read memory".into(),
            ..Survey::default()
        };
        let [_, list] = survey_checks(&cut);
        assert!(!list.1.ok && list.1.detail.contains("after 12 tasks"));
    }
}
