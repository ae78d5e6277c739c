// SPDX-License-Identifier: GPL-2.0

//! A vmcore's kernel log as makedumpfile reads it (`--dump-dmesg`), the check the Fedora/RHEL
//! kdump-utils tests run on every vmcore: the capture's own makedumpfile, from the tree the
//! capture initramfs was built from, run on the host through that tree's dynamic loader
//! (its release's glibc, not the host's), or through qemu-user for another architecture.

use std::{
    fs,
    path::Path, //
};

use crate::{
    catalog::Arch,
    exec::tree_tool, //
};

/// `vmcore`'s kernel log, one line each, written to `out` by `root`'s makedumpfile.
pub fn read(root: &Path, arch: Arch, vmcore: &Path, out: &Path) -> Result<Vec<String>, String> {
    let _ = fs::remove_file(out);
    let run = tree_tool::command(root, arch, "usr/bin/makedumpfile")
        .arg("--dump-dmesg")
        .arg(vmcore)
        .arg(out)
        .output()
        .map_err(|e| {
            format!(
                "cannot run the capture's makedumpfile from {}: {e}",
                root.display()
            )
        })?;
    let said =
        String::from_utf8_lossy(&run.stderr).to_string() + &String::from_utf8_lossy(&run.stdout);
    if !run.status.success() {
        // Its own words for why, not the closing "makedumpfile Failed.".
        let why: Vec<&str> = said
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "makedumpfile Failed.")
            .take(2)
            .collect();
        return Err(format!(
            "makedumpfile --dump-dmesg failed: {}",
            if why.is_empty() {
                "no message".to_string()
            } else {
                why.join("; ")
            }
        ));
    }
    let text = fs::read(out).map_err(|e| format!("makedumpfile --dump-dmesg wrote no log: {e}"))?;
    Ok(String::from_utf8_lossy(&text)
        .lines()
        .map(str::to_string)
        .collect())
}
