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
/// own loader and libraries (merged /usr or not), or qemu-user's for another arch.
fn makedumpfile(root: &Path, arch: Arch) -> Command {
    let bin = root.join("usr/bin/makedumpfile");
    let host = match std::env::consts::ARCH {
        "aarch64" => Arch::Arm64,
        _ => Arch::X86_64,
    };
    let (ld, triple) = loader(arch);
    if arch != host {
        let mut c = Command::new(match arch {
            Arch::Arm64 => "qemu-aarch64-static",
            Arch::X86_64 => "qemu-x86_64-static",
        });
        c.arg("-L").arg(root).arg(bin);
        return c;
    }
    let ld = ["lib64", "usr/lib64", "lib", "usr/lib"]
        .iter()
        .map(|d| root.join(d).join(ld))
        .find(|p| p.exists())
        .unwrap_or_else(|| root.join("lib64").join(ld));
    let mut c = Command::new(ld);
    let libs = format!("{0}/lib/{triple}:{0}/usr/lib/{triple}", root.display());
    c.arg("--library-path").arg(libs).arg(bin);
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
        let last = said
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(format!("makedumpfile --dump-dmesg failed: {}", last.trim()));
    }
    let text = fs::read(out).map_err(|e| format!("makedumpfile --dump-dmesg wrote no log: {e}"))?;
    Ok(String::from_utf8_lossy(&text)
        .lines()
        .map(str::to_string)
        .collect())
}
