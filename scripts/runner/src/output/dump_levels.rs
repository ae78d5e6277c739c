// SPDX-License-Identifier: GPL-2.0

//! The dump-level table `make dump-levels` prints: a row per level, a column per check.

use crate::model::{
    results::Results,
    verdict::{
        dump_levels::SURVEY_CHECKS,
        vmcore::CHECKS, //
    },
};

/// The table of every run's levels: a row per level, a column per check (✓ or ✗), then what
/// each ✗ lost.
pub fn table(results: &Results) -> String {
    let mut out = String::new();
    let mut names: Vec<&str> = CHECKS.to_vec();
    names.extend(SURVEY_CHECKS);
    for r in results.results.iter().filter(|r| !r.dump_levels.is_empty()) {
        let tool = &r.dump_levels[0].tool;
        out += &format!(
            "\ndump levels of {} {} on {} ({}):\n  {:<14} {:>8}  {}\n",
            results.arch,
            r.name(),
            results.kernel,
            if tool.is_empty() {
                "dump tool unknown"
            } else {
                tool
            },
            "level",
            "size",
            names.join("  ")
        );
        let mut lost = Vec::new();
        for row in &r.dump_levels {
            // A level without a dump says so once, not once per check.
            let no_dump = row.bytes == 0;
            let cells: Vec<String> = names
                .iter()
                .map(|n| {
                    let ok = row.checks.get(*n).is_some_and(|c| c.ok);
                    if let (false, Some(c)) = (ok, row.checks.get(*n)) {
                        if !no_dump || *n == names[0] {
                            lost.push(format!("  -d {} {n}: {}", row.level, c.detail));
                        }
                    }
                    format!("{:^w$}", if ok { "✓" } else { "✗" }, w = n.len())
                })
                .collect();
            out += &format!(
                "  {:<14} {:>5} MB  {}\n",
                row.level,
                row.bytes.div_ceil(1 << 20),
                cells.join("  ")
            );
        }
        for l in lost {
            out += &l;
            out.push('\n');
        }
    }
    out
}
