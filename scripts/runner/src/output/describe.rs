// SPDX-License-Identifier: GPL-2.0

//! A fault run told as text, for the formats that carry a run's log with its result (JUnit's
//! `<system-out>`, KCIDB's `log_excerpt`).

use crate::model::results::FaultResult;

/// Its title, observed lines, vmcore and checks, and console, one per line.
pub fn run_text(r: &FaultResult) -> String {
    let mut out = String::new();
    if !r.title.is_empty() {
        out += &format!("title: {}\n", r.title);
    }
    if !r.observed.is_empty() {
        out += &format!("observed: {}\n", r.observed.replace('\n', " / "));
    }
    if let Some(d) = &r.dump {
        out += &format!("vmcore: {}\n", d.vmcore.as_deref().unwrap_or("none"));
        for (name, c) in &d.vmcore_checks {
            out += &format!(
                "vmcore check {name}: {} ({})\n",
                if c.ok { "ok" } else { "FAILED" },
                c.detail
            );
        }
    }
    if !r.console.is_empty() {
        out += &format!("console: {}\n", r.console);
    }
    out
}
