// SPDX-License-Identifier: GPL-2.0

//! The dump-level table's measurements: every level the capture saved after the run's own is
//! copied off the vmcore disk and read by drgn (the rows are built in
//! [`crate::model::verdict::dump_levels`]).

use std::{
    fs,
    path::Path, //
};

use crate::{
    exec::{
        drgn::Verifier,
        vmcore_disk, //
    },
    model::{
        facts::{
            Evidence,
            Survey, //
        },
        results::LevelResult,
        verdict::{
            check::Check,
            dump_levels::{
                dump_tool,
                own_level_name,
                row, //
            },
            vmcore, Matcher,
        },
    },
};

/// The row of the run's own dump (at `level`, the runner's, or `level (elf)` where the
/// capture saved it unfiltered: see the first header of `disk`), from its checks and survey.
pub fn own_level(
    level: &str,
    disk: &Path,
    checks: &[Check],
    survey: &Survey,
    console: &[String],
    bytes: u64,
) -> LevelResult {
    let saved = vmcore_disk::headers(disk)
        .ok()
        .and_then(|h| h.into_iter().next());
    let level = own_level_name(level, saved.map(|h| h.format));
    row(&level, &dump_tool(console), bytes, checks, Some(survey))
}

/// Reads the dump of every level after the run's own off `disk`, each through
/// `dir/vmcore.<level>` (deleted once read unless `keep`); the capture's `console` names
/// its dump tool.
pub fn read_levels(
    disk: &Path,
    dir: &Path,
    console: &[String],
    verifier: &Verifier,
    matcher: &Matcher,
    id: &str,
    keep: bool,
) -> Vec<LevelResult> {
    let tool = dump_tool(console);
    let headers = vmcore_disk::headers(disk).unwrap_or_default();
    headers
        .iter()
        .skip(1)
        .map(|h| {
            let file = dir.join(format!("vmcore.{}", h.level));
            let evidence = match vmcore_disk::extract_dump(disk, h, &file) {
                Err(why) => Evidence::Missing(why),
                Ok(_) => match verifier.read(&file) {
                    Ok(facts) => Evidence::Read(facts),
                    Err(why) => Evidence::Unreadable(why),
                },
            };
            let bytes = fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            if !keep {
                let _ = fs::remove_file(&file);
            }
            let survey = match &evidence {
                Evidence::Read(facts) => Some(&facts.survey),
                _ => None,
            };
            row(
                &h.level,
                &tool,
                bytes,
                &vmcore::check(&evidence, matcher, id),
                survey,
            )
        })
        .collect()
}
