// SPDX-License-Identifier: GPL-2.0

//! The dump-level page (Documentation/dump-levels.rst): the skew catalog, then
//! (its measured part) the results of `make dump-levels` runs.

use std::collections::BTreeMap;

use crate::{
    model::{
        results::{
            LevelResult,
            Results, //
        },
        skew::{
            self,
            SKEWS, //
        },
    },
    tools::docs::measured_page::Page,
};

/// A results set's column name: `debug x86_64`.
fn column(r: &Results) -> String {
    let target = if r.target.is_empty() {
        "user"
    } else {
        &r.target
    };
    format!("{target} {}", r.arch)
}

/// A level and its rows, one per run.
type Level<'a> = (String, Vec<&'a LevelResult>);

/// Every level's rows of every run of `r`, by level, in the order of the first run.
fn by_level(r: &Results) -> Vec<Level<'_>> {
    let mut order: Vec<String> = Vec::new();
    let mut rows: BTreeMap<String, Vec<&LevelResult>> = BTreeMap::new();
    for row in r.results.iter().flat_map(|f| &f.dump_levels) {
        // `31+alias (elf)`: the run's level, saved unfiltered; its row is the level's.
        let level = base(&row.level).to_string();
        if !rows.contains_key(&level) {
            order.push(level.clone());
        }
        rows.entry(level).or_default().push(row);
    }
    order
        .into_iter()
        .map(|l| {
            let v = rows.remove(&l).unwrap_or_default();
            (l, v)
        })
        .collect()
}

/// A row's level without the note that the capture saved it unfiltered.
fn base(level: &str) -> &str {
    level.split(" (").next().unwrap_or(level)
}

/// One cell: ✓ when every run kept every check at that level, else the checks lost.
fn verdict(rows: &[&LevelResult]) -> String {
    let mut lost: Vec<&str> = rows
        .iter()
        .flat_map(|r| {
            r.checks
                .iter()
                .filter(|(_, c)| !c.ok)
                .map(|(n, _)| n.as_str())
        })
        .collect();
    lost.sort_unstable();
    lost.dedup();
    if rows.is_empty() {
        "–".into()
    } else if lost.is_empty() {
        "✓".into()
    } else if rows.iter().all(|r| r.bytes == 0) {
        "✗ no dump".into()
    } else {
        format!("✗ {}", lost.join(", "))
    }
}

/// What a level means.
fn meaning(level: &str) -> &'static str {
    match level {
        "elf" => "unfiltered ``/proc/vmcore``",
        "31+alias" => "31 with the VMCOREINFO aliases (panicgen's default)",
        "31" => "zero, cache, user and free pages out: the distros' level",
        "23" => "zero, cache and free pages out",
        "0" => "nothing filtered (compressed)",
        "1" => "zero pages out",
        "17" => "zero and free pages out",
        _ => "",
    }
}

/// A summary cell: what the runs of one kernel lost at `level`, and the size of the first
/// run's dump.
fn summary_cell(levels: &[Level], level: &str) -> String {
    let Some((_, rows)) = levels.iter().find(|(l, _)| l == level) else {
        return "–".into();
    };
    let mb = rows.first().map_or(0, |r| r.bytes.div_ceil(1 << 20));
    let elf = rows.iter().any(|r| base(&r.level) != r.level);
    match verdict(rows) {
        v if rows.iter().all(|r| r.bytes == 0) => format!("{v}: makedumpfile failed"),
        v if elf => format!("{v} (unfiltered: makedumpfile failed, {mb} MB)"),
        v => format!("{v} ({mb} MB)"),
    }
}

/// An rST list-table, the first row its header.
fn list_table(rows: &[Vec<String>]) -> String {
    let mut out = String::from(".. list-table::\n   :header-rows: 1\n\n");
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            out += &format!("   {} {cell}\n", if i == 0 { "* -" } else { "  -" });
        }
    }
    out + "\n"
}

/// The summary: a row per level, a column per kernel and arch, then the dump tools.
fn summary(sets: &[Results]) -> String {
    let levels: Vec<Vec<Level>> = sets.iter().map(by_level).collect();
    let mut names: Vec<&str> = Vec::new();
    for (l, _) in levels.iter().flatten() {
        if !names.contains(&l.as_str()) {
            names.push(l);
        }
    }
    let mut rows = vec![std::iter::once("level".to_string())
        .chain(sets.iter().map(column))
        .collect::<Vec<_>>()];
    for name in names {
        let label = match meaning(name) {
            "" => name.to_string(),
            m => format!("{name}: {m}"),
        };
        let cells = levels.iter().map(|ls| summary_cell(ls, name));
        rows.push(std::iter::once(label).chain(cells).collect());
    }
    let tools: Vec<String> = sets
        .iter()
        .map(|r| {
            let tool = r
                .results
                .iter()
                .flat_map(|f| &f.dump_levels)
                .map(|c| c.tool.as_str())
                .next()
                .unwrap_or("unknown");
            format!("{} {}: {tool}", column(r), r.kernel)
        })
        .collect();
    format!("{}Tools: {}.\n\n", list_table(&rows), tools.join("; "))
}

fn heading(out: &mut String, text: &str, mark: char) {
    out.push_str(text);
    out.push('\n');
    out.extend(std::iter::repeat_n(mark, text.chars().count()));
    out.push_str("\n\n");
}

/// What the code says: what is checked, the skew catalog, then the measured part's heading.
fn code() -> String {
    let mut out = String::from(
        ".. SPDX-License-Identifier: GPL-2.0\n.. Generated from scripts/runner/src/model/skew.rs by \
         `make docs`, and its measured part from the results of `make dump-levels` by \
         `make dump-levels-doc`; do not edit.\n\n",
    );
    heading(&mut out, "Dump levels and tool/kernel skew", '=');
    out += "One capture kernel saves the same crash at panicgen's dump level and at each level \
             of the table, and drgn reads every dump. The checks are the run's own (captured, \
             message, stack, context, trigger_id) plus ``tasks`` (every task's stack unwinds) \
             and ``task_list`` (the task list can be walked to its end). ``N+alias``: \
             makedumpfile ``-d N -i`` with the kernel's own VMCOREINFO, its symbols less \
             KERNELOFFSET (as ``-i`` expects), plus the old name of every renamed entry of the \
             skew catalog below.\n\n";
    heading(&mut out, "Known skews", '-');
    out += "Before a kdump run crashes anything, the runner weighs the capture's makedumpfile \
             and the host's drgn against the guest's kernel and prints one line per tool that \
             is older than the kernel or misreads it (``dump-tool skew:``; ``dump_skew`` in \
             results.json). The capture kernel reports the VMCOREINFO entries named here \
             (``vmcoreinfo:`` on the console).\n\n";
    for s in SKEWS {
        let (x, y) = s.since;
        heading(&mut out, &format!("{}: {}", s.tool, s.change), '~');
        out += &format!(
            "- Since: Linux {x}.{y}{}\n- Seen in VMCOREINFO as: ``{}``\n- Fixed by: {}\n\
             - Spoils: {}\n- Lost: {}\n- Workaround: {}\n- Evidence: {}\n\n",
            if s.options.is_empty() {
                String::new()
            } else {
                format!(", with {}", s.options.join(", "))
            },
            s.vmcoreinfo,
            s.fix,
            if s.level_bits == 31 {
                "every level".to_string()
            } else {
                format!("levels with bit {} set", s.level_bits)
            },
            s.lost,
            match s.alias {
                Some((new, old)) =>
                    format!("``+alias`` levels add ``{old}`` with ``{new}``'s value"),
                None => "none: the capture saves the dump unfiltered (ELF)".into(),
            },
            s.evidence
        );
    }
    heading(&mut out, "Tool releases and the kernels they declare", '~');
    for (tool, (a, b, c), (x, y)) in skew::DECLARED {
        out += &format!("- {tool} {a}.{b}.{c}: up to {x}.{y}\n");
    }
    out.push('\n');
    heading(&mut out, "Measured", '-');
    out += "The summary: a row per level, a column per kernel and arch; a cell lists the \
             checks any run lost at that level, and the size of BUG's dump. Then each kernel's \
             table: one kdump capture of the fault, saved at every level (sizes: a 512 MiB \
             guest, LZO).\n\n";
    out
}

/// The measured part: the summary, then each set's tables.
fn measured(sets: &[Results]) -> String {
    let mut out = summary(sets);
    for r in sets {
        heading(&mut out, &format!("{} ({})", column(r), r.kernel), '~');
        for line in &r.dump_skew {
            out += &format!("Told before the crash: ``{line}``\n\n");
        }
        out += "::\n\n";
        for line in crate::output::dump_levels::table(r)
            .lines()
            .filter(|l| !l.is_empty())
        {
            out += &format!("    {line}\n");
        }
        out.push('\n');
    }
    out
}

/// The page, and what writes its measured part.
pub const PAGE: Page = Page {
    code,
    measured,
    remedy: "run make dump-levels, then make dump-levels-doc",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::results::{
        tests::sample,
        CheckResult, //
    };

    fn row(level: &str, mb: u64, lost: &[&str]) -> LevelResult {
        let checks = ["context", "stack", "tasks"].map(|n| {
            let c = CheckResult {
                ok: !lost.contains(&n),
                detail: String::new(),
            };
            (n.to_string(), c)
        });
        LevelResult {
            level: level.into(),
            tool: "makedumpfile: version 1.7.2".into(),
            bytes: mb << 20,
            checks: checks.into(),
        }
    }

    #[test]
    fn the_code_part_lists_every_skew() {
        let page = code();
        for s in SKEWS {
            assert!(page.contains(s.change) && page.contains(s.evidence));
        }
    }

    #[test]
    fn the_summary_has_a_row_per_level_and_a_cell_per_kernel() {
        let mut r = sample();
        r.results[0].dump_levels = vec![row("31+alias", 11, &[]), row("31", 11, &["tasks"])];
        r.results[1].dump_levels = vec![
            row("31+alias (elf)", 376, &[]),
            row("31", 11, &["context", "tasks"]),
        ];
        let mut none = sample();
        none.target = "debian".into();
        none.results[0].dump_levels = vec![row("31+alias", 73, &[]), row("31", 0, &["stack"])];
        let text = summary(&[r, none]);
        let table = ".. list-table::\n   :header-rows: 1\n\n\
             \x20  * - level\n     - debug x86_64\n     - debian x86_64\n\
             \x20  * - 31+alias: 31 with the VMCOREINFO aliases (panicgen's default)\n\
             \x20    - ✓ (unfiltered: makedumpfile failed, 11 MB)\n     - ✓ (73 MB)\n\
             \x20  * - 31: zero, cache, user and free pages out: the distros' level\n\
             \x20    - ✗ context, tasks (11 MB)\n     - ✗ no dump: makedumpfile failed\n\n";
        assert_eq!(
            text,
            format!(
                "{table}Tools: debug x86_64 7.3.4: makedumpfile: version 1.7.2; \
                 debian x86_64 7.3.4: makedumpfile: version 1.7.2.\n\n"
            )
        );
    }
}
