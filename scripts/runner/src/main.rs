// SPDX-License-Identifier: GPL-2.0

//! panicgen-runner: the host side of panicgen.
//!
//! `run` boots QEMU guests (each from a saved booted guest), fires the faults, judges the
//! consoles and the crash dumps against the catalog and writes the results contract
//! (`results.json`, `results.ktap`, `results.xml`) plus a table; `merge` joins the shards of
//! a matrix; `summary` counts; `bench` tabulates the benchmark; `docs` prints the fault
//! reference generated from the catalog.

// Shared with the module, which alone uses the dispatch key (`Fault::id`).
mod bench;
#[allow(dead_code)]
#[path = "../../../src/catalog/mod.rs"]
mod catalog;
mod cli;
mod conformance;
mod docs;
mod dump;
mod execute;
mod guest;
mod junit;
mod kconfig;
mod ktap;
mod levels_doc;
mod merge;
mod peers;
mod plan;
mod points_doc;
mod pool;
mod protocol;
mod qmp;
mod results;
mod run;
mod selftest;
mod skew;
mod symbols;
mod targets;
mod title;
mod tools;
mod verdict;
mod vm;
mod vmcore_disk;

use std::process::ExitCode;

use clap::Parser;

use cli::{
    Cli,
    Command, //
};
use results::{
    Counts,
    Results, //
};

/// `summary`: prints `<passed> <failed> <skipped>` over the files, and on stderr one line
/// per run that did not pass (a recap for the end of a long log); succeeds when nothing
/// failed (a selftest or KUnit suite that did not pass is a failure too).
fn summary(files: &[std::path::PathBuf]) -> Result<bool, String> {
    let mut total = Counts::default();
    let mut all = true;
    for f in files {
        let r = Results::read(f)?;
        if r.results.is_empty() {
            return Err(format!("{} holds no fault results", f.display()));
        }
        let target = &r.target;
        for res in r.results.iter().filter(|res| !res.acceptable()) {
            eprintln!(
                "{target} {} {}: {}: {}",
                r.arch,
                res.name(),
                res.verdict.name(),
                first_words(&res.reason)
            );
        }
        if let Some(s) = r
            .selftest
            .as_ref()
            .filter(|s| s.verdict != verdict::Verdict::Pass)
        {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => (*args).validate().and_then(run::run),
        Command::Summary { files } => summary(&files),
        Command::Merge { out, files } => files
            .iter()
            .map(|f| Results::read(f))
            .collect::<Result<Vec<_>, _>>()
            .and_then(merge::merge)
            .and_then(|m| {
                m.write(&out)?;
                println!("{}", m.table());
                Ok(m.all_passed())
            }),
        Command::Bench { out, runs } => bench::report(&out, &runs),
        Command::Docs { targets: false } => {
            print!("{}", docs::faults_rst());
            Ok(true)
        }
        Command::Docs { targets: true } => {
            let dir = std::env::var_os("PANICGEN_ROOT")
                .map(|r| std::path::PathBuf::from(r).join("scripts/kconfig/targets"))
                .ok_or_else(|| {
                    "docs --targets needs PANICGEN_ROOT (scripts/runner.sh sets it)".to_string()
                });
            dir.and_then(|d| targets::targets_rst(&d)).map(|t| {
                print!("{t}");
                true
            })
        }
        Command::LevelsDoc(page) => page.print(&levels_doc::PAGE),
        Command::PointsDoc(page) => page.print(&points_doc::PAGE),
        Command::ExpectCause(args) => tools::expect_cause::run(&args),
        Command::SameVerdicts(args) => tools::same_verdicts::run(&args),
        Command::OwnLevelIntact(args) => tools::own_level_intact::run(&args),
        Command::Options { kconfig } => kconfig::KernelConfig::read(&kconfig).map(|k| {
            print!("{}", targets::snapshot(&k));
            true
        }),
        Command::List { peers: true } => {
            for p in peers::PEERS {
                println!("{} {}", p.fault.name, p.panicgen);
            }
            Ok(true)
        }
        Command::List { peers: false } => {
            for f in catalog::FAULTS {
                let ctxs: Vec<&str> = f.contexts.iter().map(|c| c.name()).collect();
                println!("{} {}", f.name, ctxs.join(","));
            }
            Ok(true)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("panicgen-runner: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_fails_on_a_selftest_error() {
        let dir = std::env::temp_dir().join(format!("panicgen-summary-{}", std::process::id()));
        let mut r = results::tests::sample();
        r.results.truncate(1);
        r.write(&dir).unwrap();
        let file = [dir.join("results.json")];
        assert_eq!(summary(&file), Ok(true));
        let s = r.selftest.as_mut().unwrap();
        s.verdict = verdict::Verdict::Error;
        s.cause = Some(verdict::Cause::SelftestIncomplete);
        s.tests.clear();
        r.write(&dir).unwrap();
        assert_eq!(summary(&file), Ok(false));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
