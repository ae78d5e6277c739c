// SPDX-License-Identifier: GPL-2.0

//! A vmcore's kernel log as makedumpfile reads it (`--dump-dmesg`), the check the Fedora/RHEL
//! kdump-utils tests run on every vmcore: the capture's own makedumpfile, from the tree the
//! capture initramfs was built from, run on the host through that tree's dynamic loader
//! (its release's glibc, not the host's), or through qemu-user for another architecture.

use std::{
    fs,
    path::Path,
    process::Command, //
};

use crate::catalog::Arch;

/// The dynamic loader's name and the library directory of `arch` in a Debian tree.
fn loader(arch: Arch) -> (&'static str, &'static str) {
    match arch {
        Arch::X86_64 => ("ld-linux-x86-64.so.2", "x86_64-linux-gnu"),
        Arch::Arm64 => ("ld-linux-aarch64.so.1", "aarch64-linux-gnu"),
    }
}

/// The command that runs `root`'s makedumpfile for `arch` on this host: through the tree's
/// own loader and libraries (merged /usr or not), under qemu-user for another arch.
fn makedumpfile(root: &Path, arch: Arch) -> Command {
    let host = match std::env::consts::ARCH {
        "aarch64" => Arch::Arm64,
        _ => Arch::X86_64,
    };
    let (ld, triple) = loader(arch);
    let ld = ["lib64", "usr/lib64", "lib", "usr/lib"]
        .iter()
        .map(|d| root.join(d).join(ld))
        .find(|p| p.exists())
        .unwrap_or_else(|| root.join("lib").join(ld));
    let mut c = if arch == host {
        Command::new(ld)
    } else {
        let mut c = Command::new(match arch {
            Arch::Arm64 => "qemu-aarch64-static",
            Arch::X86_64 => "qemu-x86_64-static",
        });
        c.arg(ld);
        c
    };
    let libs = format!("{0}/lib/{triple}:{0}/usr/lib/{triple}", root.display());
    c.arg("--library-path")
        .arg(libs)
        .arg(root.join("usr/bin/makedumpfile"));
    c
}

/// `vmcore`'s kernel log, one line each, written to `out` by `root`'s makedumpfile.
pub fn read(root: &Path, arch: Arch, vmcore: &Path, out: &Path) -> Result<Vec<String>, String> {
    let _ = fs::remove_file(out);
    let run = makedumpfile(root, arch)
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
