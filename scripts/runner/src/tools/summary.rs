// SPDX-License-Identifier: GPL-2.0

//! `summary`: the counts `make check` adds up, and a recap of what did not pass.

use std::path::PathBuf;

use crate::{
    model::{
        results::Counts,
        verdict::Verdict, //
    },
    output::json,
};

/// How many runs per results file the recap shows the console's end of.
const TAILS: usize = 3;
/// How many of a console's last lines the recap shows.
const TAIL_LINES: usize = 12;

/// `summary`: prints `<passed> <failed> <skipped>` over the files, and on stderr one line
/// per run that did not pass (a recap for the end of a long log), the first few followed
/// by their console's last lines (a CI log is often all there is); succeeds when nothing
/// failed (a selftest or KUnit suite that did not pass is a failure too).
pub fn summary(files: &[PathBuf]) -> Result<bool, String> {
    let mut total = Counts::default();
    let mut all = true;
    for f in files {
        let r = json::read(f)?;
        if r.results.is_empty() {
            return Err(format!("{} holds no fault results", f.display()));
        }
        let target = &r.target;
        for (n, res) in r.results.iter().filter(|res| !res.acceptable()).enumerate() {
            eprintln!(
                "{target} {} {}: {}: {}",
                r.arch,
                res.name(),
                res.verdict.name(),
                first_words(&res.reason)
            );
            if n < TAILS {
                eprint!("{}", console_tail(&res.console));
            }
        }
        if let Some(s) = r.selftest.as_ref().filter(|s| s.verdict != Verdict::Pass) {
            eprintln!(
                "{target} {} selftest: {}: {}",
                r.arch,
                s.verdict.name(),
                first_words(&s.reason)
            );
        }
        let c = r.counts();
        total.passed += c.passed;
        total.failed += c.failed;
        total.skipped += c.skipped;
        all &= r.all_passed();
    }
    println!("{} {} {}", total.passed, total.failed, total.skipped);
    Ok(all && total.failed == 0)
}

/// The start of a reason, for a one-line recap (the results and the console say the rest).
fn first_words(reason: &str) -> String {
    let line = reason.lines().next().unwrap_or_default();
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line.to_string(),
    }
}

/// The last lines of a run's console, each as `    | line` (nothing if it cannot be read).
fn console_tail(path: &str) -> String {
    let Ok(text) = std::fs::read(path) else {
        return String::new();
    };
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let from = lines.len().saturating_sub(TAIL_LINES);
    lines[from..]
        .iter()
        .map(|l| format!("    | {}\n", first_words(l)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_fails_on_a_selftest_error() {
        let dir = std::env::temp_dir().join(format!("panicgen-summary-{}", std::process::id()));
        let mut r = crate::model::results::tests::sample();
        r.results.truncate(1);
        json::write(&r, &dir).unwrap();
        let file = [dir.join("results.json")];
        assert_eq!(summary(&file), Ok(true));
        let s = r.selftest.as_mut().unwrap();
        s.verdict = Verdict::Error;
        s.cause = Some(crate::model::verdict::Cause::SelftestIncomplete);
        s.tests.clear();
        json::write(&r, &dir).unwrap();
        assert_eq!(summary(&file), Ok(false));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn console_tail_is_the_last_lines() {
        let file = std::env::temp_dir().join(format!("panicgen-tail-{}.log", std::process::id()));
        let text: String = (0..20).map(|i| format!("line {i}\n\n")).collect();
        std::fs::write(&file, text).unwrap();
        let tail = console_tail(file.to_str().unwrap());
        assert_eq!(tail.lines().count(), TAIL_LINES);
        assert!(tail.starts_with("    | line 8\n") && tail.ends_with("    | line 19\n"));
        assert_eq!(console_tail("/nonexistent/console.log"), "");
        let _ = std::fs::remove_file(&file);
    }
}
