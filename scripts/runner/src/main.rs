// SPDX-License-Identifier: GPL-2.0

//! panicgen-runner: the host side of panicgen.
//!
//! `run` boots QEMU guests (each from a saved booted guest), fires the faults, judges the
//! consoles and the crash dumps against the catalog and writes the results contract
//! (`results.json`, `results.ktap`, `results.xml`) plus a table; `merge` joins the shards of
//! a matrix; `summary` counts; `bench` tabulates the benchmark; `docs` prints the fault
//! reference generated from the catalog.

// Shared with the module, which alone uses the dispatch key (`Fault::id`).
#[allow(dead_code)]
#[path = "../../../src/catalog/mod.rs"]
mod catalog;
mod cli;
mod exec;
mod model;
mod output;
mod run;
mod tools;

use std::process::ExitCode;

use clap::Parser;

use cli::{
    Cli,
    Command, //
};

/// Runs the command; `Ok(false)` when what it ran or read did not pass.
fn dispatch(command: Command) -> Result<bool, String> {
    match command {
        Command::Run(args) => (*args).validate().and_then(run::run),
        Command::Summary { files } => tools::summary::summary(&files),
        Command::Runs { file } => tools::runs::run(&file),
        Command::Merge { out, files } => tools::merge::merge_files(&files, &out),
        Command::Page { out, files } => tools::page::write_page(&files, &out).map(|p| {
            eprintln!("panicgen: results page: {}", p.display());
            true
        }),
        Command::Bench { out, runs } => tools::bench::report(&out, &runs),
        Command::Docs {
            targets,
            kselftest_config,
        } => tools::docs::print_reference(targets, kselftest_config),
        Command::LevelsDoc(page) => page.print(&tools::docs::dump_levels_rst::PAGE),
        Command::PointsDoc(page) => page.print(&tools::docs::crash_points_rst::PAGE),
        Command::LavaJob(args) => tools::lava_job::print(&args),
        Command::ExpectCause(args) => tools::expect_cause::run(&args),
        Command::SameVerdicts(args) => tools::same_verdicts::run(&args),
        Command::OwnLevelIntact(args) => tools::own_level_intact::run(&args),
        Command::Times(args) => tools::times::run(&args),
        Command::TimesDoc { readme } => tools::docs::print_times(readme),
        Command::Options { kconfig } => tools::docs::targets_rst::print_snapshot(&kconfig),
        Command::List { peers } => {
            tools::list::list(peers);
            Ok(true)
        }
    }
}

fn main() -> ExitCode {
    let done = dispatch(Cli::parse().command);
    if let Err(e) = &done {
        eprintln!("panicgen-runner: {e}");
    }
    // A cancelled run says so in its status, as a shell would (128 + the signal), after
    // writing what finished.
    if let Some(signal) = exec::cancel::requested() {
        eprintln!(
            "panicgen-runner: cancelled by {}",
            model::facts::signal_name(signal)
        );
        return ExitCode::from(128 + signal as u8);
    }
    match done {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(_) => ExitCode::from(2),
    }
}
