// SPDX-License-Identifier: GPL-2.0

//! The run's output directory: one runner at a time (a lock the kernel drops when the runner
//! ends, however it ends), writable before any guest starts, and emptied of an earlier run's
//! files — a cancelled run's included — so the same command runs again with nothing to
//! clean by hand.

use std::{
    fs,
    io::{
        Read,
        Seek,
        Write, //
    },
    os::fd::AsRawFd,
    path::Path,
};

/// The lock, and the pid and command line of the runner holding it.
pub const LOCK: &str = ".runner.lock";

/// Held for the whole run: the directory is this runner's.
pub struct OutDir {
    _lock: fs::File,
}

/// Claims `out` for this runner, or says why it cannot be and what to do.
pub fn claim(out: &Path) -> Result<OutDir, String> {
    let writable = |e: std::io::Error| {
        format!(
            "cannot write in {}: {e}: give --out (PANICGEN_OUT) a directory this user can \
             write, on a file system with room",
            out.display()
        )
    };
    fs::create_dir_all(out).map_err(writable)?;
    if !is_ours(out).map_err(writable)? {
        return Err(format!(
            "{} holds files that are not a panicgen run's: give --out an empty or new directory \
             (the runner empties its directory before it writes)",
            out.display()
        ));
    }
    let mut lock = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(out.join(LOCK))
        .map_err(writable)?;
    // SAFETY: flock on a descriptor this function owns; no memory is shared.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let mut holder = String::new();
        let _ = lock.read_to_string(&mut holder);
        return Err(format!(
            "{} is in use by another runner ({}): wait for it to end, or give this one another \
             --out",
            out.display(),
            holder.trim()
        ));
    }
    let me = format!(
        "pid {}: {}",
        std::process::id(),
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    lock.set_len(0)
        .and_then(|()| lock.rewind())
        .and_then(|()| lock.write_all(me.as_bytes()))
        .and_then(|()| lock.sync_all())
        .map_err(writable)?;
    empty(out).map_err(writable)?;
    fs::create_dir_all(out.join("console")).map_err(writable)?;
    Ok(OutDir { _lock: lock })
}

/// Whether `out` is empty or an earlier run's (its lock, or its results).
fn is_ours(out: &Path) -> std::io::Result<bool> {
    let mut any = false;
    for entry in fs::read_dir(out)? {
        let name = entry?.file_name();
        if name == LOCK || name == "results.json" || name == "console" {
            return Ok(true);
        }
        any = true;
    }
    Ok(!any)
}

/// Removes everything in `out` but the lock.
fn empty(out: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(out)? {
        let entry = entry?;
        if entry.file_name() == LOCK {
            continue;
        }
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("panicgen-out-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn one_runner_at_a_time_and_an_earlier_run_is_emptied() {
        let d = scratch("lock");
        let first = claim(&d).unwrap();
        fs::write(d.join("results.json"), "{}").unwrap();
        let e = claim(&d).err().unwrap();
        assert!(e.contains("in use by another runner (pid "), "{e}");
        drop(first);
        let _again = claim(&d).unwrap();
        assert!(!d.join("results.json").exists());
        assert!(d.join("console").is_dir());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_directory_of_other_files_is_refused() {
        let d = scratch("foreign");
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("thesis.tex"), "keep me").unwrap();
        let e = claim(&d).err().unwrap();
        assert!(e.contains("not a panicgen run's"), "{e}");
        assert!(d.join("thesis.tex").exists());
        assert!(
            claim(&d).is_err(),
            "a refusal leaves nothing that makes it a run's"
        );
        let _ = fs::remove_dir_all(&d);
    }
}
