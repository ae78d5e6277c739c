// SPDX-License-Identifier: GPL-2.0

//! `own-level-intact`: whether every run's dump at the runner's own dump level (the first row
//! of its dump-level table) kept every check, and the capture saved other levels beside it.
//! The matrix's verdicts rest on what that level keeps.

use std::path::PathBuf;

use crate::{
    model::results::{
        FaultResult,
        Results, //
    },
    output::json, //
};

/// The arguments of `own-level-intact`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The results.json of a run with --dump-levels.
    pub file: PathBuf,
}

/// What one run's own level lost, one line each.
fn run_losses(run: &FaultResult) -> Vec<String> {
    let name = run.name();
    let Some(own) = run.dump_levels.first() else {
        return vec![format!("{name}: no dump-level rows")];
    };
    let mut out: Vec<String> = own
        .checks
        .iter()
        .filter(|(_, c)| !c.ok && !crate::model::verdict::excused(&c.detail))
        .map(|(check, c)| format!("{name} -d {} {check}: {}", own.level, c.detail))
        .collect();
    if own.checks.is_empty() {
        out.push(format!("{name} -d {}: no checks", own.level));
    }
    if run.dump_levels.len() < 2 {
        out.push(format!("{name}: the capture saved no other level"));
    }
    out
}

/// Everything the runs' own level lost (empty: nothing).
pub fn losses(r: &Results) -> Vec<String> {
    if r.results.is_empty() {
        return vec!["no runs in the results".to_string()];
    }
    r.results.iter().flat_map(run_losses).collect()
}

/// Prints on stderr what the runner's own level lost; true when it lost nothing.
pub fn run(args: &Args) -> Result<bool, String> {
    let bad = losses(&json::read(&args.file)?);
    for b in &bad {
        eprintln!("{b}");
    }
    Ok(bad.is_empty())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::results::{
        tests::sample,
        CheckResult,
        LevelResult, //
    };

    fn row(level: &str, checks: &[(&str, bool)]) -> LevelResult {
        LevelResult {
            level: level.into(),
            tool: "makedumpfile: version 1.7.2".into(),
            bytes: 11 << 20,
            checks: checks
                .iter()
                .map(|&(n, ok)| {
                    let detail = if ok { "kept" } else { "lost" };
                    (
                        n.to_string(),
                        CheckResult {
                            ok,
                            detail: detail.into(),
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        }
    }

    /// The sample's two runs, each with its own level and -d 31.
    fn levels(own: &[(&str, bool)]) -> Results {
        let mut r = sample();
        for run in &mut r.results {
            run.dump_levels = vec![row("31+alias", own), row("31", &[("tasks", false)])];
        }
        r
    }

    #[test]
    fn other_levels_may_lose_what_the_own_level_keeps() {
        assert!(losses(&levels(&[("stack", true), ("tasks", true)])).is_empty());
    }

    #[test]
    fn a_loss_at_the_own_level_is_named() {
        let bad = losses(&levels(&[("stack", true), ("tasks", false)]));
        assert_eq!(
            bad,
            [
                "BUG -d 31+alias tasks: lost",
                "STACK_CANARY-hardirq -d 31+alias tasks: lost"
            ]
        );
        assert_eq!(losses(&levels(&[])).len(), 2, "a row without checks");
    }

    #[test]
    fn rows_and_other_levels_must_be_there() {
        let mut r = levels(&[("stack", true)]);
        r.results[0].dump_levels.truncate(1);
        r.results[1].dump_levels.clear();
        assert_eq!(
            losses(&r),
            [
                "BUG: the capture saved no other level",
                "STACK_CANARY-hardirq: no dump-level rows"
            ]
        );
        r.results.clear();
        assert_eq!(losses(&r).len(), 1);
    }
}
