// SPDX-License-Identifier: GPL-2.0

//! A saved booted guest, as it was when saved: a run restores it only while the file is that
//! file still. One changed since (truncated by a full disk, overwritten by another process)
//! is refused once, by name, and its runs boot from then on.

use std::{
    fs,
    path::{
        Path,
        PathBuf, //
    },
    sync::atomic::{
        AtomicBool,
        Ordering, //
    },
    time::SystemTime,
};

pub struct Saved {
    pub path: PathBuf,
    len: u64,
    modified: SystemTime,
    /// Found changed: its runs boot.
    changed: AtomicBool,
}

impl Saved {
    /// Notes what the file at `path` is now, just after QEMU saved it.
    pub fn record(path: &Path) -> Result<Saved, String> {
        let meta =
            fs::metadata(path).map_err(|e| format!("the saved guest {}: {e}", path.display()))?;
        Ok(Saved {
            path: path.to_path_buf(),
            len: meta.len(),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            changed: AtomicBool::new(false),
        })
    }

    /// Whether runs may still restore it.
    pub fn usable(&self) -> bool {
        !self.changed.load(Ordering::SeqCst)
    }

    /// The file, when it is still what was saved; else why not (and it is not used again).
    pub fn check(&self) -> Result<&Path, String> {
        let now = fs::metadata(&self.path)
            .map(|m| (m.len(), m.modified().unwrap_or(SystemTime::UNIX_EPOCH)));
        let why = match now {
            Ok((len, modified)) if len == self.len && modified == self.modified => {
                return Ok(&self.path)
            }
            Ok((len, _)) if len != self.len => {
                format!("{len} bytes now, {} when saved", self.len)
            }
            Ok(_) => "rewritten since it was saved".to_string(),
            Err(e) => e.to_string(),
        };
        self.changed.store(true, Ordering::SeqCst);
        Err(format!(
            "the saved guest {} changed after it was saved ({why}): not restored; this run's \
             next attempt and the runs after it boot instead",
            self.path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_saved_guest_is_refused_once_then_unused() {
        let p = std::env::temp_dir().join(format!("panicgen-saved-{}", std::process::id()));
        fs::write(&p, vec![7u8; 4096]).unwrap();
        let s = Saved::record(&p).unwrap();
        assert!(s.check().is_ok());
        fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(100)
            .unwrap();
        let e = s.check().unwrap_err();
        assert!(e.contains("100 bytes now, 4096 when saved"), "{e}");
        assert!(!s.usable());
        let _ = fs::remove_file(&p);
    }
}
