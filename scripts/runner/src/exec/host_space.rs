// SPDX-License-Identifier: GPL-2.0

//! Whether a dump went missing for the host's sake: the file system under the run's
//! directory filled up (the vmcore disk could not grow, or the vmcore could not be copied
//! off it). That is the host's error, never a kernel's `fail`.

use std::{ffi::CString, os::unix::ffi::OsStrExt, path::Path};

use crate::model::facts::MissingDump;

/// Less room than this, after a dump went missing, is a full file system: a write that
/// failed for room leaves almost none.
const FULL_BELOW: u64 = 1 << 20;

/// The bytes an unprivileged writer may still use on `path`'s file system.
pub fn available(path: &Path) -> Option<u64> {
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs writes only into the zeroed struct it is given; `c` is a valid
    // NUL-terminated path that outlives the call.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        (libc::statvfs(c.as_ptr(), &mut st) == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
    }
}

/// `why`, or the full file system under `dir` when that is what lost the dump.
pub fn blame(why: MissingDump, dir: &Path) -> MissingDump {
    if matches!(why, MissingDump::HostFull(_)) {
        return why;
    }
    match available(dir) {
        Some(free) if free < FULL_BELOW => MissingDump::HostFull(format!(
            "the host's file system under {} is full ({} KiB left) and the dump did not fit \
             ({why}): free space there, or give --out a larger file system",
            dir.display(),
            free >> 10
        )),
        _ => why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roomy_file_system_is_not_blamed() {
        let dir = std::env::temp_dir();
        if available(&dir).is_some_and(|f| f > FULL_BELOW) {
            assert_eq!(
                blame(MissingDump::NothingWritten, &dir),
                MissingDump::NothingWritten
            );
        }
        assert!(available(Path::new("/nonexistent/panicgen")).is_none());
    }
}
