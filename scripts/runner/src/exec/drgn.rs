// SPDX-License-Identifier: GPL-2.0

//! Reading a dump's facts with drgn: `scripts/vmcore-check.py` run on a vmcore, its report
//! read into [`DumpFacts`]. What the facts must show is decided in
//! [`crate::model::verdict::vmcore`].

use std::{
    path::{
        Path,
        PathBuf, //
    },
    process::Command,
};

use crate::model::facts::DumpFacts;

/// The tools the checks need.
#[derive(Clone, Debug)]
pub struct Verifier {
    pub python: PathBuf,
    pub script: PathBuf,
    pub vmlinux: PathBuf,
    pub module: PathBuf,
}

impl Verifier {
    /// drgn's version line (`drgn 0.3.0`), if its Python runs.
    pub fn drgn_version(&self) -> Option<String> {
        let out = Command::new(&self.python)
            .args(["-c", "import drgn; print('drgn', drgn.__version__)"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Runs `vmcore-check.py` on `vmcore`.
    pub fn read(&self, vmcore: &Path) -> Result<DumpFacts, String> {
        let out = Command::new(&self.python)
            .arg(&self.script)
            .arg(vmcore)
            .arg(&self.vmlinux)
            .arg(&self.module)
            .output()
            .map_err(|e| {
                format!(
                    "cannot run {}: {e} (run 'make setup')",
                    self.python.display()
                )
            })?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "drgn could not read the vmcore: {}",
                err.trim().lines().last().unwrap_or("no message")
            ));
        }
        DumpFacts::from_json(&out.stdout)
    }
}
