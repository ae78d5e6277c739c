// SPDX-License-Identifier: GPL-2.0

//! The table `make run` prints: a row per run, then the counts.

use crate::model::{
    results::Results,
    verdict::Verdict, //
};

/// The table `make run` prints.
pub fn table(results: &Results) -> String {
    let mut rows = vec![[
        "arch".to_string(),
        "fault".into(),
        "verdict".into(),
        "time".into(),
        "observed / reason".into(),
    ]];
    for r in &results.results {
        let detail = if r.verdict == Verdict::Pass {
            &r.observed
        } else {
            &r.reason
        };
        let detail = detail.lines().next().unwrap_or_default().to_string();
        rows.push([
            results.arch.clone(),
            r.name(),
            r.verdict.name().into(),
            format!("{:.1}s", r.duration_s),
            detail,
        ]);
    }
    if let Some(s) = &results.selftest {
        let passed = s
            .tests
            .iter()
            .filter(|t| t.verdict == Verdict::Pass)
            .count();
        let detail = if s.reason.is_empty() {
            format!("{passed}/{} in-guest checks passed", s.tests.len())
        } else {
            s.reason.clone()
        };
        rows.push([
            results.arch.clone(),
            format!("selftest {}", s.args),
            s.verdict.name().into(),
            format!("{:.1}s", s.duration_s),
            detail,
        ]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        for (c, w) in widths.iter().enumerate() {
            out += &format!("{:<w$}  ", row[c], w = w);
        }
        out += &row[4];
        out += "\n";
    }
    let count = |v: Verdict| results.results.iter().filter(|r| r.verdict == v).count();
    out += &format!(
        "{}: {} passed, {} failed, {} errors, {} skipped of {} runs\n",
        results.arch,
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::Skip),
        results.results.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::results::tests::sample;

    #[test]
    fn table_has_a_row_per_fault() {
        let t = table(&sample());
        assert!(t.contains("STACK_CANARY-hardirq"));
        assert!(t.contains("1 passed, 1 failed, 0 errors, 0 skipped of 2 runs"));
        assert!(t.contains("selftest --inputs"));
    }
}
