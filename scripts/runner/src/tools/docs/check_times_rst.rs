// SPDX-License-Identifier: GPL-2.0

//! Documentation/check-times.rst and the README's line of `make check` times: rendered from
//! the time tables of measured checks kept in `Documentation/measured/` (a cold one and a
//! warm one, each `out/check-times.json` as a whole `make check` wrote it; `scripts/docs.sh
//! --times FILE` files one), so that neither says a time no run measured.

use std::{fmt::Write, fs, path::Path};

use crate::tools::times::{
    Report,
    COLD_BUDGET,
    WARM_BUDGET, //
};

/// The measured tables, by the state they were measured in.
pub const FILES: [(&str, &str); 2] = [
    ("cold", "check-times-cold.json"),
    ("warm", "check-times-warm.json"),
];

/// The README's line: it starts with this, and docs.sh checks it is the rest.
pub const README_PREFIX: &str = "Measured `make check` (the gate, 2 cores, TCG):";

/// The measured reports in `dir` (Documentation/measured), cold then warm; a missing one
/// is an error naming how to make it.
pub fn reports(dir: &Path) -> Result<Vec<Report>, String> {
    FILES
        .iter()
        .map(|(state, file)| {
            let path = dir.join(file);
            let text = fs::read_to_string(&path).map_err(|e| {
                format!(
                    "{}: {e} (a {state} make check's out/check-times.json, filed by \
                     scripts/docs.sh --times)",
                    path.display()
                )
            })?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect()
}

fn minutes(s: u64) -> String {
    format!("{:.1}", s as f64 / 60.0)
}

/// The README's line of times.
pub fn readme_line(reports: &[Report]) -> String {
    let [cold, warm] = reports else {
        return README_PREFIX.to_string();
    };
    format!(
        "{README_PREFIX} cold {} min (budget {}), warm {} min (budget {}): \
         [Documentation/check-times.rst](Documentation/check-times.rst).",
        minutes(cold.wall_s),
        COLD_BUDGET.0,
        minutes(warm.wall_s),
        WARM_BUDGET.0
    )
}

/// Documentation/check-times.rst.
pub fn page(reports: &[Report]) -> String {
    let title = "Where make check's time goes";
    let line = "=".repeat(title.len());
    let mut p = format!(
        ".. SPDX-License-Identifier: GPL-2.0\n\
         .. Generated from Documentation/measured/check-times-*.json by `make docs`; \
         do not edit.\n\n{line}\n{title}\n{line}\n\n\
         The time tables of the last measured ``make check`` runs (the gate) on the project's \
         machine kind, cold (from an empty cache: it built the kernels) and warm (nothing \
         built), as the check wrote them (``out/check-times.json``; :doc:`coverage` says \
         what each step proves and what the budgets are).\n"
    );
    for r in reports {
        section(&mut p, r);
    }
    p
}

fn section(p: &mut String, r: &Report) {
    let title = format!("{} ({}, {})", r.state, r.commit, r.finished);
    let _ = write!(
        p,
        "\n{title}\n{}\n\n{} min against the budget of {} min (aim {}): {}.\n\n",
        "=".repeat(title.len()),
        minutes(r.wall_s),
        r.budget_min,
        r.aim_min,
        if r.within_budget { "within" } else { "over" },
    );
    p.push_str(".. list-table::\n   :header-rows: 1\n\n   * - kind of work\n     - min\n");
    let mut kinds: Vec<(&String, &u64)> = r.by_kind.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (k, s) in kinds {
        let _ = write!(p, "   * - {k}\n     - {}\n", minutes(*s));
    }
    p.push_str("\nThe steps over a minute:\n\n");
    let mut steps: Vec<_> = r
        .rows
        .iter()
        .filter(|s| s.place == "step" && s.seconds >= 60)
        .collect();
    steps.sort_by_key(|s| std::cmp::Reverse(s.seconds));
    for s in steps {
        let _ = writeln!(p, "- {} s: {} ({})", s.seconds, s.name, s.status);
    }
    p.push_str("\nThe guest runs' phases, summed over the runs (they overlap, two at a time):\n\n");
    let mut phases: Vec<_> = r.phases.iter().collect();
    phases.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0));
    for (k, (s, n)) in phases.iter().filter(|(_, (s, _))| *s >= 1.0) {
        let _ = writeln!(p, "- ``{k}``: {s:.0} s over {n} runs");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(state: &str, wall_s: u64) -> Report {
        let json = format!(
            r#"{{"version": 1, "set": "gate", "state": "{state}", "commit": "abc1234",
            "finished": "2026-12-07T22:00:00Z", "wall_s": {wall_s}, "budget_min": 25,
            "aim_min": 20, "within_budget": true, "by_kind": {{"host": 90}},
            "rows": [{{"place": "step", "kind": "host", "name": "host unit tests",
            "seconds": 90, "status": "ok"}}], "phases": {{"crash": [30.0, 10]}}}}"#
        );
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn the_page_and_the_readme_say_what_was_measured() {
        let reports = [report("cold", 3000), report("warm", 1200)];
        let line = readme_line(&reports);
        assert!(line.starts_with(README_PREFIX));
        assert!(line.contains("cold 50.0 min") && line.contains("warm 20.0 min"));
        let page = page(&reports);
        assert!(page.contains("warm (abc1234, 2026-12-07T22:00:00Z)"));
        assert!(page.contains("- 90 s: host unit tests (ok)"));
        assert!(page.contains("``crash``: 30 s over 10 runs"));
    }
}
