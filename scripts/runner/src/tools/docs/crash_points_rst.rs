// SPDX-License-Identifier: GPL-2.0

//! The crash-point page (Documentation/crash-points.rst): the catalog's named crash points,
//! then (its measured part) what each reached on each kernel target, from the results of
//! `--points` runs.

use crate::{
    catalog::{
        Arch,
        POINTS, //
    },
    model::{
        results::Results,
        verdict::{
            self,
            Verdict, //
        },
    },
    tools::docs::measured_page::Page,
};

/// The function and context a run's hit line names.
fn reached(observed: &str) -> Option<(&str, &str)> {
    observed.lines().find_map(verdict::at_hit)
}

/// One cell: what the point's runs on one kernel found.
fn cell(set: &Results, point: &str) -> String {
    let runs: Vec<_> = set
        .results
        .iter()
        .filter(|r| r.context == format!("@{point}"))
        .collect();
    if runs.is_empty() {
        return "not run".into();
    }
    let mut hits: Vec<String> = runs
        .iter()
        .filter_map(|r| reached(&r.observed))
        .map(|(f, reach)| format!("``{f}`` in {reach}"))
        .collect();
    hits.sort();
    hits.dedup();
    let passed: Vec<&str> = runs
        .iter()
        .filter(|r| r.verdict == Verdict::Pass)
        .map(|r| r.fault.as_str())
        .collect();
    let others: Vec<String> = runs
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| format!("{} {}: {}", r.fault, r.verdict.name(), r.reason))
        .collect();
    let mut out = if hits.is_empty() {
        "not reached".to_string()
    } else {
        hits.join(", ")
    };
    if !passed.is_empty() {
        out += &format!("; pass: {}", passed.join(", "));
    }
    if !others.is_empty() {
        out += &format!("; {}", others.join("; "));
    }
    out
}

/// A set's name on the page: `debug x86_64 (7.3.4)`.
fn kernel(set: &Results) -> String {
    let target = if set.target.is_empty() {
        "user"
    } else {
        &set.target
    };
    format!("{target} {} ({})", set.arch, set.kernel)
}

/// What the code says: the catalog's points, then the measured part's heading.
fn code() -> String {
    let mut out = String::from(
        ".. SPDX-License-Identifier: GPL-2.0\n.. Generated from src/catalog/points.rs by \
         `make docs`, and its measured part from the crash-point runs of `make check` by \
         `make points-doc`; do not edit.\n\n\
         ============\nCrash points\n============\n\n\
         Each named crash point of ``at=`` (Documentation/faults.rst has the syntax and the\n\
         refusals), the functions that implement it per arch (the first one a kernel has is\n\
         probed), and what ``make check`` found on each kernel target.\n\n",
    );
    for p in POINTS {
        out += &format!(
            "``{}``\n{}\n\n{}. Reached by: {}. Functions: {} (x86_64), {} (arm64). LKDTM: {}.\n\n",
            p.name,
            "-".repeat(p.name.len() + 4),
            p.description.chars().next().map_or(String::new(), |c| {
                c.to_uppercase().collect::<String>() + &p.description[c.len_utf8()..]
            }),
            p.workload.name(),
            p.symbols(Arch::X86_64).join(", "),
            p.symbols(Arch::Arm64).join(", "),
            p.lkdtm
        );
    }
    out += "What make check found\n---------------------\n\n\
            Per point and kernel target: the function the probe fired from and the context it\n\
            ran in, as the module's hit line names them, and the faults that passed there with\n\
            a verified vmcore whose stack shows that function.\n\n";
    out
}

/// The measured part: per point, a line per kernel target.
fn measured(sets: &[Results]) -> String {
    let mut out = String::new();
    for p in POINTS {
        out += &format!("``{}``\n", p.name);
        for set in sets {
            out += &format!("  - {}: {}\n", kernel(set), cell(set, p.name));
        }
        out.push('\n');
    }
    out
}

/// The page, and what writes its measured part.
pub const PAGE: Page = Page {
    code,
    measured,
    remedy: "run make check (or the runner with --points), then make points-doc",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::results::tests::sample;

    #[test]
    fn the_hit_line_names_function_and_context() {
        let observed = "panicgen: at submit_bio+0x0 (past its ftrace call): hit 1 in task \
                        (ctx=preemptoff) on cpu 0: firing BUG\nkernel BUG at x";
        assert_eq!(reached(observed), Some(("submit_bio", "task")));
        assert_eq!(reached("kernel BUG at x"), None);
    }

    #[test]
    fn every_point_has_a_section() {
        let page = code();
        for p in POINTS {
            assert!(page.contains(&format!("``{}``\n---", p.name)));
        }
    }

    #[test]
    fn every_point_has_a_line_per_kernel() {
        let mut set = sample();
        let point = POINTS[0].name;
        set.results[0].context = format!("@{point}");
        set.results[0].observed = format!(
            "panicgen: at handle_irq_event+0x0: hit 1 in hardirq (ctx=hardirq) on cpu 0: \
             firing BUG\n{}",
            set.results[0].observed
        );
        let text = measured(&[set]);
        assert!(text.starts_with(&format!(
            "``{point}``\n  - debug x86_64 (7.3.4): ``handle_irq_event`` in hardirq; pass: BUG\n\n"
        )));
        for p in &POINTS[1..] {
            assert!(text.contains(&format!(
                "``{}``\n  - debug x86_64 (7.3.4): not run\n",
                p.name
            )));
        }
    }
}
