// SPDX-License-Identifier: GPL-2.0

//! The dump-level table's rows. For a fatal kdump run with `--dump-levels`, the capture kernel
//! saved one more dump per makedumpfile level after the run's own; the run's dump checks apply
//! to each, plus what a filter can lose without a trace elsewhere: the stacks of every task
//! and the walk of the task list (drgn's survey).

use crate::model::{
    facts::Survey,
    protocol::{
        self,
        Event, //
    },
    results::{
        check_results,
        CheckResult,
        LevelResult, //
    },
    verdict::check::Check,
};

/// The checks a level's row has beyond the run's dump checks: every task's stack, and the
/// walk of the task list.
pub const SURVEY_CHECKS: [&str; 2] = ["tasks", "task_list"];

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
pub fn row(
    level: &str,
    tool: &str,
    bytes: u64,
    checks: &[Check],
    survey: Option<&Survey>,
) -> LevelResult {
    let mut checks = check_results(checks);
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

/// The name of the run's own level in its row: `level`, or `level (elf)` where the capture
/// saved it unfiltered (`saved_format`, the format of the disk's first dump).
pub fn own_level_name(level: &str, saved_format: Option<&str>) -> String {
    match saved_format {
        Some(f) if f == protocol::disk::ELF && level != protocol::disk::ELF => {
            format!("{level} (elf)")
        }
        _ => level.to_string(),
    }
}

/// The capture kernel's dump tool, as its console names it.
pub fn dump_tool(console: &[String]) -> String {
    protocol::find(console, Event::DumpTools)
        .and_then(|at| protocol::event(&console[at]))
        .map(|(_, d)| d.to_string())
        .unwrap_or_default()
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
