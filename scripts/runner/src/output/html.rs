// SPDX-License-Identifier: GPL-2.0

//! `index.html`: the results as a page to look at. One grid per result set (kernel target,
//! arch, kernel): a row per fault, a column per context, each cell coloured by its verdict
//! and opening the run's title, reason, observed lines, vmcore checks and console. One static
//! file, no script, no server: it opens from the file system, and its links to consoles and
//! dumps are relative to it.

use std::path::{
    Component,
    Path,
    PathBuf, //
};

use crate::model::{
    plan,
    results::{
        FaultResult,
        Results, //
    },
    verdict::Verdict,
};

/// Each verdict's cell colour (CSS), in the order the legend shows them.
pub const COLOURS: [(Verdict, &str); 4] = [
    (Verdict::Pass, "#2f9e44"),
    (Verdict::Fail, "#e03131"),
    (Verdict::Error, "#f08c00"),
    (Verdict::Skip, "#adb5bd"),
];

const STYLE: &str = "body { font-family: sans-serif; margin: 1em; }
table.grid { border-collapse: collapse; margin: .5em 0; }
.grid th, .grid td { border: 1px solid #868e96; padding: 2px 8px; text-align: center; }
.grid th.fault { text-align: left; font-family: monospace; }
.grid td a { color: inherit; text-decoration: none; display: block; }
.legend span { padding: 2px 8px; margin-right: .5em; }
.run { display: none; border: 2px solid #343a40; padding: .5em 1em; margin: .5em 0; }
.run:target { display: block; }
.run dt { font-weight: bold; }
pre { white-space: pre-wrap; }
";

/// `s` safe in HTML text and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out += "&amp;",
            '<' => out += "&lt;",
            '>' => out += "&gt;",
            '"' => out += "&quot;",
            '\'' => out += "&#39;",
            c => out.push(c),
        }
    }
    out
}

/// `target` as a link from a page in `dir`: relative when both are absolute paths.
fn link(dir: &Path, target: &str) -> String {
    let to = Path::new(target);
    if !to.is_absolute() || !dir.is_absolute() {
        return target.to_string();
    }
    let (from, to): (Vec<Component>, Vec<Component>) =
        (dir.components().collect(), to.components().collect());
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for c in &to[common..] {
        rel.push(c.as_os_str());
    }
    rel.to_string_lossy().into_owned()
}

/// The contexts of `set`'s runs, as columns: the catalog's order, crash points after.
fn columns(set: &Results) -> Vec<&str> {
    let mut cols: Vec<&str> = Vec::new();
    for r in &set.results {
        if !cols.contains(&r.context.as_str()) {
            cols.push(&r.context);
        }
    }
    cols.sort_by_key(|c| plan::order_key("", c).1);
    cols
}

/// Its faults, as rows, in the order the runs came.
fn rows(set: &Results) -> Vec<&str> {
    let mut rows: Vec<&str> = Vec::new();
    for r in &set.results {
        if !rows.contains(&r.fault.as_str()) {
            rows.push(&r.fault);
        }
    }
    rows
}

fn legend() -> String {
    let spans: Vec<String> = COLOURS
        .iter()
        .map(|(v, c)| {
            format!(
                "<span class=\"v-{0}\" data-legend=\"{0}\" style=\"background-color: {c}\">{0}</span>",
                v.name()
            )
        })
        .collect();
    format!("<p class=\"legend\">{}</p>\n", spans.join(""))
}

fn colour(v: Verdict) -> &'static str {
    COLOURS
        .iter()
        .find(|(w, _)| *w == v)
        .map_or("#ffffff", |(_, c)| c)
}

/// The grid of set `n`.
fn grid(n: usize, set: &Results) -> String {
    let cols = columns(set);
    let mut html = String::from("<table class=\"grid\">\n<tr><th>fault</th>");
    for c in &cols {
        html += &format!("<th>{}</th>", esc(c));
    }
    html += "</tr>\n";
    for fault in rows(set) {
        html += &format!("<tr><th class=\"fault\">{}</th>", esc(fault));
        for c in &cols {
            let run = set
                .results
                .iter()
                .position(|r| r.fault == fault && r.context == *c);
            html += &match run {
                Some(i) => {
                    let r = &set.results[i];
                    format!(
                        "<td class=\"cell\" data-verdict=\"{v}\" data-run=\"{name}\" \
                         data-fault=\"{fault}\" data-context=\"{ctx}\" \
                         style=\"background-color: {bg}\" title=\"{reason}\">\
                         <a href=\"#s{n}-r{i}\">{v}</a></td>",
                        v = r.verdict.name(),
                        name = esc(&r.name()),
                        fault = esc(&r.fault),
                        ctx = esc(&r.context),
                        bg = colour(r.verdict),
                        reason = esc(&r.reason),
                    )
                }
                None => "<td></td>".into(),
            };
        }
        html += "</tr>\n";
    }
    html + "</table>\n"
}

/// A definition list's item, when there is something to say.
fn item(term: &str, value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        format!("<dt>{term}</dt><dd><pre>{}</pre></dd>\n", esc(value))
    }
}

/// Run `i` of set `n`, opened from its cell.
fn detail(n: usize, i: usize, set: &Results, r: &FaultResult, dir: &Path) -> String {
    let mut html = format!(
        "<div class=\"run\" id=\"s{n}-r{i}\" data-run=\"{name}\">\n<h3>{arch} {name}: {v}</h3>\n<dl>\n",
        name = esc(&r.name()),
        arch = esc(&set.arch),
        v = r.verdict.name(),
    );
    let cause = r
        .cause
        .and_then(|c| serde_json::to_value(c).ok())
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    for (term, value) in [
        ("title", r.title.as_str()),
        ("reason", r.reason.as_str()),
        ("cause", cause.as_str()),
        ("observed", r.observed.as_str()),
        ("expected", r.expected.as_str()),
        ("trigger id", r.id.as_str()),
    ] {
        html += &item(term, value);
    }
    if !r.console.is_empty() {
        html += &format!(
            "<dt>console</dt><dd><a href=\"{}\">{}</a></dd>\n",
            esc(&link(dir, &r.console)),
            esc(&r.console)
        );
    }
    if let Some(d) = &r.dump {
        html += "<dt>vmcore</dt><dd>";
        html += &match &d.vmcore {
            Some(v) => format!("<a href=\"{}\">{}</a>", esc(&link(dir, v)), esc(v)),
            None => "not kept".into(),
        };
        html += "</dd>\n<dt>vmcore checks</dt><dd><table class=\"checks\">\n";
        for (name, c) in &d.vmcore_checks {
            html += &format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(name),
                if c.ok { "ok" } else { "FAILED" },
                esc(&c.detail)
            );
        }
        html += "</table></dd>\n";
    }
    html + "</dl>\n</div>\n"
}

/// Set `n`: its heading, what built and ran it, the grid and the runs' details.
fn section(n: usize, set: &Results, dir: &Path) -> String {
    let c = set.counts();
    let mut html = format!(
        "<section class=\"set\" data-target=\"{t}\" data-arch=\"{a}\" data-kernel=\"{k}\" data-runs=\"{runs}\">\n\
         <h2>{t} · {a} · Linux {k}</h2>\n<p>{passed} passed, {failed} failed, {skipped} skipped; \
         accelerator {accel}{started}</p>\n",
        t = esc(set.target_name()),
        a = esc(&set.arch),
        k = esc(&set.kernel),
        runs = set.results.len(),
        passed = c.passed,
        failed = c.failed,
        skipped = c.skipped,
        accel = esc(&set.accel),
        started = if set.started.is_empty() {
            String::new()
        } else {
            format!(", started {}", esc(&set.started))
        },
    );
    for built in [&set.compiler, &set.rustc] {
        if !built.is_empty() {
            html += &format!("<p>built by {}</p>\n", esc(built));
        }
    }
    for skew in &set.dump_skew {
        html += &format!("<p class=\"skew\">dump tools: {}</p>\n", esc(skew));
    }
    if let Some(s) = &set.selftest {
        html += &format!(
            "<p class=\"selftest\">selftest: {} ({} cases) {}</p>\n",
            s.verdict.name(),
            s.tests.len(),
            esc(&s.reason)
        );
    }
    html += &grid(n, set);
    for (i, r) in set.results.iter().enumerate() {
        html += &detail(n, i, set, r, dir);
    }
    html + "</section>\n"
}

/// The page of `sets`, to be written into `dir`.
pub fn page(sets: &[Results], dir: &Path) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>panicgen results</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <h1>panicgen results</h1>\n{}",
        legend()
    );
    for (n, set) in sets.iter().enumerate() {
        html += &section(n, set, dir);
    }
    html + "</body>\n</html>\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::results::tests::sample;

    #[test]
    fn a_cell_per_run_coloured_by_its_verdict_opening_its_detail() {
        let html = page(&[sample()], Path::new("/o"));
        assert_eq!(html.matches("<td class=\"cell\"").count(), 2);
        assert!(html.contains(
            "data-verdict=\"pass\" data-run=\"BUG\" data-fault=\"BUG\" data-context=\"process\" style=\"background-color: #2f9e44\""
        ));
        assert!(html.contains("data-verdict=\"fail\" data-run=\"STACK_CANARY-hardirq\""));
        assert!(html.contains("<a href=\"#s0-r1\">fail</a>"));
        assert!(html.contains("id=\"s0-r1\""));
        assert_eq!(html.matches("data-legend=").count(), 4);
    }

    #[test]
    fn text_is_escaped_and_links_are_relative() {
        let mut r = sample();
        r.results[1].reason = "<b>&\"".into();
        let html = page(&[r], Path::new("/o"));
        assert!(html.contains("&lt;b&gt;&amp;&quot;") && !html.contains("<b>&"));
        assert_eq!(link(Path::new("/o/debug"), "/o/debug/x/c.log"), "x/c.log");
        assert_eq!(link(Path::new("/o/debug"), "/o/arm/c.log"), "../arm/c.log");
        assert_eq!(link(Path::new("/o"), "rel/c.log"), "rel/c.log");
    }

    #[test]
    fn columns_follow_the_catalog_and_points_come_last() {
        let mut r = sample();
        r.results[0].context = "@INT_HARDWARE_ENTRY".into();
        r.results.push(r.results[1].clone());
        r.results[2].context = "process".into();
        assert_eq!(
            columns(&r),
            vec!["process", "hardirq", "@INT_HARDWARE_ENTRY"]
        );
    }
}
