// SPDX-License-Identifier: GPL-2.0

//! The selftest's verdict: the in-guest KTAP run and the module's KUnit suite folded into one.

use super::{
    Cause,
    Verdict, //
};
use crate::model::{
    ktap::{
        Ktap,
        Kunit, //
    },
    results::SubTest,
};

/// What one selftest guest produced.
pub struct SelftestFacts {
    /// The selftest's own KTAP.
    pub ktap: Ktap,
    /// Whether the init saw the selftest exit.
    pub finished: bool,
    /// The KUnit suite, which runs on `insmod`, before the selftest (`None`: it never ran).
    pub kunit: Option<Kunit>,
    /// The suite's name, for the reasons.
    pub suite: &'static str,
    /// Whether the kernel can run KUnit suites (`CONFIG_KUNIT`); without, the suite is a skip.
    pub kunit_expected: bool,
    /// The `faults` file held to the catalog, a case per fault ([`super::listing`]).
    pub listing: Vec<SubTest>,
    /// Run through the kernel's kselftest runner: its result for the selftest (`Some(None)`:
    /// it never finished it).
    pub kselftest: Option<Option<SubTest>>,
}

/// The selftest's decision: its cases (KTAP, then KUnit as `kunit.<case>`), and why it did
/// not pass (`None`: it passed).
pub struct SelftestDecision {
    pub tests: Vec<SubTest>,
    pub cause: Option<Cause>,
    pub reason: String,
}

/// The in-guest KTAP run alone: complete (`finished`: the selftest exited), no case failed,
/// and not all skipped.
fn judge_ktap(ktap: &Ktap, finished: bool) -> (Option<Cause>, String) {
    let tests = &ktap.tests;
    match ktap.plan {
        None => (
            Some(Cause::SelftestIncomplete),
            "the selftest printed no KTAP plan".to_string(),
        ),
        Some(plan) if !finished || tests.len() != plan => (
            Some(Cause::SelftestIncomplete),
            format!("the selftest stopped after {} of {plan} cases", tests.len()),
        ),
        Some(_) => {
            let failed = failed_names(tests);
            if !failed.is_empty() {
                (
                    Some(Cause::CaseFailed),
                    format!("failed in the guest: {}", failed.join(", ")),
                )
            } else if tests.iter().all(|t| t.verdict == Verdict::Skip) {
                (
                    Some(Cause::AllSkipped),
                    "every in-guest case was skipped".into(),
                )
            } else {
                (None, String::new())
            }
        }
    }
}

/// The selftest passes when it ran to the end of its plan with no case failed, not every case
/// skipped, and the KUnit suite ran and passed.
pub fn decide(facts: SelftestFacts) -> SelftestDecision {
    let SelftestFacts {
        ktap,
        finished,
        kunit,
        suite,
        kunit_expected,
        listing,
        kselftest,
    } = facts;
    let (mut cause, mut reason) = judge_ktap(&ktap, finished);
    let mut tests = ktap.tests;
    match kunit {
        Some(k) => {
            let failed = failed_names(&k.cases);
            tests.extend(k.cases);
            if cause.is_none() && k.suite_ok != Some(true) {
                cause = Some(if k.suite_ok.is_none() {
                    Cause::SelftestIncomplete
                } else {
                    Cause::CaseFailed
                });
                reason = if failed.is_empty() {
                    format!("KUnit suite {suite} did not finish")
                } else {
                    format!("KUnit cases failed in the guest: {}", failed.join(", "))
                };
            }
        }
        None if !kunit_expected => tests.push(SubTest {
            name: format!("kunit.{suite}"),
            verdict: Verdict::Skip,
            reason: "CONFIG_KUNIT is not set in this kernel".into(),
        }),
        None if cause.is_none() => {
            cause = Some(Cause::SelftestIncomplete);
            reason = format!(
                "KUnit suite {suite} did not run on insmod (kernel without CONFIG_KUNIT=y?)"
            );
        }
        None => {}
    }
    if let Some(result) = kselftest {
        let result = result.unwrap_or_else(|| SubTest {
            name: "run_kselftest".into(),
            verdict: Verdict::Fail,
            reason: "the kselftest runner never reported the selftest's result".into(),
        });
        if cause.is_none() && result.verdict != Verdict::Pass {
            cause = Some(Cause::CaseFailed);
            reason = format!("run_kselftest.sh: not ok ({})", result.reason);
        }
        tests.push(result);
    }
    let wrong = failed_names(&listing);
    tests.extend(listing);
    if cause.is_none() && !wrong.is_empty() {
        cause = Some(Cause::CaseFailed);
        reason = format!(
            "the faults file says otherwise than this kernel does: {}",
            wrong.join(", ")
        );
    }
    SelftestDecision {
        tests,
        cause,
        reason,
    }
}

fn failed_names(tests: &[SubTest]) -> Vec<String> {
    tests
        .iter()
        .filter(|t| t.verdict == Verdict::Fail)
        .map(|t| t.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ktap::{
        self,
        tests::{
            lines,
            KTAP, //
        },
    };

    const KUNIT_OK: &str = "\
[    2.1]     # Subtest: panicgen
[    2.1]     1..1
[    2.2]     ok 1 parses_names
[    2.2] ok 1 panicgen
";

    fn decide_text(selftest: &str, finished: bool, kunit: &str) -> SelftestDecision {
        let all = lines(&format!("{kunit}{selftest}"));
        decide(SelftestFacts {
            ktap: ktap::parse(&all),
            finished,
            kunit: ktap::parse_kunit(&all, "panicgen"),
            suite: "panicgen",
            kunit_expected: true,
            listing: Vec::new(),
            kselftest: None,
        })
    }

    /// The selftest through the kernel's kselftest runner, as a guest's console shows it.
    fn through_kselftest(console: &str) -> SelftestDecision {
        let all = lines(&format!("{KUNIT_OK}{console}"));
        let run = ktap::unwrap_kselftest(&all, ktap::KSELFTEST_TEST);
        let inner = run.as_ref().map_or(Vec::new(), |r| r.lines.clone());
        decide(SelftestFacts {
            ktap: ktap::parse(&inner),
            finished: true,
            kunit: ktap::parse_kunit(&all, "panicgen"),
            suite: "panicgen",
            kunit_expected: true,
            listing: Vec::new(),
            kselftest: Some(run.and_then(|r| r.result)),
        })
    }

    /// Recorded from a guest (run_kselftest.sh of Linux 7.3, busybox userland).
    const KSELFTEST_OK: &str = "TAP version 13
1..1
[    1.841422] kselftest: Running tests in panicgen
# timeout set to 300
# selftests: panicgen: panicgen.sh
# KTAP version 1
# 1..2
# ok 1 irq_state_hardirq
[    1.942482] clocksource: Switched to clocksource tsc
# # unload_armed: probes on schedule: 1 armed, 0 after rmmod
# ok 2 unload_armed
# # totals: pass:2 fail:0 skip:0
ok 1 selftests: panicgen: panicgen.sh
# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0
";

    #[test]
    fn through_the_kselftest_runner() {
        let d = through_kselftest(KSELFTEST_OK);
        assert_eq!(d.cause, None, "{}", d.reason);
        let names: Vec<&str> = d.tests.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "irq_state_hardirq",
                "unload_armed",
                "kunit.parses_names",
                "run_kselftest"
            ]
        );
        let timed_out = KSELFTEST_OK.replace(
            "ok 1 selftests: panicgen: panicgen.sh",
            "not ok 1 selftests: panicgen: panicgen.sh # TIMEOUT 300 seconds",
        );
        let d = through_kselftest(&timed_out);
        assert_eq!(d.cause, Some(Cause::CaseFailed));
        assert!(d.reason.contains("TIMEOUT 300 seconds"), "{}", d.reason);
        let cut = KSELFTEST_OK
            .split("ok 1 selftests")
            .next()
            .unwrap()
            .to_string();
        assert_eq!(through_kselftest(&cut).cause, Some(Cause::CaseFailed));
        let never = "TAP version 13\n1..0\n";
        assert_eq!(
            through_kselftest(never).cause,
            Some(Cause::SelftestIncomplete)
        );
    }

    fn cause(selftest: &str, finished: bool, kunit: &str) -> Option<Cause> {
        decide_text(selftest, finished, kunit).cause
    }

    #[test]
    fn selftest_verdicts() {
        assert_eq!(cause(KTAP, true, KUNIT_OK), Some(Cause::CaseFailed));
        let one = "KTAP version 1\n1..1\nok 1 input_unknown_name\n";
        assert_eq!(cause(one, true, KUNIT_OK), None);
        assert_eq!(cause(one, false, KUNIT_OK), Some(Cause::SelftestIncomplete));
        let short = "KTAP version 1\n1..2\nok 1 input_unknown_name\n";
        assert_eq!(
            cause(short, true, KUNIT_OK),
            Some(Cause::SelftestIncomplete)
        );
        let skipped = "KTAP version 1\n1..1\nok 1 x # SKIP no reason to run\n";
        assert_eq!(cause(skipped, true, KUNIT_OK), Some(Cause::AllSkipped));
        // An error with no cases at all (the selftest never printed its plan).
        let d = decide_text("", true, KUNIT_OK);
        assert_eq!(d.cause, Some(Cause::SelftestIncomplete));
        assert_eq!(d.cause.map(Cause::verdict), Some(Verdict::Error));
    }

    #[test]
    fn kunit_folds_in() {
        let one = "KTAP version 1\n1..1\nok 1 input_unknown_name\n";
        let d = decide_text(one, true, KUNIT_OK);
        assert_eq!(d.tests.len(), 2);
        assert_eq!(d.tests[1].name, "kunit.parses_names");
        // A failed KUnit case fails the selftest.
        let bad = KUNIT_OK
            .replace("ok 1 parses_names", "not ok 1 parses_names")
            .replace("ok 1 panicgen", "not ok 1 panicgen");
        let d = decide_text(one, true, &bad);
        assert_eq!(d.cause, Some(Cause::CaseFailed));
        assert!(d.reason.contains("kunit.parses_names"), "{}", d.reason);
        // A suite that never ran, or never finished, is an error.
        assert_eq!(cause(one, true, ""), Some(Cause::SelftestIncomplete));
        let unfinished = KUNIT_OK.replace("[    2.2] ok 1 panicgen\n", "");
        assert_eq!(
            cause(one, true, &unfinished),
            Some(Cause::SelftestIncomplete)
        );
    }
}
