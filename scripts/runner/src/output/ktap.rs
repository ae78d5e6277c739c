// SPDX-License-Identifier: GPL-2.0

//! `results.ktap`: one KTAP test per fault run, then the selftest with its cases as subtests
//! (the kernel's `Documentation/dev-tools/ktap.rst`).

use crate::model::{
    results::Results,
    verdict::Verdict, //
};

/// One KTAP result line (`indent` for subtests).
pub fn line(n: usize, name: &str, verdict: Verdict, reason: &str, indent: &str) -> String {
    let reason = reason.replace('\n', " ");
    match verdict {
        Verdict::Pass => format!("{indent}ok {n} {name}\n"),
        Verdict::Skip => format!("{indent}ok {n} {name} # SKIP {reason}\n"),
        Verdict::Fail | Verdict::Error => {
            format!("{indent}not ok {n} {name} # {}: {reason}\n", verdict.name())
        }
    }
}

/// KTAP: one test per fault, then the selftest with its cases as subtests.
pub fn to_ktap(results: &Results) -> String {
    let mut out = String::from("KTAP version 1\n");
    out += &format!(
        "# panicgen {} kernel {} accel {}\n",
        results.arch, results.kernel, results.accel
    );
    if let Some(why) = &results.incomplete {
        out += &format!("# incomplete: {why}\n");
    }
    let total = results.results.len() + usize::from(results.selftest.is_some());
    out += &format!("1..{total}\n");
    for (i, r) in results.results.iter().enumerate() {
        out += &line(i + 1, &r.name(), r.verdict, &r.reason, "");
    }
    if let Some(s) = &results.selftest {
        out += "    KTAP version 1\n";
        out += &format!("    1..{}\n", s.tests.len());
        for (i, t) in s.tests.iter().enumerate() {
            out += &line(i + 1, &t.name, t.verdict, &t.reason, "    ");
        }
        out += &line(total, "selftest", s.verdict, &s.reason, "");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        ktap::{
            parse,
            tests::lines, //
        },
        results::tests::sample,
    };

    #[test]
    fn written_lines_read_back() {
        let text = format!(
            "KTAP version 1\n1..3\n{}{}{}",
            line(1, "BUG", Verdict::Pass, "", ""),
            line(2, "X-hardirq", Verdict::Fail, "no message", ""),
            line(3, "DIVIDE_ERROR", Verdict::Skip, "x86 only", "")
        );
        let run = parse(&lines(&text));
        assert_eq!(run.plan, Some(3));
        let v: Vec<Verdict> = run.tests.iter().map(|t| t.verdict).collect();
        assert_eq!(v, [Verdict::Pass, Verdict::Fail, Verdict::Skip]);
        assert_eq!(run.tests[2].reason, "x86 only");
    }
    #[test]
    fn ktap_and_exit_status() {
        let r = sample();
        let text = to_ktap(&r);
        assert!(text.starts_with("KTAP version 1\n"));
        assert!(text.contains("1..3\n"));
        assert!(text.contains("ok 1 BUG\n"));
        assert!(text.contains("not ok 2 STACK_CANARY-hardirq # fail: no message\n"));
        assert!(!r.all_passed());
        let mut skipped = sample();
        skipped.results[1].verdict = Verdict::Skip;
        assert!(skipped.all_passed(), "an explained skip is not a failure");
        skipped.results[1].reason.clear();
        assert!(!skipped.all_passed(), "a skip without a reason is");
    }

    #[test]
    fn an_incomplete_set_says_so() {
        let mut r = sample();
        assert!(!to_ktap(&r).contains("# incomplete"));
        r.incomplete = Some("cancelled by SIGTERM: 1 of 3 runs finished".into());
        assert!(to_ktap(&r)
            .contains("\n# incomplete: cancelled by SIGTERM: 1 of 3 runs finished\n1..3\n"));
        assert!(crate::output::junit::to_junit(&r).contains("name=\"incomplete\""));
    }
}
