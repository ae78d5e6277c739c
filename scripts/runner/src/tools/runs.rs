// SPDX-License-Identifier: GPL-2.0

//! `runs`: a results file's runs as lines a script reads with `read` or awk, so that no
//! script parses results.json itself.

use std::path::Path;

use crate::{
    model::{
        results::Results,
        verdict::Cause, //
    },
    output::json,
};

/// The lines of `r`: `incomplete<TAB>why` first when the set is not whole, then one line per
/// run, `name<TAB>verdict<TAB>cause (- without one)<TAB>attempts<TAB>seconds<TAB>reason`
/// (the reason's first line).
pub fn lines(r: &Results) -> String {
    let mut out = String::new();
    if let Some(why) = &r.incomplete {
        out += &format!("incomplete\t{why}\n");
    }
    for run in &r.results {
        let cause = run.cause.map_or_else(|| "-".to_string(), Cause::key);
        out += &format!(
            "{}\t{}\t{cause}\t{}\t{}\t{}\n",
            run.name(),
            run.verdict.name(),
            run.attempts,
            run.duration_s,
            run.reason.lines().next().unwrap_or_default()
        );
    }
    out
}

/// `runs FILE`: prints [`lines`] of a results.json.
pub fn run(file: &Path) -> Result<bool, String> {
    print!("{}", lines(&json::read(file)?));
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::results::tests::sample;

    #[test]
    fn one_tab_separated_line_per_run_after_incomplete() {
        let mut r = sample();
        r.incomplete = Some("cancelled by SIGINT".into());
        let text = lines(&r);
        let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows[0], ["incomplete", "cancelled by SIGINT"]);
        assert_eq!(rows.len(), r.results.len() + 1);
        assert_eq!(
            rows[1][..4],
            [r.results[0].name().as_str(), "pass", "-", "1"]
        );
        assert_eq!(rows[2][1..3], ["fail", "no-message"]);
        assert!(rows.iter().skip(1).all(|f| f.len() == 6));
    }
}
