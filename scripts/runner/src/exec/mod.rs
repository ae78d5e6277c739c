// SPDX-License-Identifier: GPL-2.0

//! The runner's hands: one QEMU guest ([`vm`], [`qmp`], the guest agent [`qga`]), the guests of a run ([`guest`]), the
//! vmcore disk and the dump reader ([`vmcore_disk`], [`drgn`]), one fault run from guest to
//! decision ([`attempt`]), the in-guest selftest ([`selftest_guest`]) and the pool that runs
//! them. They gather facts; the [`crate::model`] decides.

pub mod attempt;
pub mod cancel;
pub mod capture;
pub mod crash;
pub mod dmesg;
pub mod drgn;
pub mod dump_levels;
pub mod guest;
pub mod guest_kind;
pub mod host_space;
pub mod options;
pub mod out_dir;
pub mod pool;
pub mod qga;
pub mod qmp;
pub mod saved_guest;
pub mod selftest_guest;
pub mod system_driver;
pub mod system_guest;
pub mod system_ready;
pub mod tree_tool;
pub mod vm;
pub mod vmcore_disk;

use std::path::Path;

use crate::model::kconfig::KernelConfig;

/// Reads a kernel `.config` (a build tree's, or installed headers').
pub fn read_kernel_config(path: &Path) -> Result<KernelConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the kernel configuration {}: {e}",
            path.display()
        )
    })?;
    KernelConfig::from_text(&text, &path.display().to_string())
}

/// Now, as the results write times (RFC 3339, UTC).
pub fn now() -> String {
    crate::model::timestamp::rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}
