// SPDX-License-Identifier: GPL-2.0

//! `expect-cause`: whether every run of a results file was judged for the one reason a
//! negative control must produce, read from its typed `cause` (never the prose of `reason`),
//! and, for a dump that failed its checks, whether exactly the expected checks failed.

use std::path::PathBuf;

use crate::{
    model::{
        results::{
            FaultResult,
            Results, //
        },
        verdict::Cause,
    },
    output::json, //
};

/// The arguments of `expect-cause`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A results.json.
    pub file: PathBuf,
    /// The cause every run must have, as results.json spells it (no-message, no-vmcore,
    /// vmcore-check, ...); the verdict follows from it.
    #[arg(value_parser = parse_cause)]
    pub cause: Cause,
    /// The dump checks that must have failed, every other one passed (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub failed_checks: Vec<String>,
    /// A pattern every run's reason must match (what the runner must tell, e.g. the fix).
    #[arg(long, value_parser = parse_reason)]
    pub reason: Option<regex::Regex>,
}

fn parse_reason(v: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(v).map_err(|e| format!("--reason '{v}': {e}"))
}

fn parse_cause(v: &str) -> Result<Cause, String> {
    serde_json::from_value(serde_json::Value::String(v.to_string()))
        .map_err(|_| format!("unknown cause '{v}' (results.json's spelling: no-message, ...)"))
}

/// A run's `verdict/cause` (`-` without a cause), as results.json has them.
pub fn judged(run: &FaultResult) -> String {
    let cause = run.cause.map_or_else(|| "-".to_string(), Cause::key);
    format!("{}/{cause}", run.verdict.name())
}

/// What a run must be judged: its cause, the dump checks that failed, what its reason says.
pub struct Expected<'a> {
    pub cause: Cause,
    pub failed_checks: &'a [String],
    pub reason: Option<&'a regex::Regex>,
}

/// Why `run` is not what was expected, if it is not.
fn mismatch(run: &FaultResult, expected: &Expected<'_>) -> Option<String> {
    let (name, cause, failed_checks) = (run.name(), expected.cause, expected.failed_checks);
    if run.cause != Some(cause) || run.verdict != cause.verdict() {
        let wanted = FaultResult {
            verdict: cause.verdict(),
            cause: Some(cause),
            ..run.clone()
        };
        return Some(format!("{name}: {}, not {}", judged(run), judged(&wanted)));
    }
    if let Some(re) = expected.reason.filter(|re| !re.is_match(&run.reason)) {
        return Some(format!(
            "{name}: its reason does not match '{re}': {}",
            run.reason
        ));
    }
    if failed_checks.is_empty() {
        return None;
    }
    let Some(dump) = &run.dump else {
        return Some(format!("{name}: no dump checks"));
    };
    let failed: Vec<&str> = dump
        .vmcore_checks
        .iter()
        .filter(|(_, c)| !c.ok && !crate::model::verdict::excused(&c.detail))
        .map(|(n, _)| n.as_str())
        .collect();
    let mut wanted: Vec<&str> = failed_checks.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    wanted.dedup();
    (failed != wanted).then(|| {
        format!(
            "{name}: the dump failed [{}], not exactly [{}]",
            failed.join(", "),
            wanted.join(", ")
        )
    })
}

/// Every way the runs of `r` differ from what was expected (empty: all as expected).
pub fn mismatches(r: &Results, expected: &Expected<'_>) -> Vec<String> {
    if r.results.is_empty() {
        return vec!["no runs in the results".to_string()];
    }
    r.results
        .iter()
        .filter_map(|run| mismatch(run, expected))
        .collect()
}

/// Prints every run's `name: verdict/cause`, and on stderr what was not expected; true when
/// every run was.
pub fn run(args: &Args) -> Result<bool, String> {
    let r = json::read(&args.file)?;
    for run in &r.results {
        println!("{}: {}", run.name(), judged(run));
    }
    let expected = Expected {
        cause: args.cause,
        failed_checks: &args.failed_checks,
        reason: args.reason.as_ref(),
    };
    let bad = mismatches(&r, &expected);
    for b in &bad {
        eprintln!("{}: {b}", args.file.display());
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
        DumpResult, //
    };

    fn m(r: &Results, cause: Cause, failed_checks: &[String]) -> Vec<String> {
        let expected = Expected {
            cause,
            failed_checks,
            reason: None,
        };
        mismatches(r, &expected)
    }

    #[test]
    fn the_reason_must_match_when_asked() {
        let r = canary();
        let said = regex::Regex::new(&regex::escape(&r.results[0].reason)).unwrap();
        let other = regex::Regex::new("mokutil --import").unwrap();
        let with = |re| Expected {
            cause: Cause::NoMessage,
            failed_checks: &[],
            reason: Some(re),
        };
        assert!(mismatches(&r, &with(&said)).is_empty());
        assert_eq!(mismatches(&r, &with(&other)).len(), 1);
    }

    /// The sample's STACK_CANARY run alone: fail/no-message.
    fn canary() -> Results {
        let mut r = sample();
        r.results.remove(0);
        r
    }

    #[test]
    fn causes_are_read_as_results_json_spells_them() {
        assert_eq!(parse_cause("no-vmcore"), Ok(Cause::NoVmcore));
        assert!(parse_cause("NoVmcore").is_err());
        let r = sample();
        assert_eq!(judged(&r.results[0]), "pass/-");
        assert_eq!(judged(&r.results[1]), "fail/no-message");
    }

    #[test]
    fn every_run_must_have_the_cause() {
        assert!(m(&canary(), Cause::NoMessage, &[]).is_empty());
        let bad = m(&canary(), Cause::NoVmcore, &[]);
        assert_eq!(
            bad,
            ["STACK_CANARY-hardirq: fail/no-message, not fail/no-vmcore"]
        );
        // The sample's passing BUG run spoils the set.
        assert_eq!(m(&sample(), Cause::NoMessage, &[]).len(), 1);
        let mut none = canary();
        none.results.clear();
        assert_eq!(m(&none, Cause::NoMessage, &[]).len(), 1);
        // A cause whose verdict is not the run's is not the expected judgement either.
        let mut odd = canary();
        odd.results[0].verdict = crate::model::verdict::Verdict::Error;
        assert_eq!(m(&odd, Cause::NoMessage, &[]).len(), 1);
    }

    #[test]
    fn exactly_the_named_checks_must_fail() {
        let mut r = canary();
        r.results[0].cause = Some(Cause::VmcoreCheck);
        let context = vec!["context".to_string()];
        assert_eq!(
            m(&r, Cause::VmcoreCheck, &context),
            ["STACK_CANARY-hardirq: no dump checks"]
        );
        let check = |ok| CheckResult {
            ok,
            detail: String::new(),
        };
        let mut checks = BTreeMap::from([
            ("captured".to_string(), check(true)),
            ("context".to_string(), check(false)),
        ]);
        let with = |checks: &BTreeMap<String, CheckResult>| {
            let mut r = r.clone();
            r.results[0].dump = Some(DumpResult {
                vmcore: None,
                vmcore_checks: checks.clone(),
            });
            r
        };
        assert!(m(&with(&checks), Cause::VmcoreCheck, &context).is_empty());
        checks.insert("stack".to_string(), check(false));
        assert_eq!(
            m(&with(&checks), Cause::VmcoreCheck, &context),
            ["STACK_CANARY-hardirq: the dump failed [context, stack], not exactly [context]"]
        );
        checks.insert("stack".to_string(), check(true));
        checks.insert("context".to_string(), check(true));
        assert_eq!(m(&with(&checks), Cause::VmcoreCheck, &context).len(), 1);
    }
}
