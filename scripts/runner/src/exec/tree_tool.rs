// SPDX-License-Identifier: GPL-2.0

//! Running a program of another Debian release's tree on the host (the capture's
//! makedumpfile, unstable's crash): with that tree's own dynamic loader and libraries, not
//! the host's, so nothing of that release is installed on the host.

use std::{
    path::Path,
    process::Command, //
};

use crate::catalog::Arch;

/// The host's architecture.
pub fn host_arch() -> Arch {
    match std::env::consts::ARCH {
        "aarch64" => Arch::Arm64,
        _ => Arch::X86_64,
    }
}

/// The dynamic loader's name and the library directory of `arch` in a Debian tree.
fn loader(arch: Arch) -> (&'static str, &'static str) {
    match arch {
        Arch::X86_64 => ("ld-linux-x86-64.so.2", "x86_64-linux-gnu"),
        Arch::Arm64 => ("ld-linux-aarch64.so.1", "aarch64-linux-gnu"),
    }
}

/// The command that runs `program` (a path in `root`) for `arch` on this host: through the
/// tree's own loader and libraries (merged /usr or not), under qemu-user for another arch.
pub fn command(root: &Path, arch: Arch, program: &str) -> Command {
    let host = host_arch();
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
    c.arg("--library-path").arg(libs).arg(root.join(program));
    c
}
