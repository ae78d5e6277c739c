// SPDX-License-Identifier: GPL-2.0

//! `same-verdicts`: whether two results files hold the same runs, in the same order, with the
//! same verdicts and causes, and the same selftest verdict and number of cases: a matrix run
//! whole against the merge of its shards.

use std::path::PathBuf;

use super::expect_cause::judged;
use crate::{
    model::results::Results,
    output::json, //
};

/// The arguments of `same-verdicts`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The reference results.json (the unsharded run).
    pub first: PathBuf,
    /// The results.json that must agree with it (the merged shards).
    pub second: PathBuf,
}

/// What two equal sets agree on: a line per run, then the selftest's.
fn lines(r: &Results) -> Vec<String> {
    let selftest = match &r.selftest {
        Some(s) => format!("selftest {} ({} cases)", s.verdict.name(), s.tests.len()),
        None => "no selftest".to_string(),
    };
    r.results
        .iter()
        .map(|run| format!("{} {}", run.name(), judged(run)))
        .chain(std::iter::once(selftest))
        .collect()
}

/// Where `a` and `b` differ, position by position (`<` a, `>` b; empty: nowhere).
pub fn differences(a: &Results, b: &Results) -> Vec<String> {
    let (a, b) = (lines(a), lines(b));
    let missing = "(nothing)".to_string();
    (0..a.len().max(b.len()))
        .filter_map(|i| {
            let (x, y) = (a.get(i).unwrap_or(&missing), b.get(i).unwrap_or(&missing));
            (x != y).then(|| format!("line {}: < {x}\n          > {y}", i + 1))
        })
        .collect()
}

/// Prints what the two sets agree on, or on stderr where they differ; true when they agree.
pub fn run(args: &Args) -> Result<bool, String> {
    let (a, b) = (json::read(&args.first)?, json::read(&args.second)?);
    let diff = differences(&a, &b);
    if diff.is_empty() {
        let selftest = if a.selftest.is_some() {
            " and the selftest"
        } else {
            ""
        };
        println!(
            "{} runs{selftest}: the same verdicts, causes and order",
            a.results.len()
        );
    } else {
        eprintln!("< {}\n> {}", args.first.display(), args.second.display());
        for d in &diff {
            eprintln!("{d}");
        }
    }
    Ok(diff.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        results::tests::sample,
        verdict::{
            Cause,
            Verdict, //
        },
    };

    #[test]
    fn a_set_equals_itself_whatever_its_timings() {
        let mut b = sample();
        b.results[0].duration_s = 99.0;
        b.results[1].reason = "other words".into();
        assert!(differences(&sample(), &b).is_empty());
    }

    #[test]
    fn verdicts_causes_order_and_selftest_count() {
        let a = sample();
        let mut b = sample();
        b.results[1].cause = Some(Cause::NoPanic);
        assert_eq!(
            differences(&a, &b),
            ["line 2: < STACK_CANARY-hardirq fail/no-message\n          > STACK_CANARY-hardirq fail/no-panic"]
        );
        let mut b = sample();
        b.results.swap(0, 1);
        assert_eq!(differences(&a, &b).len(), 2);
        let mut b = sample();
        b.results.pop();
        assert_eq!(
            differences(&a, &b),
            [
                "line 2: < STACK_CANARY-hardirq fail/no-message\n          > selftest pass (1 cases)",
                "line 3: < selftest pass (1 cases)\n          > (nothing)"
            ]
        );
        let mut b = sample();
        b.selftest.as_mut().unwrap().tests.clear();
        assert_eq!(differences(&a, &b).len(), 1);
        let mut b = sample();
        b.selftest.as_mut().unwrap().verdict = Verdict::Fail;
        assert_eq!(differences(&a, &b).len(), 1);
    }
}
