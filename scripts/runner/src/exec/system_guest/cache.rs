// SPDX-License-Identifier: GPL-2.0

//! Saved systems kept between runs (`--system-cache DIR`): a system booted, made ready and
//! saved is the same machine for as long as what made it is the same, so a later run
//! restores it instead of booting it again (minutes under TCG: its first boot makes
//! kdump-tools' capture initrd). An entry is keyed by everything that made it: the image,
//! kernel and initramfs files (path, size, modification time), the command line and boot
//! arguments, the memory, the accelerator, QEMU, kdump-tools' settings asked for, and the
//! runner's own code that boots, readies and saves a system. Every run still starts from a
//! system that never ran a fault; a run that finds no entry boots and saves one.

use std::{
    fs,
    hash::{
        Hash,
        Hasher, //
    },
    path::{
        Path,
        PathBuf, //
    },
};

use serde::{
    Deserialize,
    Serialize, //
};

use super::{
    Saved,
    SystemInfo, //
};

/// The runner's code a saved system depends on: how it is booted, made ready and saved.
const SOURCES: [&str; 5] = [
    include_str!("save.rs"),
    include_str!("../system_guest.rs"),
    include_str!("../system_ready.rs"),
    include_str!("../vm/command.rs"),
    include_str!("../vm.rs"),
];

/// Files in an entry.
const STATE: &str = "system.state";
const DISK: &str = "system.qcow2";
const INFO: &str = "system.json";

/// What an entry keeps besides the machine: what the system said, and its boot's console.
#[derive(Serialize, Deserialize)]
struct Kept {
    release: String,
    makedumpfile: String,
    makedump_args: String,
    boot: Vec<String>,
}

/// A file as the key sees it: its path, size and modification time.
pub fn file_id(path: &Path) -> String {
    let meta = fs::metadata(path);
    let len = meta.as_ref().map_or(0, |m| m.len());
    let modified = meta
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{}:{len}:{modified}", path.display())
}

/// The entry for a system made from `parts` (see the module's list), under `dir`, named
/// `prefix-KEY`.
pub fn entry(dir: &Path, prefix: &str, parts: &[String]) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut h);
    SOURCES.hash(&mut h);
    dir.join(format!("{prefix}-{:016x}", h.finish()))
}

/// Where a system being saved for `entry` writes its memory and disk: this runner's own, so
/// that two runners saving the same system at once do not share it.
pub fn scratch(entry: &Path) -> PathBuf {
    entry.with_extension(format!("tmp{}", std::process::id()))
}

/// The saved system of a complete entry, with what it said and its boot's console.
pub fn load(entry: &Path) -> Option<(Saved, SystemInfo, Vec<String>)> {
    let kept: Kept = serde_json::from_slice(&fs::read(entry.join(INFO)).ok()?).ok()?;
    let saved = Saved {
        state: entry.join(STATE),
        disk: entry.join(DISK),
        kept: true,
    };
    (saved.state.is_file() && saved.disk.is_file()).then_some(())?;
    let info = SystemInfo {
        release: kept.release,
        makedumpfile: kept.makedumpfile,
        makedump_args: kept.makedump_args,
    };
    Some((saved, info, kept.boot))
}

/// The files a system is saved to in `scratch`.
pub fn files(scratch: &Path) -> (PathBuf, PathBuf) {
    (scratch.join(STATE), scratch.join(DISK))
}

/// Makes the system saved in `scratch` the entry `entry`, and removes the entries of
/// earlier inputs with the same prefix (`keep_prefix`). Returns it as saved.
pub fn store(
    scratch: &Path,
    entry: &Path,
    keep_prefix: &str,
    info: &SystemInfo,
    boot: &[String],
) -> Result<Saved, String> {
    let kept = Kept {
        release: info.release.clone(),
        makedumpfile: info.makedumpfile.clone(),
        makedump_args: info.makedump_args.clone(),
        boot: boot.to_vec(),
    };
    let json = serde_json::to_vec(&kept).map_err(|e| e.to_string())?;
    fs::write(scratch.join(INFO), json).map_err(|e| format!("{}: {e}", scratch.display()))?;
    if let Some(dir) = entry.parent() {
        for old in fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = old.file_name().to_string_lossy().into_owned();
            let saving = name.contains(".tmp");
            if name.starts_with(keep_prefix) && !saving && old.path() != entry {
                let _ = fs::remove_dir_all(old.path());
            }
        }
    }
    if let Err(e) = fs::rename(scratch, entry) {
        // Another runner stored the same system first: use its, drop this one.
        let (theirs, _, _) = load(entry).ok_or_else(|| format!("{}: {e}", entry.display()))?;
        let _ = fs::remove_dir_all(scratch);
        return Ok(theirs);
    }
    Ok(Saved {
        state: entry.join(STATE),
        disk: entry.join(DISK),
        kept: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_found_only_whole_and_replaces_earlier_inputs() {
        let dir = std::env::temp_dir().join(format!("panicgen-syscache-{}", std::process::id()));
        let parts = |cmdline: &str| vec!["x86_64".to_string(), cmdline.to_string()];
        let old = entry(&dir, "x86_64-stock", &parts("quiet"));
        let new = entry(&dir, "x86_64-stock", &parts("quiet oops=panic"));
        assert_ne!(old, new, "another command line is another system");
        assert_eq!(old, entry(&dir, "x86_64-stock", &parts("quiet")));
        let info = SystemInfo {
            release: "7.3.4+deb13-amd64".into(),
            ..SystemInfo::default()
        };
        for e in [&old, &new] {
            let s = scratch(e);
            fs::create_dir_all(&s).unwrap();
            let (state, disk) = files(&s);
            fs::write(state, "m").unwrap();
            assert!(load(&s).is_none(), "no entry before it is stored");
            fs::write(disk, "d").unwrap();
            store(&s, e, "x86_64-stock-", &info, &["booted".into()]).unwrap();
        }
        assert!(!old.exists(), "the earlier inputs' entry is removed");
        let (saved, got, boot) = load(&new).unwrap();
        assert!(saved.kept && saved.disk.is_file());
        assert_eq!(got.release, info.release);
        assert_eq!(boot, ["booted"]);
        fs::remove_file(saved.disk).unwrap();
        assert!(load(&new).is_none(), "an entry missing a file is not used");
        fs::remove_dir_all(dir).unwrap();
    }
}
