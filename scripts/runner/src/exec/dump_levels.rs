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
        facts::Evidence,
        results::LevelResult,
        verdict::{
            dump_levels::{
                dump_tool,
                row, //
            },
            vmcore, Matcher,
        },
    },
};

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
