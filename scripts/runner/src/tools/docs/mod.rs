// SPDX-License-Identifier: GPL-2.0

//! The generated pages of `Documentation/`: each is rendered from the catalog and, where it
//! says what was measured, from the results of `make check`'s runs.

pub mod crash_points_rst;
pub mod dump_levels_rst;
pub mod faults_rst;
pub mod measured_page;
pub mod targets_rst;

use std::path::PathBuf;

/// `docs`: prints the fault reference (Documentation/faults.rst), or with `targets` what each
/// fault does on each kernel target (Documentation/targets.rst).
pub fn print_reference(targets: bool) -> Result<bool, String> {
    if !targets {
        print!("{}", faults_rst::faults_rst());
        return Ok(true);
    }
    let dir = std::env::var_os("PANICGEN_ROOT")
        .map(|r| PathBuf::from(r).join("scripts/kconfig/targets"))
        .ok_or("docs --targets needs PANICGEN_ROOT (scripts/runner.sh sets it)")?;
    print!("{}", targets_rst::targets_rst(&dir)?);
    Ok(true)
}
